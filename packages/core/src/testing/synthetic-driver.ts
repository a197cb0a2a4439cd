import { defer, finalize, type Observable, type SchedulerLike } from 'rxjs';
import { createDeviceSession, type DeviceSession } from '../drivers/device-session.js';
import type { ConnectConfig, Driver, DriverComponents, DriverFactory, DriverManifest, ProbeEndpoint, ProbeMatch } from '../drivers/driver.js';
import { ArgusError } from '../errors/argus-error.js';
import type { MediaPacket } from '../stream/media-packet.js';
import { syntheticStream } from './synthetic-stream.js';

/** Options of {@link syntheticDriver}. */
export interface SyntheticDriverOptions {
  /** Frames per second of the main profile; the sub profile runs at the same rate. Default 25. */
  fps?: number;
  /** Frames per GOP; default 50. */
  gopFrames?: number;
  /** Password every session must present; unset accepts any. */
  password?: string;
  /** Scheduler that paces frames; default real time. */
  scheduler?: SchedulerLike;
}

/** Counters a test reads to prove how many upstream connections were opened. */
export interface SyntheticDriverStats {
  /** Sessions opened by `connect`. */
  sessions: number;
  /** Streams opened (`openStream` subscriptions), i.e. upstream connections. */
  streamsOpened: number;
  /** Streams currently open. */
  streamsOpen: number;
}

const MANIFEST: DriverManifest = {
  id: 'synthetic',
  name: 'Synthetic camera',
  vendor: 'Argus',
  version: '0.1.0',
  cameraTypes: [26],
  protocols: ['synthetic'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia'],
};

/**
 * A driver for synthetic cameras (paced packets with a keyframe every GOP, not decodable video), for tests and
 * benchmarks of the framework itself. It answers probes for the `synthetic` scheme only.
 */
export class SyntheticDriver implements Driver {
  readonly manifest = MANIFEST;
  readonly stats: SyntheticDriverStats = { sessions: 0, streamsOpened: 0, streamsOpen: 0 };
  readonly #options: SyntheticDriverOptions;

  constructor(options: SyntheticDriverOptions, components: DriverComponents) {
    this.#options = options;
    components.logger.debug({ driver: MANIFEST.id }, 'synthetic driver created');
  }

  async probe(endpoint: ProbeEndpoint): Promise<ProbeMatch | null> {
    if (endpoint.scheme !== 'synthetic') return null;
    this.#checkPassword(endpoint);
    return { driver: MANIFEST.id, score: 100, cameraType: 26, model: 'synthetic' };
  }

  async connect(config: ConnectConfig): Promise<DeviceSession> {
    this.#checkPassword(config);
    this.stats.sessions += 1;
    const fps = this.#options.fps ?? 25;
    return createDeviceSession({
      deviceInfo: {
        getDeviceInfo: async () => ({ manufacturer: 'Argus', model: 'synthetic', firmware: '0.1.0', serial: config.host }),
      },
      streams: {
        getStreamProfiles: async () => [
          { id: 'main', name: 'main', codec: 'synthetic', width: 1920, height: 1080, fps },
          { id: 'sub', name: 'sub', codec: 'synthetic', width: 640, height: 360, fps },
        ],
      },
      liveMedia: { openStream: (profileId) => this.#openStream(profileId) },
    });
  }

  #openStream(profileId: string): Observable<MediaPacket> {
    if (profileId !== 'main' && profileId !== 'sub') {
      throw new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', { capability: `stream profile ${profileId}` });
    }
    return defer(() => {
      this.stats.streamsOpened += 1;
      this.stats.streamsOpen += 1;
      return syntheticStream({
        ...(this.#options.fps === undefined ? {} : { fps: this.#options.fps }),
        ...(this.#options.gopFrames === undefined ? {} : { gopFrames: this.#options.gopFrames }),
        ...(this.#options.scheduler === undefined ? {} : { scheduler: this.#options.scheduler }),
        ...(profileId === 'sub' ? { width: 640, height: 360, frameBytes: 250 } : {}),
      }).pipe(finalize(() => void (this.stats.streamsOpen -= 1)));
    });
  }

  #checkPassword(credentials: { host: string; port?: number; password?: string }): void {
    const expected = this.#options.password;
    if (expected !== undefined && credentials.password !== expected) {
      throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: `${credentials.host}${credentials.port === undefined ? '' : `:${credentials.port}`}` });
    }
  }
}

/**
 * Factory of the {@link SyntheticDriver}, in the shape every driver package exports.
 *
 * @example
 * ```ts
 * const driver = registry.register(syntheticDriver({ fps: 25, gopFrames: 50 })) as SyntheticDriver;
 * // ... consumers read the stream ...
 * expect(driver.stats.streamsOpened).toBe(1);
 * ```
 */
export function syntheticDriver(options: SyntheticDriverOptions = {}): DriverFactory {
  return (components) => new SyntheticDriver(options, components);
}
