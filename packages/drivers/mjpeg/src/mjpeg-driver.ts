import { Type, type Static } from '@sinclair/typebox';
import { Observable } from 'rxjs';
import {
  ArgusError,
  BaseDriver,
  createDeviceSession,
  type ConnectConfig,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type MediaPacket,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type Snapshot,
  type StreamProfile,
} from '@argus/core';
import { connectImageSource, fetchJpeg, probeImageEndpoint, type ImageSource } from './image-endpoint.js';
import { jpegStreamSource } from './jpeg-stream-source.js';
import { parseJpegSize, type JpegSize } from './jpeg-size.js';
import { openMjpegFrames, type JpegFrame } from './mjpeg-frames.js';

/** Options of {@link mjpeg}: defaults for every camera of this driver. */
export interface MjpegDriverOptions {
  /** Time for a device's response headers (and whole snapshot bodies); default 10 000 ms. */
  timeoutMs?: number;
  /** Default of the per-camera `fps`: the highest frame rate encoded to H.264. Default 15. */
  fps?: number;
  /** A live stream without a JPEG for this long fails with `ARGUS_ERR_DRIVER_TIMEOUT`; default 10 000 ms. */
  stallTimeoutMs?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const MjpegCameraOptionsSchema = Type.Object(
  {
    /** Path of a JPEG snapshot URL; without it a snapshot is the stream's next JPEG. */
    snapshotPath: Type.Optional(Type.String({ pattern: '^/' })),
    /** Highest frame rate encoded to H.264 (faster cameras are thinned to the newest JPEG); default 15. */
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
    /** False: no H.264 encoding and so no `liveMedia` (stream profile and snapshots only); default true. */
    transcode: Type.Optional(Type.Boolean()),
    /** `http` (default) or `https`. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the MJPEG driver. */
export type MjpegCameraOptions = Static<typeof MjpegCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'mjpeg',
  name: 'MJPEG over HTTP',
  vendor: 'generic',
  version: '0.1.0',
  cameraTypes: [27],
  protocols: ['http'],
  capabilities: ['streams', 'liveMedia', 'snapshot'],
};

/** A multipart stream whose first part is a JPEG: MJPEG for sure, though not which vendor serves it. */
export const MJPEG_PROBE_SCORE = 90;

const DEFAULT_FPS = 15;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Connect reads JPEGs for up to this long (or three of them) to measure the camera's frame rate. */
const RATE_WINDOW_MS = 1500;

/** What connect learnt from the first JPEGs of the stream. */
interface StreamSample {
  readonly first: JpegFrame;
  readonly size: JpegSize;
  /** Frames per second over the sample, when it held at least two frames. */
  readonly fps?: number;
}

/**
 * The driver for MJPEG-over-HTTP cameras and encoders (camera type 27): reads `multipart/x-mixed-replace` JPEG
 * streams with the kit's multipart parser (dashed boundaries, a missing first delimiter, parts without
 * Content-Length, `image/jpeg;size=`), and turns them into H.264 for Argus's pipeline with one ffmpeg per live
 * subscription, each frame stamped with the capture time of its JPEG.
 */
export class MjpegDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = MjpegCameraOptionsSchema;
  readonly #options: MjpegDriverOptions;
  readonly #timeoutMs: number;

  constructor(options: MjpegDriverOptions, components: DriverComponents) {
    super(components);
    if (options.fps !== undefined && !(options.fps > 0 && options.fps <= 60)) throw new RangeError(`fps must be within (0, 60], got ${options.fps}`);
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  protected doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    return probeImageEndpoint(endpoint, options, { kind: 'mjpeg', driver: MANIFEST.id, score: MJPEG_PROBE_SCORE, cameraType: 27 }, this.logger);
  }

  protected doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as MjpegCameraOptions;
    const maxFps = options.fps ?? this.#options.fps ?? DEFAULT_FPS;
    const transcode = options.transcode ?? true;
    const stallTimeoutMs = this.#options.stallTimeoutMs ?? 10_000;
    const target = { kind: 'mjpeg', driver: MANIFEST.id, scheme: options.scheme, timeoutMs: this.#timeoutMs, logger: this.logger } as const;
    return connectImageSource(config, target, async (source) => {
      const { http, path, endpoint } = source;
      // Reading the first JPEGs proves the stream works and the credentials pass before the session is handed out.
      const sample = await this.#sample(source);
      let size = sample.size;
      const fps = sample.fps === undefined ? maxFps : Math.min(maxFps, sample.fps);
      // A keyframe every two seconds at the rate the camera really sends (not at the cap), for viewers joining.
      const gop = Math.max(1, Math.round(2 * fps));

      // A snapshot taken while live streams run uses their next JPEG instead of opening another connection:
      // legacy encoders serve few MJPEG clients at once.
      let liveStreams = 0;
      const frameWaiters = new Set<(frame: JpegFrame) => void>();
      const onFrame = (frame: JpegFrame): void => {
        for (const waiter of frameWaiters) waiter(frame);
        frameWaiters.clear();
      };
      const nextLiveFrame = (): Promise<JpegFrame> =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            frameWaiters.delete(waiter);
            reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint, reason: 'no JPEG arrived', timeoutMs: stallTimeoutMs }));
          }, stallTimeoutMs);
          const waiter = (frame: JpegFrame): void => {
            clearTimeout(timer);
            resolve(frame);
          };
          frameWaiters.add(waiter);
        });

      const snapshot = async (): Promise<Snapshot> => {
        if (options.snapshotPath !== undefined) return { contentType: 'image/jpeg', data: await fetchJpeg(http, options.snapshotPath) };
        const frame = liveStreams > 0 ? await nextLiveFrame() : (await this.#sample(source, 1)).first;
        size = parseJpegSize(frame.jpeg, endpoint);
        return { contentType: 'image/jpeg', data: frame.jpeg };
      };

      const profile = (): StreamProfile => ({ id: 'main', name: 'MJPEG', codec: transcode ? 'h264' : 'mjpeg', width: size.width, height: size.height, fps });

      return createDeviceSession(
        {
          streams: { getStreamProfiles: () => Promise.resolve([profile()]) },
          snapshot: { snapshot: () => snapshot() },
          ...(transcode
            ? {
                liveMedia: {
                  openStream: (profileId: string) => {
                    if (profileId !== 'main') throw new TypeError(`Unknown stream profile "${profileId}"`);
                    const packets$ = jpegStreamSource(
                      // jpegStreamSource's stall watchdog judges a silent camera (and closes the connection): no idle timer per chunk here.
                      (signal) => openMjpegFrames(http, path, { signal, clock: this.clock }),
                      { maxFps, gop, endpoint, stallTimeoutMs, onFrame, logger: this.logger },
                    );
                    return new Observable<MediaPacket>((subscriber) => {
                      liveStreams++;
                      const subscription = packets$.subscribe(subscriber);
                      return () => {
                        liveStreams--;
                        subscription.unsubscribe();
                      };
                    });
                  },
                },
              }
            : {}),
        },
        () => http.close(),
      );
    });
  }

  /** Reads up to `count` JPEGs (within {@link RATE_WINDOW_MS} of the first) and closes the stream. */
  async #sample({ http, path, endpoint }: ImageSource, count = 3): Promise<StreamSample> {
    const abort = new AbortController();
    const times: number[] = [];
    let first: JpegFrame | undefined;
    let window: NodeJS.Timeout | undefined;
    const timeoutMs = this.#timeoutMs;
    try {
      for await (const frame of openMjpegFrames(http, path, { signal: abort.signal, clock: this.clock, timeoutMs, idleTimeoutMs: timeoutMs })) {
        first ??= frame;
        times.push(frame.capturedAt);
        if (times.length >= count) break;
        window ??= setTimeout(() => abort.abort(), RATE_WINDOW_MS);
      }
    } finally {
      clearTimeout(window);
      abort.abort();
    }
    if (first === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'the stream ended before its first JPEG' });
    const size = parseJpegSize(first.jpeg, endpoint);
    const elapsed = times[times.length - 1]! - times[0]!;
    const fps = times.length >= 2 && elapsed > 0 ? Math.round(((times.length - 1) * 1000 * 10) / elapsed) / 10 : undefined;
    return fps === undefined ? { first, size } : { first, size, fps };
  }
}

/**
 * The MJPEG-over-HTTP driver factory (camera type 27).
 *
 * @example
 * ```ts
 * kernel.drivers.register(mjpeg({ fps: 10 }));
 * await kernel.devices.add({ id: 'lobby', driver: 'mjpeg', cameraType: 27,
 *   connection: { host: '10.0.0.7', path: '/axis-cgi/mjpg/video.cgi', username, password, options: { snapshotPath: '/axis-cgi/jpg/image.cgi' } } });
 * ```
 */
export function mjpeg(options: MjpegDriverOptions = {}): DriverFactory {
  return (components) => new MjpegDriver(options, components);
}
