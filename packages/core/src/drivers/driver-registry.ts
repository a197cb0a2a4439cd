import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import { CAPABILITIES } from './capabilities.js';
import type { DeviceSession } from './device-session.js';
import type {
  ConnectConfig,
  ConnectOptions,
  Driver,
  DriverComponents,
  DriverFactory,
  DriverManifest,
  ProbeEndpoint,
  ProbeMatch,
} from './driver.js';
import { formatEndpoint, toDriverError } from './to-driver-error.js';

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /** A driver was added to the driver registry. */
    driverRegistered: { driver: string; version: string; cameraTypes: readonly number[] };
    /** A driver was removed from the driver registry. */
    driverUnregistered: { driver: string };
  }
}

/** Number of camera types of the city (ids 1..33). */
const CAMERA_TYPE_COUNT = 33;

/** Options of {@link DriverRegistry}. */
export interface DriverRegistryOptions {
  /** Host services handed to driver factories. */
  components: DriverComponents;
  /** Where `driverRegistered` / `driverUnregistered` go. */
  bus?: EventBus;
  /** Time each driver's probe has; default 5000 ms. */
  probeTimeoutMs?: number;
}

/** Options of {@link DriverRegistry.probe}. */
export interface RegistryProbeOptions {
  /** Ids of the drivers to try; default all. */
  drivers?: readonly string[];
  /** Time each probe has; default the registry's `probeTimeoutMs`. */
  timeoutMs?: number;
  /** Aborts every probe; `probe()` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A driver whose probe failed: it threw, timed out, or answered nonsense. */
export interface ProbeFailure {
  readonly driver: string;
  /** The Argus code when the failure carried one (`ARGUS_ERR_DRIVER_AUTH`: recognised, wrong credentials). */
  readonly code?: string;
  readonly message: string;
}

/** What {@link DriverRegistry.probe} found. */
export interface ProbeResult {
  /** Matches, best first (score descending, ties by driver id). */
  readonly matches: ProbeMatch[];
  readonly failures: ProbeFailure[];
}

function checkManifest(manifest: DriverManifest | undefined): void {
  const fail = (why: string): never => {
    throw new TypeError(`Invalid driver manifest${manifest?.id ? ` "${manifest.id}"` : ''}: ${why}`);
  };
  if (typeof manifest !== 'object' || manifest === null) fail('missing');
  const m = manifest as DriverManifest;
  if (typeof m.id !== 'string' || m.id.trim() === '') fail('id must be a non-empty string');
  for (const key of ['name', 'vendor', 'version'] as const) {
    if (typeof m[key] !== 'string') fail(`${key} must be a string`);
  }
  if (!Array.isArray(m.cameraTypes)) fail('cameraTypes must be an array');
  for (const type of m.cameraTypes) {
    if (!Number.isInteger(type) || type < 1 || type > CAMERA_TYPE_COUNT) {
      fail(`camera type ${String(type)} is not an integer 1..${CAMERA_TYPE_COUNT}`);
    }
  }
  if (!Array.isArray(m.protocols) || m.protocols.some((p) => typeof p !== 'string')) {
    fail('protocols must be an array of strings');
  }
  if (!Array.isArray(m.capabilities)) fail('capabilities must be an array');
  for (const capability of m.capabilities) {
    if (!(CAPABILITIES as readonly string[]).includes(capability)) fail(`unknown capability "${String(capability)}"`);
  }
}

function compareMatches(a: ProbeMatch, b: ProbeMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.driver < b.driver ? -1 : a.driver > b.driver ? 1 : 0;
}

type ProbeOutcome = { match: ProbeMatch | null } | { failure: ProbeFailure };

/**
 * The drivers known to a host: registration with manifest checks, lookup by id and camera type, connect, and a
 * scored probe that asks every driver "is this yours?" at once, each within its own time limit.
 *
 * @example
 * ```ts
 * const drivers = new DriverRegistry({ components: { logger, clock: systemClock } });
 * drivers.register(hikvision());
 * drivers.register(onvif());
 * const best = await drivers.probeBest({ host: '10.1.2.3', username: 'admin', password });
 * const session = await drivers.connect(best.driver, { host: '10.1.2.3', username: 'admin', password });
 * ```
 */
export class DriverRegistry {
  readonly #drivers = new Map<string, Driver>();
  readonly #components: DriverComponents;
  readonly #bus: EventBus | undefined;
  readonly #probeTimeoutMs: number;
  readonly #logger: Logger;

  constructor(options: DriverRegistryOptions) {
    const probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    if (!(probeTimeoutMs > 0)) throw new RangeError(`probeTimeoutMs must be positive, got ${probeTimeoutMs}`);
    this.#components = options.components;
    this.#bus = options.bus;
    this.#probeTimeoutMs = probeTimeoutMs;
    this.#logger = options.components.logger.child({ component: 'driver-registry' });
  }

  /**
   * Adds a driver, given as a factory (called with the host's components) or as a built driver, and returns it.
   * Throws `ARGUS_ERR_DRIVER_DUPLICATE` when the id is taken, and TypeError for a malformed manifest.
   */
  register(driverOrFactory: Driver | DriverFactory): Driver {
    const driver = typeof driverOrFactory === 'function' ? driverOrFactory(this.#components) : driverOrFactory;
    if (typeof driver !== 'object' || driver === null) throw new TypeError('register() needs a driver or a driver factory');
    checkManifest(driver.manifest);
    if (typeof driver.probe !== 'function' || typeof driver.connect !== 'function') {
      throw new TypeError(`Driver "${driver.manifest.id}" must implement probe() and connect()`);
    }
    const { id } = driver.manifest;
    if (this.#drivers.has(id)) throw new ArgusError('ARGUS_ERR_DRIVER_DUPLICATE', { driver: id });
    this.#drivers.set(id, driver);
    this.#bus?.emit(
      'driverRegistered',
      { driver: id, version: driver.manifest.version, cameraTypes: [...driver.manifest.cameraTypes] },
      { source: 'driver-registry' },
    );
    return driver;
  }

  /** Removes a driver; false when none had that id. Open sessions are not closed. */
  unregister(id: string): boolean {
    const removed = this.#drivers.delete(id);
    if (removed) this.#bus?.emit('driverUnregistered', { driver: id }, { source: 'driver-registry' });
    return removed;
  }

  /** True when a driver with this id is registered. */
  has(id: string): boolean {
    return this.#drivers.has(id);
  }

  /** The driver with this id; throws `ARGUS_ERR_DRIVER_NOT_FOUND`. */
  get(id: string): Driver {
    const driver = this.#drivers.get(id);
    if (driver === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_NOT_FOUND', { driver: id });
    return driver;
  }

  /** Manifests of every registered driver, by id. */
  list(): DriverManifest[] {
    return [...this.#drivers.values()].map((d) => d.manifest).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Manifests of the drivers that handle camera type `cameraType` (1..33), by id. */
  forCameraType(cameraType: number): DriverManifest[] {
    if (!Number.isInteger(cameraType) || cameraType < 1 || cameraType > CAMERA_TYPE_COUNT) {
      throw new RangeError(`Camera type must be an integer 1..${CAMERA_TYPE_COUNT}, got ${cameraType}`);
    }
    return this.list().filter((m) => m.cameraTypes.includes(cameraType));
  }

  /** Opens a session with the named driver; network failures come back as typed driver errors. */
  async connect(driverId: string, config: ConnectConfig, options?: ConnectOptions): Promise<DeviceSession> {
    const driver = this.get(driverId);
    try {
      return await driver.connect(config, options);
    } catch (err) {
      throw toDriverError(err, config);
    }
  }

  /**
   * Asks the drivers, concurrently, whether the endpoint is theirs. Each probe gets an AbortSignal that fires
   * after `timeoutMs`; a probe that ignores it is abandoned at that point, so `probe` never hangs. A driver that
   * throws `ARGUS_ERR_DRIVER_AUTH` recognised the device but not the credentials: it is listed in `failures`
   * with that code.
   */
  async probe(endpoint: ProbeEndpoint, options: RegistryProbeOptions = {}): Promise<ProbeResult> {
    const timeoutMs = options.timeoutMs ?? this.#probeTimeoutMs;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
    const drivers = options.drivers === undefined ? [...this.#drivers.values()] : options.drivers.map((id) => this.get(id));
    options.signal?.throwIfAborted();

    const outcomes = await Promise.all(drivers.map((driver) => this.#probeOne(driver, endpoint, timeoutMs, options.signal)));
    options.signal?.throwIfAborted();

    const matches: ProbeMatch[] = [];
    const failures: ProbeFailure[] = [];
    for (const outcome of outcomes) {
      if ('failure' in outcome) failures.push(outcome.failure);
      else if (outcome.match !== null) matches.push(outcome.match);
    }
    matches.sort(compareMatches);
    failures.sort((a, b) => (a.driver < b.driver ? -1 : a.driver > b.driver ? 1 : 0));
    return { matches, failures };
  }

  /**
   * The best match for the endpoint; throws `ARGUS_ERR_DRIVER_NO_MATCH` (with the failures in its details)
   * when no driver recognised it.
   */
  async probeBest(endpoint: ProbeEndpoint, options: RegistryProbeOptions = {}): Promise<ProbeMatch> {
    const { matches, failures } = await this.probe(endpoint, options);
    const best = matches[0];
    if (best === undefined) {
      throw new ArgusError('ARGUS_ERR_DRIVER_NO_MATCH', { endpoint: formatEndpoint(endpoint), failures });
    }
    return best;
  }

  async #probeOne(
    driver: Driver,
    endpoint: ProbeEndpoint,
    timeoutMs: number,
    outer: AbortSignal | undefined,
  ): Promise<ProbeOutcome> {
    const id = driver.manifest.id;
    const where = formatEndpoint(endpoint);
    const controller = new AbortController();
    const timeoutError = new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: where, timeoutMs, driver: id });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    // Settles when the signal fires, so a probe that ignores its signal cannot hold the whole probe up.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
      timer = setTimeout(() => controller.abort(timeoutError), timeoutMs);
    });
    try {
      const match = await Promise.race([
        Promise.resolve().then(() => driver.probe(endpoint, { signal: controller.signal, timeoutMs })),
        aborted,
      ]);
      if (match === null || match === undefined) return { match: null };
      if (typeof match.score !== 'number' || !(match.score >= 0 && match.score <= 100)) {
        return { failure: { driver: id, message: `Probe returned an invalid score: ${String(match.score)}` } };
      }
      return { match: { ...match, driver: id } };
    } catch (err) {
      const mapped = controller.signal.aborted && controller.signal.reason === timeoutError ? timeoutError : toDriverError(err, endpoint, { timeoutMs });
      const code = hasErrorCode(mapped) ? mapped.code : undefined;
      this.#logger.debug({ driver: id, endpoint: where, code, err: mapped.message }, 'probe failed');
      return { failure: { driver: id, ...(code === undefined ? {} : { code }), message: mapped.message } };
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      controller.abort(new Error('probe finished'));
    }
  }
}
