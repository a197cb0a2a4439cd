import type { Logger } from '../logging/logger.js';
import type { Clock } from '../time/clock.js';
import type { CapabilityName } from './capabilities.js';
import type { DeviceSession } from './device-session.js';

/** What a driver is and what it can do, readable without connecting to anything. */
export interface DriverManifest {
  /** Stable id, referenced by cameras (`camera.driver`): `hikvision`, `onvif`, `rtsp`... */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  /** Vendor or protocol family the driver speaks for. */
  readonly vendor: string;
  /** The driver's own version (semver). */
  readonly version: string;
  /** Which of the city's 33 camera types (1..33) the driver handles. */
  readonly cameraTypes: readonly number[];
  /** Protocols spoken: `isapi`, `onvif`, `rtsp`, `http`... */
  readonly protocols: readonly string[];
  /** Capabilities the driver can offer when the device has them; a session may have fewer. */
  readonly capabilities: readonly CapabilityName[];
}

/** Where to look for a device. Credentials are optional: many devices identify themselves without them. */
export interface ProbeEndpoint {
  readonly host: string;
  readonly port?: number;
  /** `http`, `https`, `rtsp`...; the driver's default when absent. */
  readonly scheme?: string;
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
}

/** Options the registry passes to every probe. */
export interface ProbeOptions {
  /** Aborted when the probe's time is up or the caller gives up; pass it to every request. */
  readonly signal: AbortSignal;
  /** The time the probe has, for drivers that set per-request timeouts. */
  readonly timeoutMs: number;
}

/** A driver's answer "this is mine", with how sure it is. */
export interface ProbeMatch {
  /** Id of the driver that matched (set by the registry from the manifest). */
  readonly driver: string;
  /** Confidence 0..100: 100 for a positive identification (vendor API answered), lower for hints (a banner). */
  readonly score: number;
  /** Camera type 1..33 when the driver can tell (e.g. an ANPR model). */
  readonly cameraType?: number;
  readonly model?: string;
  /** Anything else learned (firmware, serial...), never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** How to reach a device for a session. */
export interface ConnectConfig {
  readonly host: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  readonly path?: string;
  /** Driver-specific settings (channel, transport...), validated by the driver. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Options of {@link Driver.connect}. */
export interface ConnectOptions {
  readonly signal?: AbortSignal;
}

/**
 * Host services handed to a driver factory. Hosts may pass more (http, metrics); drivers read what they need.
 */
export interface DriverComponents {
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * The driver contract: a manifest, a probe that recognises devices, and connect that opens a session.
 *
 * A driver package exports a factory taking user options first and returning a {@link DriverFactory} that takes
 * host services; drivers never import the DI container.
 *
 * @example
 * ```ts
 * export function hikvision(options: HikvisionOptions = {}): DriverFactory {
 *   return (components) => new HikvisionDriver(options, components);
 * }
 * registry.register(hikvision({ snapshotQuality: 80 }));
 * const { matches } = await registry.probe({ host: '10.0.0.5', username, password });
 * ```
 */
export interface Driver {
  readonly manifest: DriverManifest;
  /**
   * Resolves to a match when the endpoint looks like a device of this driver, `null` when it clearly is not.
   * Throws `ARGUS_ERR_DRIVER_AUTH` when it recognises the device but the credentials are wrong, and network
   * errors (see `toDriverError`) when it cannot tell. Must honour `options.signal`.
   */
  probe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null>;
  /** Opens a session with the device; its capabilities are what the device has. */
  connect(config: ConnectConfig, options?: ConnectOptions): Promise<DeviceSession>;
}

/** What a driver package's factory returns: builds the driver once the host's services are known. */
export type DriverFactory = (components: DriverComponents) => Driver;
