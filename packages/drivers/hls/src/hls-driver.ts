import { Type, type Static } from '@sinclair/typebox';
import { Observable } from 'rxjs';
import {
  ArgusError,
  BaseDriver,
  createDeviceSession,
  deviceUrl,
  hasErrorCode,
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
  type TrackInfo,
} from '@argus/core';
import { snapshotJpeg, videoTrackFromParameterSets } from '@argus/core/media';
import { httpScheme } from '@argus/driver-kit';
import { parseFmp4Init } from './fmp4-demuxer.js';
import { HlsFetcher, type HlsFetcherOptions } from './hls-fetcher.js';
import { hlsSource, loadMediaPlaylist, SegmentLoader } from './hls-source.js';
import { parsePlaylist, resolvePlaylistUri, type HlsPlaylist, type HlsSegment, type HlsVariant } from './parse-playlist.js';
import { SegmentReader } from './segment-reader.js';

/** Options of {@link hls}: defaults for every camera of this driver. */
export interface HlsDriverOptions {
  /** Per-request time limit; default 10 s. */
  timeoutMs?: number;
  /** Playlist paths tried when a camera has no path (and by probe); default {@link HLS_DEFAULT_PATHS}. */
  probePaths?: readonly string[];
  /** Segments from the end of a live playlist to start with; default 3. */
  liveStartSegments?: number;
}

/**
 * Where HLS origins usually serve their playlist when nobody gave a path: generic origins and restreamers
 * (`/index.m3u8`, `/live/index.m3u8`), nginx-rtmp and similar (`/hls/...`), players' defaults (`/playlist.m3u8`).
 * Data, not code: extend it through {@link HlsDriverOptions.probePaths}.
 */
export const HLS_DEFAULT_PATHS: readonly string[] = Object.freeze([
  '/index.m3u8',
  '/live/index.m3u8',
  '/playlist.m3u8',
  '/live/playlist.m3u8',
  '/hls/index.m3u8',
  '/hls/stream.m3u8',
  '/stream.m3u8',
  '/live.m3u8',
]);

/** Content types servers give playlists (RFC 8216 and the older Apple and Wowza ones). */
export const HLS_CONTENT_TYPES: readonly string[] = Object.freeze([
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'audio/mpegurl',
  'audio/x-mpegurl',
]);

/** Per-camera settings, in `camera.connection.options`. */
export const HlsCameraOptionsSchema = Type.Object(
  {
    /** `http` (default) or `https`. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
    /** Path of a separate sub-stream playlist (otherwise the lowest variant of a master playlist is `sub`). */
    subPath: Type.Optional(Type.String({ minLength: 1 })),
    /** Verify HTTPS certificates; default true. */
    rejectUnauthorized: Type.Optional(Type.Boolean()),
    /** Segments from the end of a live playlist to start with. */
    liveStartSegments: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the HLS driver. */
export type HlsCameraOptions = Static<typeof HlsCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'hls',
  name: 'HLS pull',
  vendor: 'generic',
  version: '0.1.0',
  cameraTypes: [30],
  protocols: ['hls', 'http'],
  capabilities: ['streams', 'liveMedia', 'snapshot'],
};

/** A playlist answered: a positive identification. */
const SCORE_PLAYLIST = 90;
/** An `#EXTM3U` body that does not parse. */
const SCORE_BROKEN_PLAYLIST = 70;
/** Only the content type says HLS. */
const SCORE_CONTENT_TYPE = 50;
/** An explicit `.m3u8` path that wants credentials none were given for. */
const SCORE_PROTECTED = 30;

/** One stream profile: where its media playlist is and what the master playlist says about it. */
interface ProfilePlan {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly variant?: HlsVariant;
}

function isPlaylistBody(text: string): boolean {
  return text.replace(/^\uFEFF/, '').trimStart().startsWith('#EXTM3U');
}

function codecOf(codecs: readonly string[]): string | undefined {
  for (const codec of codecs) {
    const family = codec.split('.')[0]?.toLowerCase();
    if (family === 'avc1' || family === 'avc3') return 'h264';
    if (family === 'hvc1' || family === 'hev1') return 'h265';
  }
  return undefined;
}

function withSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** Ranks variants: highest bandwidth first, then larger picture. */
function byQuality(a: HlsVariant, b: HlsVariant): number {
  const pixels = (v: HlsVariant): number => (v.resolution === undefined ? 0 : v.resolution.width * v.resolution.height);
  return b.bandwidth - a.bandwidth || pixels(b) - pixels(a);
}

/**
 * The driver for HLS pull sources (camera type 30: third-party traffic feeds, restreamers): probes for a playlist,
 * lists stream profiles from a master playlist's variants (highest = `main`, lowest = `sub`, others
 * `variant-<n>`) or one profile from a media playlist, plays live media natively (playlist loader, MPEG-TS and fMP4
 * demuxers, no ffmpeg) and takes snapshots from the latest segment's keyframe.
 */
export class HlsDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = HlsCameraOptionsSchema;
  readonly #options: HlsDriverOptions;

  constructor(options: HlsDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  /**
   * GETs the endpoint's path, or every default path at once: an `#EXTM3U` body that parses scores 90, one that does
   * not 70, a playlist content type alone 50, a 401 on an explicit `.m3u8` path without credentials 30.
   */
  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    const scheme = httpScheme(endpoint.scheme);
    if (scheme === undefined) return null;
    const fetcher = new HlsFetcher({
      baseUrl: deviceUrl({ scheme, host: endpoint.host, port: endpoint.port }),
      username: endpoint.username,
      password: endpoint.password,
      timeoutMs: Math.min(options.timeoutMs, this.#options.timeoutMs ?? 10_000),
      logger: this.logger,
    });
    try {
      const explicit = endpoint.path !== undefined && endpoint.path !== '';
      const paths = explicit ? [withSlash(endpoint.path as string)] : (this.#options.probePaths ?? HLS_DEFAULT_PATHS);
      let networkError: unknown;
      const answers = await Promise.all(
        paths.map(async (path) => {
          try {
            return await this.#probePath(fetcher, path, explicit, options.signal);
          } catch (err) {
            if (explicit && hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) throw err;
            if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
            networkError ??= err;
            return null;
          }
        }),
      );
      const best = answers.reduce<ProbeMatch | null>((a, b) => (b !== null && (a === null || b.score > a.score) ? b : a), null);
      if (best === null && networkError !== undefined) throw networkError;
      return best;
    } finally {
      await fetcher.close();
    }
  }

  async #probePath(fetcher: HlsFetcher, path: string, explicit: boolean, signal: AbortSignal): Promise<ProbeMatch | null> {
    const res = await fetcher.request(`${fetcher.origin}${path}`, { signal });
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const typed = HLS_CONTENT_TYPES.includes(contentType);
    if (res.status === 401) {
      return explicit && (path.toLowerCase().includes('.m3u8') || typed)
        ? { driver: MANIFEST.id, score: SCORE_PROTECTED, cameraType: 30, details: { path, authRequired: true } }
        : null;
    }
    if (res.status < 200 || res.status > 299) return null;
    const text = res.text();
    if (isPlaylistBody(text)) {
      let playlist: HlsPlaylist;
      try {
        playlist = parsePlaylist(text, { endpoint: fetcher.endpoint });
      } catch {
        return { driver: MANIFEST.id, score: SCORE_BROKEN_PLAYLIST, cameraType: 30, details: { path, contentType, valid: false } };
      }
      const details =
        playlist.kind === 'master'
          ? { path, contentType, playlist: 'master', variants: playlist.variants.length }
          : { path, contentType, playlist: 'media', live: !playlist.endList, targetDuration: playlist.targetDuration, fmp4: playlist.segments.some((s) => s.map !== undefined) };
      return { driver: MANIFEST.id, score: SCORE_PLAYLIST, cameraType: 30, details };
    }
    return typed ? { driver: MANIFEST.id, score: SCORE_CONTENT_TYPE, cameraType: 30, details: { path, contentType, valid: false } } : null;
  }

  /** Loads the playlist (the path, or the first default path that has one) and plans the stream profiles. */
  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as HlsCameraOptions;
    const fetcherOptions: HlsFetcherOptions = {
      baseUrl: deviceUrl({ scheme: options.scheme ?? 'http', host: config.host, port: config.port }),
      username: config.username,
      password: config.password,
      timeoutMs: this.#options.timeoutMs,
      rejectUnauthorized: options.rejectUnauthorized,
      logger: this.logger,
    };
    const fetcher = new HlsFetcher(fetcherOptions);
    try {
      const { url, playlist } = await this.#locate(fetcher, config.path);
      const plans = this.#plans(fetcher, url, playlist, options.subPath);
      const liveStartSegments = options.liveStartSegments ?? this.#options.liveStartSegments;
      const formats = new Map<string, Promise<Pick<StreamProfile, 'codec' | 'width' | 'height' | 'fps'>>>();
      const planOf = (profileId: string): ProfilePlan => {
        const plan = plans.find((p) => p.id === profileId);
        if (plan === undefined) throw new TypeError(`Unknown stream profile "${profileId}" (have ${plans.map((p) => p.id).join(', ')})`);
        return plan;
      };
      return createDeviceSession(
        {
          streams: {
            getStreamProfiles: async () => {
              const profiles: StreamProfile[] = [];
              for (const plan of plans) {
                let format = formats.get(plan.id);
                if (format === undefined) {
                  format = this.#format(fetcher, plan);
                  formats.set(plan.id, format);
                  format.catch(() => formats.delete(plan.id));
                }
                profiles.push({
                  id: plan.id,
                  name: plan.name,
                  ...(await format),
                  ...(plan.variant === undefined ? {} : { bitrateKbps: Math.round(plan.variant.bandwidth / 1000) }),
                  uri: plan.url,
                });
              }
              return profiles;
            },
          },
          liveMedia: {
            openStream: (profileId) => {
              const plan = planOf(profileId);
              // One upstream connection per subscription, as the capability asks: its own HTTP pool.
              return new Observable<MediaPacket>((subscriber) => {
                const own = new HlsFetcher(fetcherOptions);
                const subscription = hlsSource({
                  fetcher: own,
                  url: plan.url,
                  logger: this.logger,
                  ...(liveStartSegments === undefined ? {} : { liveStartSegments }),
                }).subscribe(subscriber);
                return () => {
                  subscription.unsubscribe();
                  void own.close();
                };
              });
            },
          },
          snapshot: {
            snapshot: (profileId = 'main') => this.#snapshot(fetcher, planOf(profileId)),
          },
        },
        () => fetcher.close(),
      );
    } catch (err) {
      await fetcher.close();
      throw err;
    }
  }

  /** The playlist at `path`, or at the first default path that has one. */
  async #locate(fetcher: HlsFetcher, path: string | undefined): Promise<{ url: string; playlist: HlsPlaylist }> {
    const explicit = path !== undefined && path !== '';
    const paths = explicit ? [withSlash(path)] : (this.#options.probePaths ?? HLS_DEFAULT_PATHS);
    let notFound: unknown;
    for (const candidate of paths) {
      const url = `${fetcher.origin}${candidate}`;
      try {
        const res = await fetcher.get(url);
        return { url: res.url, playlist: parsePlaylist(res.text(), { endpoint: `${fetcher.endpoint}${candidate}` }) };
      } catch (err) {
        // Only "not here" moves on to the next default path; auth, network and protocol failures are the answer.
        if (explicit || !hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) throw err;
        notFound ??= err;
      }
    }
    throw new ArgusError(
      'ARGUS_ERR_DRIVER_REQUEST_FAILED',
      { endpoint: fetcher.endpoint, method: 'GET', path: paths.join(' | '), status: 404, reason: 'no HLS playlist at the default paths; give connection.path' },
      { cause: notFound },
    );
  }

  #plans(fetcher: HlsFetcher, url: string, playlist: HlsPlaylist, subPath: string | undefined): ProfilePlan[] {
    const plans: ProfilePlan[] = [];
    if (playlist.kind === 'media') {
      plans.push({ id: 'main', name: 'main', url });
    } else {
      const ranked = [...playlist.variants].sort(byQuality);
      ranked.forEach((variant, rank) => {
        const id = rank === 0 ? 'main' : rank === ranked.length - 1 && subPath === undefined ? 'sub' : `variant-${playlist.variants.indexOf(variant)}`;
        const label = variant.name ?? (variant.resolution === undefined ? `${Math.round(variant.bandwidth / 1000)} kbit/s` : `${variant.resolution.width}x${variant.resolution.height}`);
        plans.push({ id, name: `${id} (${label})`, url: resolvePlaylistUri(url, variant.uri), variant });
      });
    }
    if (subPath !== undefined) plans.push({ id: 'sub', name: 'sub', url: `${fetcher.origin}${withSlash(subPath)}` });
    return plans;
  }

  /** Codec, size and rate of a profile: from the variant's attributes, else from its init segment or latest segment. */
  async #format(fetcher: HlsFetcher, plan: ProfilePlan): Promise<Pick<StreamProfile, 'codec' | 'width' | 'height' | 'fps'>> {
    const v = plan.variant;
    const codec = v === undefined ? undefined : codecOf(v.codecs);
    if (v?.resolution !== undefined && codec !== undefined) {
      return { codec, width: v.resolution.width, height: v.resolution.height, ...(v.frameRate === undefined ? {} : { fps: v.frameRate }) };
    }
    const track = await this.#inspect(fetcher, plan.url);
    return {
      codec: track.codec,
      width: track.width ?? 0,
      height: track.height ?? 0,
      ...(v?.frameRate !== undefined ? { fps: v.frameRate } : track.fps === undefined ? {} : { fps: track.fps }),
    };
  }

  /** The video track of a media playlist: from the init segment (fMP4), else from the latest segment. */
  async #inspect(fetcher: HlsFetcher, url: string): Promise<TrackInfo> {
    const media = await loadMediaPlaylist(fetcher, url);
    const segments = media.playlist.segments.filter((s) => !s.gap);
    const latest = segments.at(-1);
    if (latest === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: fetcher.endpoint, reason: 'the media playlist has no segment yet' });
    const loader = new SegmentLoader(fetcher);
    if (latest.map !== undefined) {
      const { init } = await loader.load(media.baseUrl, latest);
      const video = parseFmp4Init(init as Uint8Array, { endpoint: fetcher.endpoint }).tracks.find((t) => t.kind === 'video');
      if (video !== undefined && (video.codec === 'h264' || video.codec === 'h265') && video.parameterSets.length > 0) {
        return videoTrackFromParameterSets(video.codec, video.parameterSets, 0);
      }
    }
    const found = await this.#keyframe(fetcher, media.baseUrl, segments);
    return found.track;
  }

  /** The newest keyframe among the last segments of a media playlist. */
  async #keyframe(fetcher: HlsFetcher, url: string, segments: readonly HlsSegment[]): Promise<{ track: TrackInfo; units: readonly Uint8Array[] }> {
    const loader = new SegmentLoader(fetcher);
    for (const segment of segments.slice(-3).reverse()) {
      const reader = new SegmentReader({ endpoint: fetcher.endpoint });
      const { data, init } = await loader.load(url, segment);
      const keyframe = reader.read(data, init).findLast((p) => p.keyframe && p.track.kind === 'video');
      if (keyframe !== undefined) return keyframe;
    }
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: fetcher.endpoint, reason: 'no video keyframe in the latest segments' });
  }

  async #snapshot(fetcher: HlsFetcher, plan: ProfilePlan): Promise<Snapshot> {
    const media = await loadMediaPlaylist(fetcher, plan.url);
    const keyframe = await this.#keyframe(fetcher, media.baseUrl, media.playlist.segments.filter((s) => !s.gap));
    const codec = keyframe.track.codec === 'h265' ? 'h265' : 'h264';
    const data = await snapshotJpeg({ codec, units: keyframe.units, parameterSets: keyframe.track.parameterSets ?? [] });
    return { contentType: 'image/jpeg', data };
  }
}

/**
 * The HLS pull driver factory (camera type 30).
 *
 * @example
 * ```ts
 * kernel.drivers.register(hls({ timeoutMs: 8000 }));
 * const session = await kernel.drivers.connect('hls', { host: 'feeds.example.net', port: 443, path: '/gate-3/index.m3u8', options: { scheme: 'https' } });
 * session.require('liveMedia').openStream('main').subscribe((packet) => hub.push(packet));
 * ```
 */
export function hls(options: HlsDriverOptions = {}): DriverFactory {
  return (components) => new HlsDriver(options, components);
}
