import { Type, type Static } from '@sinclair/typebox';
import {
  BaseDriver,
  createDeviceSession,
  deviceUrl,
  hasErrorCode,
  type ConnectConfig,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type StreamProfile,
} from '@argus/core';
import { RtspClient, rtspSource, videoTrackFromParameterSets, type RtspDescription, type SdpTrack } from '@argus/core/media';

/** Options of {@link rtsp}: defaults for every camera of this driver. */
export interface RtspDriverOptions {
  /** RTP transport; default `tcp` (interleaved: works through NAT and firewalls). */
  transport?: 'tcp' | 'udp';
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const RtspCameraOptionsSchema = Type.Object(
  {
    /** Path of the sub stream, when the camera has one (the main stream is `connection.path`). */
    subPath: Type.Optional(Type.String({ minLength: 1 })),
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the RTSP driver. */
export type RtspCameraOptions = Static<typeof RtspCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'rtsp',
  name: 'Plain RTSP',
  vendor: 'generic',
  version: '0.1.0',
  cameraTypes: [26],
  protocols: ['rtsp'],
  capabilities: ['streams', 'liveMedia'],
};

/** A generic RTSP answer is a weak identification: vendor drivers that recognise the device score higher. */
const PROBE_SCORE = 40;

/** Codec, size and rate of a stream: from its SPS when the SDP carries one, else from SDP attributes. */
function videoFormat(video: SdpTrack | undefined): Pick<StreamProfile, 'codec' | 'width' | 'height' | 'fps'> {
  if (video === undefined) return { codec: 'none', width: 0, height: 0 };
  const codec = video.codec === 'other' ? video.encoding.toLowerCase() : video.codec;
  if ((video.codec === 'h264' || video.codec === 'h265') && video.parameterSets.length > 0) {
    try {
      const track = videoTrackFromParameterSets(video.codec, video.parameterSets, 0);
      return { codec, width: track.width ?? 0, height: track.height ?? 0, ...(track.fps === undefined ? {} : { fps: track.fps }) };
    } catch (err) {
      // Broken sprop-parameter-sets: fall back to what the SDP says; the in-band ones will still play.
      if (!hasErrorCode(err)) throw err;
    }
  }
  return { codec, width: video.width ?? 0, height: video.height ?? 0, ...(video.framerate === undefined ? {} : { fps: video.framerate }) };
}

function rtspUrl(host: string, port: number | undefined, path: string | undefined): string {
  return deviceUrl({ scheme: 'rtsp', host, port, path: path ?? '/' });
}

/**
 * The driver for plain RTSP cameras and any RTSP URL (camera type 26): live media through the native path
 * (`rtspSource`: RTSP, RTP, depacketizers, no ffmpeg), stream profiles read from each stream's SDP.
 */
export class RtspDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = RtspCameraOptionsSchema;
  readonly #options: RtspDriverOptions;

  constructor(options: RtspDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    if (endpoint.scheme !== undefined && endpoint.scheme !== 'rtsp') return null;
    const description = await this.#describe(rtspUrl(endpoint.host, endpoint.port, endpoint.path), endpoint, options.timeoutMs, options.signal);
    const video = description.tracks.find((t) => t.type === 'video');
    if (video === undefined) return null;
    return { driver: MANIFEST.id, score: PROBE_SCORE, cameraType: 26, details: { codec: video.codec === 'other' ? video.encoding : video.codec } };
  }

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as RtspCameraOptions;
    const paths: Record<string, string | undefined> = { main: config.path, ...(options.subPath === undefined ? {} : { sub: options.subPath }) };
    const transport = options.transport ?? this.#options.transport ?? 'tcp';
    const credentials = {
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
    };
    // Reading the SDP proves the camera answers and the credentials work before the session is handed out.
    const main = await this.#describe(rtspUrl(config.host, config.port, config.path), credentials, this.#options.timeoutMs);
    const descriptions = new Map<string, RtspDescription>([['main', main]]);
    return createDeviceSession({
      streams: {
        getStreamProfiles: async () => {
          const profiles: StreamProfile[] = [];
          for (const [id, path] of Object.entries(paths)) {
            const url = rtspUrl(config.host, config.port, path);
            let description = descriptions.get(id);
            if (description === undefined) {
              description = await this.#describe(url, credentials, this.#options.timeoutMs);
              descriptions.set(id, description);
            }
            profiles.push({ id, name: id, ...videoFormat(description.tracks.find((t) => t.type === 'video')), uri: url });
          }
          return profiles;
        },
      },
      liveMedia: {
        openStream: (profileId) => {
          const path = paths[profileId];
          if (!(profileId in paths)) throw new TypeError(`Unknown stream profile "${profileId}"`);
          return rtspSource({
            url: rtspUrl(config.host, config.port, path),
            ...credentials,
            transport,
            logger: this.logger,
            ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
          });
        },
      },
    });
  }

  async #describe(url: string, credentials: { username?: string; password?: string }, timeoutMs?: number, signal?: AbortSignal): Promise<RtspDescription> {
    const client = new RtspClient({
      url,
      ...(credentials.username === undefined ? {} : { username: credentials.username }),
      ...(credentials.password === undefined ? {} : { password: credentials.password }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      logger: this.logger,
    });
    const abort = () => void client.close();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await client.describe();
    } catch (err) {
      // A probe that was aborted surfaces as the abort, not as whatever the closed socket reported.
      if (signal?.aborted === true && !hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener('abort', abort);
      await client.close().catch(() => undefined);
    }
  }
}

/**
 * The plain-RTSP driver factory.
 *
 * @example
 * ```ts
 * kernel.drivers.register(rtsp({ transport: 'tcp' }));
 * await kernel.devices.add({ id: 'gate-1', driver: 'rtsp', cameraType: 26, connection: { host: '10.0.0.5', path: '/live' }, ... });
 * ```
 */
export function rtsp(options: RtspDriverOptions = {}): DriverFactory {
  return (components) => new RtspDriver(options, components);
}
