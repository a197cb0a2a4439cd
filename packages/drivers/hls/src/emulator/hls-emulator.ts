import type { Subscription } from 'rxjs';
import type { MediaPacket, TrackInfo } from '@argus/core';
import { codecsParam, Fmp4Muxer, joinChunks, type Fmp4Fragment, type RtspMountSource } from '@argus/core/media';
import {
  DeviceEmulator,
  type EmulatorConnection,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorOptions,
  type EmulatorRtspMount,
} from '@argus/driver-kit/emulator';
import { TsSegmentMuxer } from './ts-segment-muxer.js';

/** Options of an {@link HlsEmulator}: the kit's emulator options and the origin's own. */
export interface HlsEmulatorOptions extends EmulatorOptions {
  /** Segment container: `fmp4` (EXT-X-MAP init segment + `.m4s`, default) or `ts`. */
  readonly format?: 'fmp4' | 'ts';
  /** Shortest segment, in seconds: whole GOPs are gathered until a segment is at least this long. Default 1. */
  readonly segmentSeconds?: number;
  /** Segments listed in the sliding-window media playlist; default 5. */
  readonly windowSegments?: number;
  /** HTTP authentication: `digest` (default), `basic`, or `none` (a public feed). */
  readonly auth?: 'digest' | 'basic' | 'none';
  /** Media sequence after a restart: `continue` (default, with EXT-X-DISCONTINUITY) or `reset` to 0. */
  readonly restartSequence?: 'continue' | 'reset';
  /** Path prefix of the playlists; default `/live` (master playlist `/live/index.m3u8`). */
  readonly basePath?: string;
}

/** One segment held by the origin. */
export interface HlsEmulatorSegment {
  /** Media sequence number. */
  readonly sequence: number;
  /** Discontinuity sequence number. */
  readonly discontinuitySequence: number;
  /** True for the first segment after a restart. */
  readonly discontinuity: boolean;
  /** Seconds. */
  readonly duration: number;
  /** Wall-clock time of its first frame, ms since epoch. */
  readonly programDateTime: number;
  /** Id of its init segment (fMP4). */
  readonly initId: number;
  /** The segment's bytes. */
  readonly data: Uint8Array;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

/** Segments kept fetchable after they leave the playlist window, for clients that loaded an older playlist. */
const RETAINED_AFTER_WINDOW = 3;

/** One rendition (main or sub): a farm camera cut into segments. */
class Rendition {
  readonly name: 'main' | 'sub';
  readonly #source: RtspMountSource;
  readonly #format: 'fmp4' | 'ts';
  readonly #segmentSeconds: number;
  readonly #window: number;
  readonly #now: () => number;
  readonly segments: HlsEmulatorSegment[] = [];
  readonly inits = new Map<number, Uint8Array>();
  track: TrackInfo | undefined;
  codecs = '';
  #subscription: Subscription | undefined;
  #running = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #muxer: Fmp4Muxer | undefined;
  #ts = new TsSegmentMuxer();
  #initId = 0;
  #nextSequence = 0;
  #discontinuitySequence = 0;
  #discontinuityPending = false;
  #targetDuration: number;
  #peakBitsPerSecond = 0;
  #totalBits = 0;
  #totalSeconds = 0;
  /** The GOP being received, and the finished GOPs waiting to fill a segment. */
  #gop: MediaPacket[] = [];
  #pending: { packets: MediaPacket[]; duration: number; wall: number }[] = [];
  #fragments: Fmp4Fragment[] = [];

  constructor(name: 'main' | 'sub', source: RtspMountSource, options: { format: 'fmp4' | 'ts'; segmentSeconds: number; window: number; now: () => number }) {
    this.name = name;
    this.#source = source;
    this.#format = options.format;
    this.#segmentSeconds = options.segmentSeconds;
    this.#window = options.window;
    this.#now = options.now;
    this.#targetDuration = Math.max(1, Math.ceil(options.segmentSeconds));
  }

  async start(restart: 'continue' | 'reset' | 'first'): Promise<void> {
    const [track] = (await this.#source.describe()).filter((t) => t.kind === 'video');
    if (track === undefined) throw new TypeError(`the farm camera of the ${this.name} stream has no video`);
    this.track = track;
    this.codecs = /codecs="([^"]+)"/.exec(codecsParam([track]))?.[1] ?? '';
    this.segments.length = 0;
    this.inits.clear();
    this.#gop = [];
    this.#pending = [];
    this.#fragments = [];
    this.#muxer = undefined;
    this.#ts = new TsSegmentMuxer();
    if (restart === 'reset') {
      this.#nextSequence = 0;
      this.#discontinuitySequence = 0;
    } else if (restart === 'continue') {
      this.#discontinuitySequence += 1;
      this.#discontinuityPending = true;
    }
    this.#running = true;
    this.#subscribe();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#retry);
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  /**
   * Follows the farm camera; when its packets end (the farm restarted the camera), tries again every second and
   * starts a new encoder session: a new init segment and an EXT-X-DISCONTINUITY.
   */
  #subscribe(): void {
    const retry = (): void => {
      if (!this.#running) return;
      this.#retry = setTimeout(() => {
        if (!this.#running) return;
        this.#gop = [];
        this.#pending = [];
        this.#fragments = [];
        this.#muxer = undefined;
        this.#discontinuitySequence += 1;
        this.#discontinuityPending = true;
        this.#subscribe();
      }, 1000);
    };
    this.#subscription = this.#source.packets$().subscribe({ next: (packet) => this.#onPacket(packet), error: retry, complete: retry });
  }

  get targetDuration(): number {
    return this.#targetDuration;
  }

  /** Peak and average bits per second of the segments so far. */
  bandwidth(): { peak: number; average: number } {
    return { peak: Math.round(this.#peakBitsPerSecond), average: Math.round(this.#totalSeconds > 0 ? this.#totalBits / this.#totalSeconds : 0) };
  }

  /** The segments in the playlist window. */
  windowSegments(): HlsEmulatorSegment[] {
    return this.segments.slice(-this.#window);
  }

  #onPacket(packet: MediaPacket): void {
    if (packet.track.kind !== 'video') return;
    if (this.#muxer === undefined && this.#gop.length === 0) {
      if (!packet.keyframe) return;
      if (this.#format === 'fmp4') {
        this.#initId += 1;
        this.#muxer = new Fmp4Muxer([packet.track]);
        this.inits.set(this.#initId, this.#muxer.initSegment());
      }
    }
    if (this.#muxer !== undefined) this.#fragments.push(...this.#muxer.process(packet));
    const start = this.#gop[0];
    if (packet.keyframe && start !== undefined) {
      this.#pending.push({ packets: this.#gop, duration: (packet.pts - start.pts) / packet.track.timescale, wall: start.wallClock ?? this.#now() });
      this.#gop = [];
      const pendingSeconds = this.#pending.reduce((n, g) => n + g.duration, 0);
      if (pendingSeconds >= this.#segmentSeconds - 1e-6) this.#seal(pendingSeconds);
    }
    this.#gop.push(packet);
  }

  #seal(duration: number): void {
    const gops = this.#pending;
    this.#pending = [];
    let data: Uint8Array;
    if (this.#format === 'fmp4') {
      data = joinChunks(this.#fragments.flatMap((f) => f.chunks));
      this.#fragments = [];
    } else {
      data = this.#ts.segment(gops.flatMap((g) => g.packets));
    }
    const segment: HlsEmulatorSegment = {
      sequence: this.#nextSequence++,
      discontinuitySequence: this.#discontinuitySequence,
      discontinuity: this.#discontinuityPending,
      duration,
      programDateTime: (gops[0] as (typeof gops)[number]).wall,
      initId: this.#initId,
      data,
    };
    this.#discontinuityPending = false;
    this.#targetDuration = Math.max(this.#targetDuration, Math.round(duration));
    const bits = data.length * 8;
    this.#peakBitsPerSecond = Math.max(this.#peakBitsPerSecond, bits / Math.max(duration, 0.001));
    this.#totalBits += bits;
    this.#totalSeconds += duration;
    this.segments.push(segment);
    while (this.segments.length > this.#window + RETAINED_AFTER_WINDOW) this.segments.shift();
    for (const id of [...this.inits.keys()]) if (!this.segments.some((s) => s.initId === id) && id !== this.#initId) this.inits.delete(id);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * An HLS origin for tests and demos (camera type 30): a live, sliding-window HLS feed of a farm camera, like the
 * restreamers and traffic-feed origins the HLS driver pulls from. It subscribes to the farm camera's packets, cuts a
 * segment per GOP (or several GOPs, to reach `segmentSeconds`), as fMP4 (`Fmp4Muxer`: an EXT-X-MAP init segment and
 * `moof`+`mdat` segments) or MPEG-TS, and serves:
 *
 * - `/live/index.m3u8`: the master playlist, variants `main` (`cameraId`) and `sub` (`subCameraId`) with BANDWIDTH,
 *   AVERAGE-BANDWIDTH, RESOLUTION, CODECS, FRAME-RATE;
 * - `/live/<main|sub>/index.m3u8`: the media playlist (TARGETDURATION, MEDIA-SEQUENCE, DISCONTINUITY-SEQUENCE,
 *   EXT-X-MAP, PROGRAM-DATE-TIME per segment, EXTINF);
 * - `/live/<main|sub>/init-<n>.mp4`, `seg-<sequence>.m4s` or `.ts` (with `Range` support).
 *
 * Optional Basic or Digest authentication (or none). Faults from the kit: `malformed` serves a broken playlist
 * (no `#EXTM3U` header, cut mid-tag) and truncated segments; `garbage` and `hang` as the base. A restart loses the
 * segments held in memory; the media sequence continues after it with an EXT-X-DISCONTINUITY, or restarts at 0
 * (`restartSequence: 'reset'`). No RTSP.
 *
 * @example
 * ```ts
 * const origin = new HlsEmulator({ farm, cameraId: 'cam-1', subCameraId: 'cam-1-sub', auth: 'basic' });
 * await origin.start();
 * await origin.waitForSegments(3);
 * const { host, port, path } = origin.connection(); // path: '/live/index.m3u8'
 * // ffprobe http://admin:Argus-Demo-1@127.0.0.1:<port>/live/main/index.m3u8
 * ```
 */
export class HlsEmulator extends DeviceEmulator {
  /** Segment container. */
  readonly format: 'fmp4' | 'ts';
  /** Path prefix of the playlists, e.g. `/live`. */
  readonly basePath: string;
  readonly #auth: 'digest' | 'basic' | 'none';
  readonly #restartSequence: 'continue' | 'reset';
  readonly #renditions: Record<'main' | 'sub', Rendition>;
  #started = false;
  #originRunning = false;

  constructor(options: HlsEmulatorOptions) {
    const auth = options.auth ?? 'digest';
    super(options, { realm: 'HLS origin', authSchemes: auth === 'basic' ? ['basic'] : ['digest'] });
    this.format = options.format ?? 'fmp4';
    this.#auth = auth;
    this.#restartSequence = options.restartSequence ?? 'continue';
    const base = (options.basePath ?? '/live').replace(/\/+$/, '');
    this.basePath = base.startsWith('/') ? base : `/${base}`;
    const segmentSeconds = options.segmentSeconds ?? 1;
    const window = options.windowSegments ?? 5;
    if (!(segmentSeconds > 0)) throw new RangeError('segmentSeconds must be positive');
    if (!Number.isInteger(window) || window < 1) throw new RangeError('windowSegments must be a positive integer');
    const common = { format: this.format, segmentSeconds, window, now: () => this.clock.now() };
    this.#renditions = {
      main: new Rendition('main', this.farm.source(this.cameraId), common),
      sub: new Rendition('sub', this.farm.source(this.subCameraId), common),
    };
  }

  /** Starts the segmenters once the HTTP server listens (every start and restart; a restart loses the segments held). */
  protected override async onStart(): Promise<void> {
    await this.#startOrigin(this.#restartSequence);
  }

  /** Stops the segmenters before the HTTP server closes. */
  protected override async onStop(): Promise<void> {
    this.#stopOrigin();
  }

  /** The connection of the kit, with the master playlist's path. */
  override connection(): EmulatorConnection {
    return { ...super.connection(), path: `${this.basePath}/index.m3u8` };
  }

  /** The segments of a rendition held now (the window and a few older ones), oldest first. */
  segments(stream: 'main' | 'sub' = 'main'): readonly HlsEmulatorSegment[] {
    return this.#renditions[stream].segments;
  }

  /** Resolves once the rendition holds at least `count` segments (rejects after `timeoutMs`, default 30 s). */
  async waitForSegments(count: number, stream: 'main' | 'sub' = 'main', timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#renditions[stream].segments.length < count) {
      if (Date.now() > deadline) throw new Error(`the ${stream} rendition has ${this.#renditions[stream].segments.length} of ${count} segments after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The master playlist text. */
  masterPlaylist(): string {
    const lines = ['#EXTM3U', `#EXT-X-VERSION:${this.format === 'fmp4' ? 7 : 3}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
    for (const rendition of [this.#renditions.main, this.#renditions.sub]) {
      const format = this.streamFormat(rendition.name);
      const measured = rendition.bandwidth();
      // Before the first segment: an estimate from the picture rate, so the bigger stream still ranks first.
      const estimate = Math.round(format.width * format.height * format.fps * 0.1);
      const attributes = [
        `BANDWIDTH=${measured.peak > 0 ? measured.peak : estimate}`,
        `AVERAGE-BANDWIDTH=${measured.average > 0 ? measured.average : estimate}`,
        `RESOLUTION=${format.width}x${format.height}`,
        ...(rendition.codecs === '' ? [] : [`CODECS="${rendition.codecs}"`]),
        `FRAME-RATE=${format.fps.toFixed(3)}`,
      ];
      lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, `${rendition.name}/index.m3u8`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** The media playlist text of a rendition. */
  mediaPlaylist(stream: 'main' | 'sub'): string {
    const rendition = this.#renditions[stream];
    const window = rendition.windowSegments();
    const first = window[0];
    const lines = [
      '#EXTM3U',
      `#EXT-X-VERSION:${this.format === 'fmp4' ? 7 : 3}`,
      `#EXT-X-TARGETDURATION:${rendition.targetDuration}`,
      `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? 0}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${first === undefined ? 0 : first.discontinuitySequence - (first.discontinuity ? 1 : 0)}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    let initId: number | undefined;
    for (const segment of window) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (this.format === 'fmp4' && segment.initId !== initId) {
        lines.push(`#EXT-X-MAP:URI="init-${segment.initId}.mp4"`);
        initId = segment.initId;
      }
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${iso(segment.programDateTime)}`, `#EXTINF:${segment.duration.toFixed(3)},`, this.#segmentName(segment));
    }
    return `${lines.join('\n')}\n`;
  }

  /** None: an HLS origin serves HTTP only. */
  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [];
  }

  /** With `auth: 'none'` every path is public (a public feed answers 404, not 401, for what it does not have). */
  protected override isPublicPath(): boolean {
    return this.#auth === 'none';
  }

  /** Serves the master and media playlists, init segments and segments (GET/HEAD, `Range`); 404 for anything else. */
  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | undefined> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return req.path.startsWith(this.basePath) ? { status: 405 } : undefined;
    const noCache = { 'Cache-Control': 'no-cache' };
    if (req.path === `${this.basePath}/index.m3u8`) return { headers: { 'Content-Type': PLAYLIST_TYPE, ...noCache }, body: this.masterPlaylist() };
    const match = new RegExp(`^${this.basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(main|sub)/(.+)$`).exec(req.path);
    if (match === null) return undefined;
    const rendition = this.#renditions[match[1] as 'main' | 'sub'];
    const file = match[2] as string;
    if (file === 'index.m3u8') return { headers: { 'Content-Type': PLAYLIST_TYPE, ...noCache }, body: this.mediaPlaylist(rendition.name) };
    const init = /^init-(\d+)\.mp4$/.exec(file);
    if (init !== null && this.format === 'fmp4') {
      const bytes = rendition.inits.get(Number(init[1]));
      return bytes === undefined ? undefined : this.#bytes(req, bytes, 'video/mp4');
    }
    const seg = /^seg-(\d+)\.(m4s|ts)$/.exec(file);
    if (seg !== null && seg[2] === (this.format === 'fmp4' ? 'm4s' : 'ts')) {
      const segment = rendition.segments.find((s) => s.sequence === Number(seg[1]));
      return segment === undefined ? undefined : this.#bytes(req, segment.data, this.format === 'fmp4' ? 'video/iso.segment' : 'video/mp2t');
    }
    return undefined;
  }

  /** A broken playlist: the `#EXTM3U` header mangled and the text cut mid-way; other replies cut in half. */
  protected override malformed(reply: EmulatorHttpReply): EmulatorHttpReply {
    const type = reply.headers?.['Content-Type'] ?? '';
    if (type === PLAYLIST_TYPE && typeof reply.body === 'string') {
      const text = reply.body.replace('#EXTM3U', '#EXT-X-M3U-BROKEN');
      return { ...reply, body: text.slice(0, Math.max(20, Math.floor(text.length / 2))) };
    }
    return super.malformed(reply);
  }

  #segmentName(segment: HlsEmulatorSegment): string {
    return `seg-${segment.sequence}.${this.format === 'fmp4' ? 'm4s' : 'ts'}`;
  }

  /** The bytes, or the part a `Range: bytes=a-b` asks for (206). */
  #bytes(req: EmulatorHttpRequest, bytes: Uint8Array, type: string): EmulatorHttpReply {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers['range'] ?? '');
    if (range === null) return { headers: { 'Content-Type': type, 'Accept-Ranges': 'bytes' }, body: bytes };
    const start = Number(range[1]);
    const end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
    if (start > end) return { status: 416, headers: { 'Content-Range': `bytes */${bytes.length}` } };
    return {
      status: 206,
      headers: { 'Content-Type': type, 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Accept-Ranges': 'bytes' },
      body: bytes.subarray(start, end + 1),
    };
  }

  async #startOrigin(mode: 'continue' | 'reset'): Promise<void> {
    if (this.#originRunning) return;
    this.#originRunning = true;
    const first = !this.#started;
    this.#started = true;
    await this.#renditions.main.start(first ? 'first' : mode);
    await this.#renditions.sub.start(first ? 'first' : mode);
  }

  #stopOrigin(): void {
    this.#originRunning = false;
    this.#renditions.main.stop();
    this.#renditions.sub.stop();
  }
}
