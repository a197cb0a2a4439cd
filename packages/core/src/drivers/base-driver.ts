import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ArgusError } from '../errors/argus-error.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../time/clock.js';
import type { DeviceSession } from './device-session.js';
import type {
  ConnectConfig,
  ConnectOptions,
  Driver,
  DriverComponents,
  DriverManifest,
  ProbeEndpoint,
  ProbeMatch,
  ProbeOptions,
} from './driver.js';
import { toDriverError } from './to-driver-error.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Optional base for drivers: validates the connection settings before `doConnect` (including `config.options`
 * against the driver's TypeBox `optionsSchema`, with its defaults applied), and maps network failures of
 * `doProbe`/`doConnect` to `ARGUS_ERR_DRIVER_UNREACHABLE` / `ARGUS_ERR_DRIVER_TIMEOUT` with {@link toDriverError}.
 *
 * @example
 * ```ts
 * class RtspDriver extends BaseDriver {
 *   readonly manifest = { id: 'rtsp', name: 'Plain RTSP', vendor: 'generic', version: '1.0.0',
 *     cameraTypes: [26], protocols: ['rtsp'], capabilities: ['streams', 'liveMedia'] } as const;
 *   protected override readonly optionsSchema = Type.Object({ transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])) });
 *   protected async doProbe(endpoint: ProbeEndpoint, { signal }: ProbeOptions) { ... }
 *   protected async doConnect(config: ConnectConfig) { return createDeviceSession({ ... }, close); }
 * }
 * ```
 */
export abstract class BaseDriver implements Driver {
  /** The driver's manifest. */
  abstract readonly manifest: DriverManifest;
  /** Schema of `config.options`; none means any object is accepted. */
  protected readonly optionsSchema?: TSchema;
  protected readonly logger: Logger;
  protected readonly clock: Clock;

  constructor(components: DriverComponents) {
    this.logger = components.logger;
    this.clock = components.clock;
  }

  /** Runs {@link BaseDriver.doProbe}, mapping network failures to typed driver errors. */
  async probe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    if (!isPlainObject(endpoint) || typeof endpoint.host !== 'string' || endpoint.host === '') {
      throw new TypeError('probe() needs an endpoint with a non-empty host');
    }
    options.signal.throwIfAborted();
    try {
      return await this.doProbe(endpoint, options);
    } catch (err) {
      throw toDriverError(err, endpoint, { timeoutMs: options.timeoutMs });
    }
  }

  /** Validates `config`, then runs {@link BaseDriver.doConnect}, mapping network failures to typed driver errors. */
  async connect(config: ConnectConfig, options: ConnectOptions = {}): Promise<DeviceSession> {
    const valid = this.validateConfig(config);
    options.signal?.throwIfAborted();
    try {
      return await this.doConnect(valid, options);
    } catch (err) {
      throw toDriverError(err, valid);
    }
  }

  /**
   * Checks the connection settings and returns them with the option defaults applied. Throws
   * `ARGUS_ERR_DRIVER_CONFIG_INVALID` with `details.errors` of `{ path, message }`. Override to add checks
   * (call `super.validateConfig` first).
   */
  protected validateConfig(config: ConnectConfig): ConnectConfig {
    const errors: { path: string; message: string }[] = [];
    if (!isPlainObject(config)) {
      errors.push({ path: '', message: 'Expected an object' });
    } else {
      if (typeof config.host !== 'string' || config.host.trim() === '') {
        errors.push({ path: '/host', message: 'Expected a non-empty host' });
      }
      if (config.port !== undefined && !(Number.isInteger(config.port) && config.port >= 1 && config.port <= 65_535)) {
        errors.push({ path: '/port', message: 'Expected an integer port 1..65535' });
      }
      for (const key of ['username', 'password', 'path'] as const) {
        if (config[key] !== undefined && typeof config[key] !== 'string') {
          errors.push({ path: `/${key}`, message: 'Expected a string' });
        }
      }
      if (config.options !== undefined && !isPlainObject(config.options)) {
        errors.push({ path: '/options', message: 'Expected an object' });
      }
    }
    let options = isPlainObject(config) ? config.options : undefined;
    if (errors.length === 0 && this.optionsSchema !== undefined) {
      options = Value.Default(this.optionsSchema, structuredClone(options ?? {})) as Record<string, unknown>;
      for (const error of Value.Errors(this.optionsSchema, options)) {
        errors.push({ path: `/options${error.path}`, message: error.message });
      }
    }
    if (errors.length > 0) {
      const reason = errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ');
      throw new ArgusError('ARGUS_ERR_DRIVER_CONFIG_INVALID', { driver: this.manifest.id, reason, errors });
    }
    return options === undefined ? config : { ...config, options };
  }

  /** Recognises the device; see {@link Driver.probe}. */
  protected abstract doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null>;

  /** Opens the session with settings already validated. */
  protected abstract doConnect(config: ConnectConfig, options: ConnectOptions): Promise<DeviceSession>;
}
