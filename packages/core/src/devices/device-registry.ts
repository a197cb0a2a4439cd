import { Subject, type Observable } from 'rxjs';
import { ArgusError } from '../errors/argus-error.js';
import type { EventBus } from '../events/event-bus.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import {
  parseCamera,
  parseCameraInput,
  type Camera,
  type CameraCategory,
  type CameraConnection,
  type CameraInput,
  type CameraLocation,
  type ValidationIssue,
} from './camera-schema.js';
import { MemoryDeviceStore, type DeviceStore } from './device-store.js';
import { redactCamera, type RedactedCamera } from './redact-camera.js';

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /** A camera was added to the inventory (password removed). */
    deviceAdded: { cameraId: string; camera: RedactedCamera };
    /** A camera's record changed (passwords removed). */
    deviceUpdated: { cameraId: string; camera: RedactedCamera; previous: RedactedCamera };
    /** A camera was removed from the inventory (password removed). */
    deviceRemoved: { cameraId: string; camera: RedactedCamera };
  }
}

/** One change of the inventory, as {@link DeviceRegistry.changes$} reports it; cameras come without passwords. */
export interface DeviceChange {
  readonly kind: 'added' | 'updated' | 'removed';
  readonly id: string;
  /** The camera after the change (absent for `removed`). */
  readonly camera?: RedactedCamera;
  /** The camera before the change (absent for `added`). */
  readonly previous?: RedactedCamera;
}

/**
 * A change to a camera. `location` and `connection` are merged into the current values field by field (so a
 * patch without `connection.password` keeps the password); other fields replace. A field set to `undefined`
 * is removed. `id` cannot change.
 */
export type CameraPatch = Partial<Omit<CameraInput, 'id' | 'location' | 'connection'>> & {
  id?: string;
  location?: Partial<CameraLocation>;
  connection?: Partial<CameraConnection>;
};

/** Which cameras {@link DeviceRegistry.list} returns; every given field must match. */
export interface CameraFilter {
  agency?: string;
  category?: CameraCategory;
  cameraType?: number;
  ptz?: boolean;
  /** Cameras in this group. */
  group?: string;
  /** Cameras with this tag. */
  tag?: string;
}

/** Options of {@link DeviceRegistry}. */
export interface DeviceRegistryOptions {
  /** Where `deviceAdded` / `deviceUpdated` / `deviceRemoved` go. */
  bus?: EventBus;
  /** Source of `createdAt` / `updatedAt`; default the system clock. */
  clock?: Clock;
  /** Persistence; default a {@link MemoryDeviceStore}. */
  store?: DeviceStore;
  logger?: Logger;
}

/** A stored record that {@link DeviceRegistry.init} did not load. */
export interface SkippedRecord {
  /** The record's id, when it had a string one. */
  readonly id?: string;
  readonly reason: string;
  readonly errors: readonly ValidationIssue[];
}

/** What {@link DeviceRegistry.init} loaded. */
export interface DeviceInitResult {
  readonly loaded: number;
  readonly skipped: readonly SkippedRecord[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The camera inventory: validated records, persisted through a {@link DeviceStore}, announced on the event bus
 * and on {@link DeviceRegistry.changes$} without passwords.
 *
 * Writes go to the store first and to memory after, so a failed write leaves the registry as it was; writes
 * are serialised, so concurrent calls for the same id cannot interleave. Cameras returned are frozen.
 *
 * @example
 * ```ts
 * const devices = new DeviceRegistry({ bus, store });
 * await devices.init();
 * await devices.add({ id: 'q1-gate-03', name: 'Gate 3', agency: 'police-q1', category: 'security',
 *   cameraType: 1, driver: 'hikvision', ptz: true, connection: { host: '10.1.2.3', username: 'admin', password } });
 * await devices.update('q1-gate-03', { connection: { port: 8080 } }); // keeps host and password
 * devices.list({ agency: 'police-q1', ptz: true });
 * ```
 */
export class DeviceRegistry {
  readonly #cameras = new Map<string, Camera>();
  /** The cameras in id order, built on the first ordered read and kept up to date by every write after that. */
  #sorted: Camera[] | undefined;
  readonly #changes = new Subject<DeviceChange>();
  readonly #bus: EventBus | undefined;
  readonly #clock: Clock;
  readonly #store: DeviceStore;
  readonly #logger: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: DeviceRegistryOptions = {}) {
    this.#bus = options.bus;
    this.#clock = options.clock ?? systemClock;
    this.#store = options.store ?? new MemoryDeviceStore();
    this.#logger = options.logger ?? silentLogger();
  }

  /** Every change, after it is stored; cameras without passwords. */
  get changes$(): Observable<DeviceChange> {
    return this.#changes.asObservable();
  }

  /** Number of cameras. */
  get size(): number {
    return this.#cameras.size;
  }

  /**
   * Loads the store's records. Invalid records and repeated ids are skipped, logged and returned in `skipped`;
   * they never stop the load. Emits no events. A store that fails to load rejects and leaves the registry empty.
   */
  init(): Promise<DeviceInitResult> {
    return this.#serial(async () => {
      const records = await this.#store.load();
      const accepted = new Map<string, Camera>();
      const skipped: SkippedRecord[] = [];
      for (const record of records) {
        const rawId = (record as { id?: unknown } | null)?.id;
        const id = typeof rawId === 'string' ? rawId : undefined;
        try {
          const camera = parseCamera(record);
          if (accepted.has(camera.id) || this.#cameras.has(camera.id)) {
            skipped.push({ id: camera.id, reason: 'duplicate id', errors: [{ path: '/id', message: 'Duplicate id' }] });
            continue;
          }
          accepted.set(camera.id, deepFreeze(camera));
        } catch (err) {
          const details = (err as ArgusError).details as { reason?: string; errors?: ValidationIssue[] } | undefined;
          skipped.push({
            ...(id === undefined ? {} : { id }),
            reason: details?.reason ?? String(err),
            errors: details?.errors ?? [],
          });
        }
      }
      for (const [id, camera] of accepted) this.#cameras.set(id, camera);
      this.#sorted = undefined;
      for (const skip of skipped) this.#logger.warn({ cameraId: skip.id, reason: skip.reason }, 'stored camera skipped');
      return { loaded: accepted.size, skipped };
    });
  }

  /**
   * Adds a camera. Throws `ARGUS_ERR_DEVICE_INVALID` (details `{ reason, errors: [{ path, message }] }`) or
   * `ARGUS_ERR_DEVICE_DUPLICATE`.
   */
  add(input: CameraInput): Promise<Camera> {
    return this.#serial(async () => {
      const parsed = parseCameraInput(input);
      if (this.#cameras.has(parsed.id)) throw new ArgusError('ARGUS_ERR_DEVICE_DUPLICATE', { id: parsed.id });
      const now = this.#clock.now();
      const camera = deepFreeze({ ...parsed, createdAt: now, updatedAt: now } as Camera);
      await this.#store.put(camera);
      this.#cameras.set(camera.id, camera);
      this.#indexPut(camera);
      this.#announce('added', camera, undefined);
      return camera;
    });
  }

  /**
   * Changes a camera (see {@link CameraPatch} for the merge rules) and revalidates the result. Throws
   * `ARGUS_ERR_DEVICE_NOT_FOUND` or `ARGUS_ERR_DEVICE_INVALID`.
   */
  update(id: string, patch: CameraPatch): Promise<Camera> {
    return this.#serial(async () => {
      const previous = this.get(id);
      if (typeof patch !== 'object' || patch === null) throw new TypeError('update() needs a patch object');
      if (patch.id !== undefined && patch.id !== id) {
        throw new ArgusError('ARGUS_ERR_DEVICE_INVALID', {
          reason: `"${id}": /id: The id of a camera cannot change`,
          errors: [{ path: '/id', message: 'The id of a camera cannot change' }],
        });
      }
      const { createdAt, updatedAt: _updatedAt, ...current } = previous;
      const merged: Record<string, unknown> = withoutUndefined({ ...current, ...patch, id });
      if (patch.location !== undefined) merged['location'] = withoutUndefined({ ...previous.location, ...patch.location });
      if (patch.connection !== undefined) merged['connection'] = withoutUndefined({ ...previous.connection, ...patch.connection });
      const parsed = parseCameraInput(merged);
      return this.#replace(previous, { ...parsed, createdAt, updatedAt: this.#clock.now() } as Camera);
    });
  }

  /** Adds the camera, or replaces the whole record (not merged) when the id exists, keeping `createdAt`. */
  upsert(input: CameraInput): Promise<Camera> {
    return this.#serial(async () => {
      const parsed = parseCameraInput(input);
      const previous = this.#cameras.get(parsed.id);
      const now = this.#clock.now();
      if (previous !== undefined) {
        return this.#replace(previous, { ...parsed, createdAt: previous.createdAt, updatedAt: now } as Camera);
      }
      const camera = deepFreeze({ ...parsed, createdAt: now, updatedAt: now } as Camera);
      await this.#store.put(camera);
      this.#cameras.set(camera.id, camera);
      this.#indexPut(camera);
      this.#announce('added', camera, undefined);
      return camera;
    });
  }

  /** Removes a camera and returns its last record; throws `ARGUS_ERR_DEVICE_NOT_FOUND`. */
  remove(id: string): Promise<Camera> {
    return this.#serial(async () => {
      const previous = this.get(id);
      await this.#store.delete(id);
      this.#cameras.delete(id);
      this.#indexRemove(id);
      this.#announce('removed', undefined, previous);
      return previous;
    });
  }

  /** The camera with this id (with its password: for drivers, not for API answers); throws `ARGUS_ERR_DEVICE_NOT_FOUND`. */
  get(id: string): Camera {
    const camera = this.#cameras.get(id);
    if (camera === undefined) throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id });
    return camera;
  }

  /** The camera with this id, or `undefined`. */
  tryGet(id: string): Camera | undefined {
    return this.#cameras.get(id);
  }

  /** Cameras matching every given field of `filter`, by id. */
  list(filter: CameraFilter = {}): Camera[] {
    const result: Camera[] = [];
    this.scan(undefined, (camera) => {
      if (filter.agency !== undefined && camera.agency !== filter.agency) return;
      if (filter.category !== undefined && camera.category !== filter.category) return;
      if (filter.cameraType !== undefined && camera.cameraType !== filter.cameraType) return;
      if (filter.ptz !== undefined && camera.ptz !== filter.ptz) return;
      if (filter.group !== undefined && !camera.groups.includes(filter.group)) return;
      if (filter.tag !== undefined && !camera.tags.includes(filter.tag)) return;
      result.push(camera);
    });
    return result;
  }

  /**
   * Visits cameras in id order (code-unit order, as `<` compares strings), starting after the id `after` when
   * given (which need not exist), until `visit` returns `false`. A caller that pages stops after its page instead
   * of copying and sorting the inventory. The walk is synchronous, so no write can change the inventory during it.
   *
   * @example
   * ```ts
   * const page: Camera[] = [];
   * devices.scan(cursor, (camera) => !camera.ptz || page.push(camera) < 50);
   * ```
   */
  scan(after: string | undefined, visit: (camera: Camera) => boolean | void): void {
    const sorted = (this.#sorted ??= [...this.#cameras.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    for (let i = after === undefined ? 0 : upperBound(sorted, after); i < sorted.length; i++) {
      if (visit(sorted[i]!) === false) return;
    }
  }

  #indexPut(camera: Camera): void {
    if (this.#sorted === undefined) return;
    const at = upperBound(this.#sorted, camera.id);
    if (this.#sorted[at - 1]?.id === camera.id) this.#sorted[at - 1] = camera;
    else this.#sorted.splice(at, 0, camera);
  }

  #indexRemove(id: string): void {
    if (this.#sorted === undefined) return;
    const at = upperBound(this.#sorted, id) - 1;
    if (this.#sorted[at]?.id === id) this.#sorted.splice(at, 1);
  }

  async #replace(previous: Camera, next: Camera): Promise<Camera> {
    const camera = deepFreeze(next);
    await this.#store.put(camera);
    this.#cameras.set(camera.id, camera);
    this.#indexPut(camera);
    this.#announce('updated', camera, previous);
    return camera;
  }

  #announce(kind: DeviceChange['kind'], camera: Camera | undefined, previous: Camera | undefined): void {
    const id = (camera ?? previous)!.id;
    const safe = camera === undefined ? undefined : redactCamera(camera);
    const safePrevious = previous === undefined ? undefined : redactCamera(previous);
    this.#changes.next({
      kind,
      id,
      ...(safe === undefined ? {} : { camera: safe }),
      ...(safePrevious === undefined ? {} : { previous: safePrevious }),
    });
    const options = { source: 'device-registry', cameraId: id };
    if (kind === 'added') this.#bus?.emit('deviceAdded', { cameraId: id, camera: safe! }, options);
    else if (kind === 'updated') this.#bus?.emit('deviceUpdated', { cameraId: id, camera: safe!, previous: safePrevious! }, options);
    else this.#bus?.emit('deviceRemoved', { cameraId: id, camera: safePrevious! }, options);
  }

  /** Runs mutations one after another, so a check-then-write cannot interleave with another. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** First index of the id-sorted `cameras` whose id is greater than `id`. */
function upperBound(cameras: readonly Camera[], id: string): number {
  let lo = 0;
  let hi = cameras.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cameras[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
