import { errorMessage } from '@argus/core';
import {
  DeviceEmulator,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type StreamingReply,
} from '@argus/driver-kit/emulator';

/**
 * Framing quirks of real MJPEG servers the emulator can reproduce (see `shared/fixtures/mjpeg/SOURCES.md`):
 * - `dashedBoundary`: the `boundary` parameter already starts with `--` and the delimiter line repeats it as is
 *   (Sony SNC, Panasonic `nphMotionJpeg`).
 * - `noFirstBoundary`: the first part starts with its headers, without a delimiter line (Tasmota webcam).
 * - `noContentLength`: parts carry no `Content-Length` (the reader must scan for the next delimiter or the JPEG EOI).
 * - `sizeParam`: the part type is `image/jpeg;size=<bytes>` (Trendnet TV-IP302PI).
 * - `bareLf`: line ends are `\n` instead of `\r\n` (small embedded servers).
 */
export type MjpegQuirk = 'dashedBoundary' | 'noFirstBoundary' | 'noContentLength' | 'sizeParam' | 'bareLf';

/** Every {@link MjpegQuirk}, for tests that go through all of them. */
export const MJPEG_QUIRKS: readonly MjpegQuirk[] = ['dashedBoundary', 'noFirstBoundary', 'noContentLength', 'sizeParam', 'bareLf'];

/** Options of {@link MjpegEmulator}. */
export interface MjpegEmulatorOptions extends EmulatorOptions {
  /** Path of the MJPEG stream; default `/mjpg/video.mjpg` (the first of the drivers' default paths). */
  readonly streamPath?: string;
  /** Path of the JPEG snapshot; default `/snapshot.jpg` (the first of the drivers' default snapshot paths). */
  readonly snapshotPath?: string;
  /** Frames per second of the MJPEG stream; default 5. */
  readonly fps?: number;
  /** Width of the JPEGs (height keeps the aspect ratio); default the farm camera's width. */
  readonly width?: number;
  /** HTTP authentication offered; default `['digest']`. */
  readonly authSchemes?: ('digest' | 'basic')[];
  /** Serve both paths without authentication, as many legacy encoders do; default false. */
  readonly anonymous?: boolean;
  /** Framing quirks from the start; see {@link MjpegEmulator.setQuirks}. */
  readonly quirks?: readonly MjpegQuirk[];
  /**
   * How long one decoded farm picture is reused, in ms; default 1000. The farm decodes one keyframe per snapshot
   * (one ffmpeg run), so the stream repeats a picture for this long instead of running ffmpeg for every frame.
   */
  readonly pictureRefreshMs?: number;
}

const BOUNDARY = 'argusmjpegframe';
const REALM = 'MJPEG Camera';

/** How {@link mjpegPart} frames one part. */
export interface MjpegPartFraming {
  /** The delimiter line as written (`--boundary`, or the dashed parameter itself under `dashedBoundary`). */
  readonly delimiter: string;
  /** True for the first part of the response (`noFirstBoundary` leaves its delimiter out). */
  readonly first: boolean;
  /** Quirks in force. */
  readonly quirks: ReadonlySet<MjpegQuirk>;
}

/**
 * One multipart part carrying `jpeg`, framed the way the quirks say: the delimiter line before the headers (except
 * for the first part under `noFirstBoundary`), `Content-Type: image/jpeg` (with `;size=` under `sizeParam`),
 * `Content-Length` unless `noContentLength`, a blank line, the bytes and a line end.
 */
export function mjpegPart(jpeg: Uint8Array, framing: MjpegPartFraming): Buffer {
  const eol = framing.quirks.has('bareLf') ? '\n' : '\r\n';
  const lines: string[] = [];
  if (!(framing.first && framing.quirks.has('noFirstBoundary'))) lines.push(framing.delimiter);
  lines.push(`Content-Type: image/jpeg${framing.quirks.has('sizeParam') ? `;size=${jpeg.byteLength}` : ''}`);
  if (!framing.quirks.has('noContentLength')) lines.push(`Content-Length: ${jpeg.byteLength}`);
  const head = Buffer.from(`${lines.join(eol)}${eol}${eol}`, 'latin1');
  return Buffer.concat([head, jpeg, Buffer.from(eol, 'latin1')]);
}

/**
 * An MJPEG-over-HTTP camera (camera types 27 and 28): a `multipart/x-mixed-replace` stream of JPEGs at
 * `streamPath` and a still at `snapshotPath`, pictures from a farm camera, Digest and/or Basic authentication, and
 * switchable framing quirks of real servers. Under the `malformed` fault the stream's parts carry truncated JPEGs
 * (no EOI) in otherwise valid framing, and the snapshot body is cut in half. No RTSP is served.
 *
 * @example
 * ```ts
 * const emulator = new MjpegEmulator({ farm, cameraId: 'cam-1', fps: 5, quirks: ['dashedBoundary', 'noContentLength'] });
 * await emulator.start();
 * const { host, port, username, password } = emulator.connection(); // stream at /mjpg/video.mjpg
 * emulator.setQuirks(['noFirstBoundary']);
 * await emulator.stop();
 * ```
 */
export class MjpegEmulator extends DeviceEmulator {
  /** Path of the MJPEG stream. */
  readonly streamPath: string;
  /** Path of the JPEG snapshot. */
  readonly snapshotPath: string;
  /** Frames per second of the stream. */
  readonly fps: number;
  readonly #width: number | undefined;
  readonly #anonymous: boolean;
  readonly #refreshMs: number;
  #quirks: ReadonlySet<MjpegQuirk>;
  #picture: { jpeg: Uint8Array; at: number } | undefined;
  #refreshing: Promise<Uint8Array> | undefined;
  #framesSent = 0;

  constructor(options: MjpegEmulatorOptions) {
    super(options, { realm: REALM, authSchemes: options.authSchemes ?? ['digest'], algorithms: ['MD5'] });
    this.streamPath = options.streamPath ?? '/mjpg/video.mjpg';
    this.snapshotPath = options.snapshotPath ?? '/snapshot.jpg';
    for (const path of [this.streamPath, this.snapshotPath]) {
      if (!path.startsWith('/')) throw new TypeError(`emulator paths must start with "/", got ${JSON.stringify(path)}`);
    }
    this.fps = options.fps ?? 5;
    if (!(this.fps > 0 && this.fps <= 60)) throw new RangeError(`fps must be within (0, 60], got ${this.fps}`);
    this.#width = options.width;
    this.#anonymous = options.anonymous === true;
    this.#refreshMs = options.pictureRefreshMs ?? 1000;
    this.#quirks = new Set(options.quirks ?? []);
  }

  /** The framing quirks in force. */
  get quirks(): readonly MjpegQuirk[] {
    return [...this.#quirks];
  }

  /** JPEG parts written to MJPEG clients so far (all connections). */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** Switches the framing quirks; streams opened from now on use them (open streams keep their framing). */
  setQuirks(quirks: readonly MjpegQuirk[]): void {
    for (const quirk of quirks) {
      if (!MJPEG_QUIRKS.includes(quirk)) throw new RangeError(`unknown MJPEG quirk "${String(quirk)}"`);
    }
    this.#quirks = new Set(quirks);
  }

  /** No RTSP: an MJPEG camera's media is its HTTP stream. */
  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [];
  }

  protected override publicPaths(): readonly string[] {
    return this.#anonymous ? [this.streamPath, this.snapshotPath] : [];
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    if (req.path === this.snapshotPath && (req.method === 'GET' || req.method === 'HEAD')) {
      const jpeg = await this.#currentPicture();
      return { headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-cache' }, body: jpeg };
    }
    if (req.path === this.streamPath && req.method === 'GET') {
      // Prime the picture so the first part goes out without waiting for the farm's decoder.
      await this.#currentPicture();
      return this.#stream();
    }
    return undefined;
  }

  #stream(): StreamingReply {
    const quirks = this.#quirks;
    const boundary = quirks.has('dashedBoundary') ? `--${BOUNDARY}` : BOUNDARY;
    const delimiter = quirks.has('dashedBoundary') ? boundary : `--${boundary}`;
    return {
      streaming: true,
      headers: {
        'Content-Type': `multipart/x-mixed-replace; boundary=${boundary}`,
        'Cache-Control': 'no-cache, no-store',
        Pragma: 'no-cache',
        Connection: 'close',
      },
      start: (write) => {
        let first = true;
        const send = (): void => {
          const jpeg = this.#latestPicture();
          if (jpeg === undefined) return;
          const body = this.fault === 'malformed' ? jpeg.subarray(0, Math.floor(jpeg.byteLength / 2)) : jpeg;
          write(mjpegPart(body, { delimiter, first, quirks }));
          first = false;
          this.#framesSent++;
        };
        send();
        const timer = setInterval(send, 1000 / this.fps);
        return () => clearInterval(timer);
      },
    };
  }

  /** The cached picture, starting a refresh in the background when it is stale. */
  #latestPicture(): Uint8Array | undefined {
    if (this.#picture === undefined || this.clock.now() - this.#picture.at >= this.#refreshMs) {
      this.#refresh().catch((err: unknown) => this.logger.warn({ reason: errorMessage(err) }, 'farm snapshot failed'));
    }
    return this.#picture?.jpeg;
  }

  /** A fresh enough picture, waiting for the farm when there is none yet. */
  async #currentPicture(): Promise<Uint8Array> {
    const cached = this.#latestPicture();
    return cached ?? (await this.#refresh());
  }

  #refresh(): Promise<Uint8Array> {
    this.#refreshing ??= this.snapshotJpeg('main', this.#width)
      .then((jpeg) => {
        this.#picture = { jpeg, at: this.clock.now() };
        return jpeg;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }
}
