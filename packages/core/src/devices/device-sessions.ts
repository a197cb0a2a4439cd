import type { Subscription } from 'rxjs';
import type { DeviceSession } from '../drivers/device-session.js';
import type { DriverRegistry } from '../drivers/driver-registry.js';
import { toDriverError } from '../drivers/to-driver-error.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { Camera } from './camera-schema.js';
import type { DeviceRegistry } from './device-registry.js';

function fingerprint(camera: Camera): string {
  return JSON.stringify([camera.driver, camera.connection]);
}

/** Options of {@link DeviceSessions}. */
export interface DeviceSessionsOptions {
  devices: DeviceRegistry;
  drivers: DriverRegistry;
  logger?: Logger;
}

/**
 * Keeps at most one driver session per camera, opened on first use and shared by every user of the camera
 * (stream hubs, PTZ, snapshots). A session is closed when its camera is removed or its driver or connection
 * changes, and can be dropped by a user that found it broken ({@link DeviceSessions.invalidate}).
 *
 * @example
 * ```ts
 * const sessions = new DeviceSessions({ devices, drivers });
 * const ptz = (await sessions.get('cam-1')).require('ptz');
 * await ptz.gotoHome();
 * ```
 */
export class DeviceSessions {
  readonly #devices: DeviceRegistry;
  readonly #drivers: DriverRegistry;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, Promise<DeviceSession>>();
  /** Driver and connection (password included) each open session was made with. */
  readonly #fingerprints = new Map<string, string>();
  readonly #changes: Subscription;
  #closed = false;

  constructor(options: DeviceSessionsOptions) {
    this.#devices = options.devices;
    this.#drivers = options.drivers;
    this.#logger = options.logger ?? silentLogger();
    this.#changes = this.#devices.changes$.subscribe((change) => {
      const opened = this.#fingerprints.get(change.id);
      if (opened === undefined) return;
      const camera = this.#devices.tryGet(change.id);
      if (camera === undefined || fingerprint(camera) !== opened) void this.invalidate(change.id);
    });
  }

  /**
   * The camera's session, connecting through its driver when none is open. Concurrent callers share one
   * connection attempt; a failed attempt is not cached, so the next call tries again.
   */
  get(cameraId: string): Promise<DeviceSession> {
    if (this.#closed) return Promise.reject(new TypeError('DeviceSessions is closed'));
    let pending = this.#sessions.get(cameraId);
    if (pending === undefined) {
      pending = this.#connect(cameraId);
      this.#sessions.set(cameraId, pending);
      pending.catch(() => {
        if (this.#sessions.get(cameraId) === pending) this.#sessions.delete(cameraId);
      });
    }
    return pending;
  }

  /** True when a session is open or opening for the camera. */
  has(cameraId: string): boolean {
    return this.#sessions.has(cameraId);
  }

  /** Closes and forgets the camera's session (after an error that a new session may cure). */
  async invalidate(cameraId: string): Promise<void> {
    const pending = this.#sessions.get(cameraId);
    if (pending === undefined) return;
    this.#sessions.delete(cameraId);
    this.#fingerprints.delete(cameraId);
    try {
      await (await pending).close();
    } catch (err) {
      this.#logger.debug({ err, camera: cameraId }, 'closing a session failed');
    }
  }

  /** Closes every session; later `get` calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#changes.unsubscribe();
    await Promise.all([...this.#sessions.keys()].map((id) => this.invalidate(id)));
  }

  async #connect(cameraId: string): Promise<DeviceSession> {
    const camera = this.#devices.get(cameraId);
    const driver = this.#drivers.get(camera.driver);
    const { connection } = camera;
    this.#fingerprints.set(cameraId, fingerprint(camera));
    try {
      const session = await driver.connect({
        host: connection.host,
        ...(connection.port === undefined ? {} : { port: connection.port }),
        ...(connection.username === undefined ? {} : { username: connection.username }),
        ...(connection.password === undefined ? {} : { password: connection.password }),
        ...(connection.path === undefined ? {} : { path: connection.path }),
        ...(connection.options === undefined ? {} : { options: connection.options }),
      });
      this.#logger.debug({ camera: cameraId, driver: camera.driver, capabilities: [...session.capabilities] }, 'session opened');
      return session;
    } catch (err) {
      throw toDriverError(err, { host: connection.host, ...(connection.port === undefined ? {} : { port: connection.port }) });
    }
  }
}
