import { Type, type Static } from '@sinclair/typebox';
import {
  BaseDriver,
  createDeviceSession,
  type ConnectConfig,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type Snapshot,
  type StreamProfile,
} from '@argus/core';
import { jpegPollingSource } from '@argus/core/media';
import { connectImageSource, fetchJpeg, probeImageEndpoint } from './image-endpoint.js';
import { parseJpegSize, type JpegSize } from './jpeg-size.js';

/** Options of {@link jpeg}: defaults for every camera of this driver. */
export interface JpegDriverOptions {
  /** Time for one snapshot request; default 10 000 ms. */
  timeoutMs?: number;
  /** Default of the per-camera `fps`: polls per second. Default 1. */
  fps?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const JpegCameraOptionsSchema = Type.Object(
  {
    /** Polls per second, which is the frame rate of the H.264 stream; default 1. */
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 30 })),
    /** `http` (default) or `https`. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the JPEG polling driver. */
export type JpegCameraOptions = Static<typeof JpegCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'jpeg',
  name: 'JPEG snapshot polling',
  vendor: 'generic',
  version: '0.1.0',
  cameraTypes: [28],
  protocols: ['http'],
  capabilities: ['streams', 'liveMedia', 'snapshot'],
};

/** A path that answers one whole JPEG: a snapshot source for sure, though any camera has one. */
export const JPEG_PROBE_SCORE = 85;

const DEFAULT_FPS = 1;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The driver for stills-only sources (camera type 28): GETs a snapshot URL with the kit's device client (Digest or
 * Basic as the device asks) and turns the polled JPEGs into H.264 with core's `jpegPollingSource` (one ffmpeg per
 * live subscription). The stream profile gives the JPEG's size (from its SOFn header) and the poll rate.
 */
export class JpegDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = JpegCameraOptionsSchema;
  readonly #options: JpegDriverOptions;

  constructor(options: JpegDriverOptions, components: DriverComponents) {
    super(components);
    if (options.fps !== undefined && !(options.fps > 0 && options.fps <= 30)) throw new RangeError(`fps must be within (0, 30], got ${options.fps}`);
    this.#options = options;
  }

  protected doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    return probeImageEndpoint(endpoint, options, { kind: 'jpeg', driver: MANIFEST.id, score: JPEG_PROBE_SCORE, cameraType: 28 }, this.logger);
  }

  protected doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as JpegCameraOptions;
    const fps = options.fps ?? this.#options.fps ?? DEFAULT_FPS;
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const target = { kind: 'jpeg', driver: MANIFEST.id, scheme: options.scheme, timeoutMs, logger: this.logger } as const;
    return connectImageSource(config, target, async ({ http, path, endpoint }) => {
      const take = async (): Promise<{ jpeg: Uint8Array; size: JpegSize }> => {
        const jpeg = await fetchJpeg(http, path);
        return { jpeg, size: parseJpegSize(jpeg, endpoint) };
      };
      // One snapshot proves the URL, the credentials and the image before the session is handed out.
      let { size } = await take();

      // jpegPollingSource's fetch hook, answered by the device client so Digest works (its own auth is Basic only).
      const fetchWithClient: typeof fetch = async (_input, init) => {
        const reply = await http.request({ path, timeoutMs, signal: init?.signal ?? undefined });
        const empty = reply.status === 204 || reply.status === 205 || reply.status === 304;
        return new Response(empty ? null : reply.body, { status: reply.status, headers: { 'content-type': reply.headers['content-type'] ?? '' } });
      };

      const profile = (): StreamProfile => ({ id: 'main', name: 'JPEG snapshots', codec: 'h264', width: size.width, height: size.height, fps });
      return createDeviceSession(
        {
          streams: { getStreamProfiles: () => Promise.resolve([profile()]) },
          snapshot: {
            snapshot: async (): Promise<Snapshot> => {
              const still = await take();
              size = still.size;
              return { contentType: 'image/jpeg', data: still.jpeg };
            },
          },
          liveMedia: {
            openStream: (profileId: string) => {
              if (profileId !== 'main') throw new TypeError(`Unknown stream profile "${profileId}"`);
              return jpegPollingSource(endpoint, { intervalMs: 1000 / fps, fetch: fetchWithClient, requestTimeoutMs: timeoutMs, logger: this.logger, clock: this.clock });
            },
          },
        },
        () => http.close(),
      );
    });
  }
}

/**
 * The JPEG snapshot polling driver factory (camera type 28).
 *
 * @example
 * ```ts
 * kernel.drivers.register(jpeg({ fps: 1 }));
 * await kernel.devices.add({ id: 'bridge-cam', driver: 'jpeg', cameraType: 28,
 *   connection: { host: '10.0.0.9', path: '/cgi-bin/snapshot.cgi', username, password, options: { fps: 0.5 } } });
 * ```
 */
export function jpeg(options: JpegDriverOptions = {}): DriverFactory {
  return (components) => new JpegDriver(options, components);
}
