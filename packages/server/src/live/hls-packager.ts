import { isVideoKeyframe, silentLogger, systemClock, type Clock, type ConsumerHandle, type Logger, type MediaPacket, type StreamHub, type TrackInfo } from '@argus/core';
import { Fmp4Muxer, sameBytes, type Fmp4Fragment } from '@argus/core/media';

/** Options of a {@link LiveHlsPackager}. */
export interface LiveHlsPackagerOptions {
  /** Stream id in stats and logs, e.g. `cam-1/main`. */
  id: string;
  /**
   * Shortest segment, seconds: a segment ends at the first keyframe at or after it (within 5 %), so a segment is
   * about this long, or one GOP when GOPs are longer. Default 2.
   */
  segmentSeconds?: number;
  /** Segments listed in the playlist (the sliding window); default 6. Two more stay fetchable after they leave it. */
  windowSegments?: number;
  /** Most bytes of finished segments held; the oldest leave first (even from the window), never the newest. Default 64 MiB. */
  maxBytes?: number;
  /**
   * Most bytes of one segment: a segment is closed once it reaches this, and a GOP larger than this is cut by the
   * muxer, its remainder dropped up to the next keyframe (the next segment is then marked discontinuous). Default 16 MiB.
   */
  maxSegmentBytes?: number;
  /** Wall clock for `EXT-X-PROGRAM-DATE-TIME` of packets without a `wallClock`; default the system clock. */
  clock?: Clock;
  logger?: Logger;
  /**
   * A packager of the same stream that ended or failed: this one continues its numbering (media sequence,
   * discontinuity sequence, init segments, target duration) after a discontinuity, so players reloading the playlist
   * see the stream go on rather than start over.
   */
  continueAfter?: LiveHlsPackager;
}

/** One finished media segment of a {@link LiveHlsPackager}: one or more whole fMP4 fragments (`moof` + `mdat`). */
export interface LiveHlsSegment {
  /** Media sequence number, from 0 for a packager's first segment. */
  readonly sequence: number;
  /** Which init segment (`EXT-X-MAP`) decodes it; a new one comes with a change of codec parameters. */
  readonly init: number;
  /** Whether `EXT-X-DISCONTINUITY` precedes it: a new upstream connection, new parameters, or dropped media. */
  readonly discontinuity: boolean;
  /** Sum of its samples' durations, seconds. */
  readonly durationSeconds: number;
  /** Wall-clock time of its first sample, ms since epoch. */
  readonly programDateTime: number;
  /** The bytes, in order (views of the muxer's slabs; never modified). */
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
}

/** Life cycle of a packager: `live` once its first segment is out; `ended` when its hub completed it. */
export type LiveHlsPackagerState = 'starting' | 'live' | 'ended' | 'failed' | 'closed';

/** Counters of a {@link LiveHlsPackager}. */
export interface LiveHlsPackagerStats {
  id: string;
  state: LiveHlsPackagerState;
  /** RFC 6381 codec string of the current init segment (e.g. `avc1.64001F`, `hvc1.1.6.L60.90`), or null before it. */
  codec: string | null;
  /** Segments finished since the start. */
  segments: number;
  /** Segments in the playlist now. */
  listed: number;
  /** Media sequence number of the playlist's first segment. */
  mediaSequence: number;
  discontinuitySequence: number;
  targetDuration: number;
  /** Bytes held: finished segments plus the one being built. */
  bytes: number;
  /** Video packets taken. */
  packets: number;
  /** Video packets dropped while waiting for a keyframe with parameter sets. */
  dropped: number;
  /** Fragments dropped after a GOP was cut at `maxSegmentBytes`. */
  droppedFragments: number;
  /** Init segments made (a change of parameters makes another; counted on from `continueAfter`). */
  inits: number;
  lastSegmentAt: number | null;
}

/** How many segments stay fetchable after they leave the playlist (RFC 8216 section 6.2.2 asks for some). */
const RETAINED_AFTER_WINDOW = 2;
/** A segment may end this much short of `segmentSeconds`, so that 2 s of GOPs of 0.999 s make one segment, not three. */
const DURATION_TOLERANCE = 0.95;

interface Stamp {
  readonly pts: number;
  readonly timescale: number;
  readonly wallClock: number | undefined;
}

interface OpenSegment {
  readonly init: number;
  readonly discontinuity: boolean;
  readonly start: Stamp;
  readonly chunks: Uint8Array[];
  byteLength: number;
  durationSeconds: number;
}

interface Waiter {
  readonly resolve: (ready: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

function hasParameterSets(track: TrackInfo): boolean {
  return (track.parameterSets?.length ?? 0) > 0;
}

/** `video/mp4; codecs="avc1.64001F"` -> `avc1.64001F`. */
function codecOf(mimeType: string): string {
  return /codecs="([^"]*)"/.exec(mimeType)?.[1] ?? mimeType;
}

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

/**
 * Live HLS of one camera stream: cuts its video into fMP4 (CMAF) segments at keyframes, keeps a sliding window of
 * them with their init segments, and writes the media playlist (version 7, `EXT-X-MAP`, `EXT-X-PROGRAM-DATE-TIME`,
 * `EXT-X-INDEPENDENT-SEGMENTS`). H.264 (`avc1`) and H.265 (`hvc1`, as Safari wants) from the {@link Fmp4Muxer}.
 *
 * The stage itself is {@link process} (packets in, finished segments out) and is testable with arrays; {@link attach}
 * feeds it from a hub as a `live` consumer, and {@link waitForSegment} lets a first request wait for a segment.
 * Memory is bounded by `maxBytes` of finished segments plus one segment being built (`maxSegmentBytes`).
 *
 * A packet of a new track object (a new upstream connection, or new parameter sets) closes the segment being built
 * and starts a new muxer; the next segment is marked discontinuous, with a new init segment when the parameters
 * changed. Video only: other tracks are ignored.
 *
 * @example
 * ```ts
 * const packager = new LiveHlsPackager({ id: 'cam-1/main' });
 * packager.attach(kernel.streams.hub('cam-1'), 'hls:cam-1/main');
 * if (await packager.waitForSegment(10_000)) reply.send(packager.playlist());
 * // ... later, segment requests
 * packager.segment(12); // { sequence: 12, chunks, durationSeconds: 2, ... } or undefined once out of the window
 * packager.close();
 * ```
 */
export class LiveHlsPackager {
  /** Stream id. */
  readonly id: string;
  readonly #segmentSeconds: number;
  readonly #window: number;
  readonly #maxBytes: number;
  readonly #maxSegmentBytes: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #segments: LiveHlsSegment[] = [];
  readonly #inits = new Map<number, Uint8Array>();
  readonly #waiters = new Set<Waiter>();
  #track: TrackInfo | undefined;
  #muxer: Fmp4Muxer | undefined;
  #codec: string | null = null;
  #initGeneration = -1;
  #open: OpenSegment | undefined;
  /** First packet of the fragment the muxer is gathering. */
  #fragmentStart: Stamp | undefined;
  /** Smallest `arrival - pts` seen on this track, ms: the wall clock of packets that carry none. */
  #arrivalOffsetMs: number | undefined;
  #discontinuityNext = false;
  /** After a GOP was cut at `maxSegmentBytes`: its remaining fragments are dropped up to the next keyframe. */
  #skipping = false;
  #nextSequence = 0;
  #segmentBytes = 0;
  #discontinuities = 0;
  #targetDuration = 1;
  #state: LiveHlsPackagerState = 'starting';
  #error: unknown;
  #handle: ConsumerHandle | undefined;
  #packets = 0;
  #dropped = 0;
  #droppedFragments = 0;
  #lastSegmentAt: number | null = null;

  constructor(options: LiveHlsPackagerOptions) {
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError('LiveHlsPackager needs a non-empty id');
    this.id = options.id;
    this.#segmentSeconds = positive('segmentSeconds', options.segmentSeconds, 2);
    this.#window = positive('windowSegments', options.windowSegments, 6, true);
    this.#maxBytes = positive('maxBytes', options.maxBytes, 64 * 1024 * 1024, true);
    this.#maxSegmentBytes = positive('maxSegmentBytes', options.maxSegmentBytes, 16 * 1024 * 1024, true);
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({ stream: options.id });
    this.#targetDuration = Math.max(1, Math.round(this.#segmentSeconds));
    const previous = options.continueAfter;
    if (previous !== undefined) {
      this.#nextSequence = previous.#nextSequence;
      this.#discontinuities = previous.#discontinuities;
      this.#initGeneration = previous.#initGeneration;
      this.#targetDuration = Math.max(this.#targetDuration, previous.#targetDuration);
      this.#discontinuityNext = previous.#nextSequence > 0;
    }
  }

  /** Current state. */
  get state(): LiveHlsPackagerState {
    if ((this.#state === 'starting' || this.#state === 'live') && this.#handle?.stats().state === 'detached') this.#finish('ended');
    return this.#state;
  }

  /** Why the packager failed (state `failed`): the upstream's error, or the muxer's (e.g. an unsupported codec). */
  get error(): unknown {
    return this.#error;
  }

  /**
   * Takes one packet; returns the segments it finished (usually none, at most two).
   *
   * @throws ArgusError `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` for video other than H.264/H.265,
   *   `ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS` for parameter sets the muxer cannot use.
   */
  process(packet: MediaPacket): LiveHlsSegment[] {
    if (packet.track.kind !== 'video' || this.#state === 'closed') return [];
    this.#packets += 1;
    const finished: LiveHlsSegment[] = [];
    if (packet.track !== this.#track) {
      if (!isVideoKeyframe(packet) || !hasParameterSets(packet.track)) {
        this.#dropped += 1;
        return finished;
      }
      finished.push(...this.#restart(packet.track));
    }
    const stamp = this.#stamp(packet);
    for (const fragment of (this.#muxer as Fmp4Muxer).process(packet)) finished.push(...this.#add(fragment, stamp, isVideoKeyframe(packet)));
    this.#fragmentStart ??= stamp;
    return finished;
  }

  /** Ends the stream: the held-back packets become a last fragment, and the segment being built is finished. */
  flush(): LiveHlsSegment[] {
    const finished: LiveHlsSegment[] = [];
    for (const fragment of this.#muxer?.flush() ?? []) finished.push(...this.#add(fragment, undefined, true));
    const last = this.#close();
    if (last !== undefined) finished.push(last);
    return finished;
  }

  /**
   * The media playlist, or `undefined` before the first segment. Segment and init URIs are relative
   * (`seg-<n>.m4s`, `init-<n>.mp4`), followed by `?<uriQuery>` when given (e.g. `profile=sub&token=...`).
   */
  playlist(uriQuery = ''): string | undefined {
    const listed = this.#segments.slice(-this.#window);
    const first = listed[0];
    if (first === undefined) return undefined;
    const query = uriQuery === '' ? '' : `?${uriQuery}`;
    const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${this.#targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${first.sequence}`];
    const discontinuitySequence = this.#discontinuitySequence(listed);
    if (discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`);
    lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
    let init: number | undefined;
    for (const segment of listed) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (segment.init !== init) lines.push(`#EXT-X-MAP:URI="init-${segment.init}.mp4${query}"`);
      init = segment.init;
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTime).toISOString()}`);
      lines.push(`#EXTINF:${segment.durationSeconds.toFixed(3)},`);
      lines.push(`seg-${segment.sequence}.m4s${query}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** Init segment `generation` (`ftyp` + `moov`), or the current one without an argument; `undefined` if gone. */
  init(generation: number = this.#initGeneration): Uint8Array | undefined {
    return this.#inits.get(generation);
  }

  /** A segment still held (listed, or just out of the window), or `undefined`. */
  segment(sequence: number): LiveHlsSegment | undefined {
    const first = this.#segments[0];
    if (first === undefined) return undefined;
    return this.#segments[sequence - first.sequence];
  }

  /**
   * Resolves `true` once a segment exists (at once if one does), `false` after `timeoutMs`, or when the packager
   * fails, ends or is closed first.
   */
  waitForSegment(timeoutMs: number): Promise<boolean> {
    if (this.#segments.length > 0) return Promise.resolve(true);
    if (this.state !== 'starting') return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /**
   * Feeds the packager from `hub` as an attached `live` consumer named `name` (it starts at the hub's cached
   * keyframe). A muxer error or a failed upstream makes it `failed`; a hub that completes makes it `ended`.
   *
   * @throws ArgusError `ARGUS_ERR_STREAM_CLOSED` when the hub is closed.
   */
  attach(hub: StreamHub, name: string): void {
    if (this.#handle !== undefined) throw new RangeError(`packager ${this.id} is already attached`);
    this.#handle = hub.attach({
      kind: 'live',
      name,
      sink: (packet) => {
        this.process(packet);
      },
      onError: (err) => {
        this.#error = err;
        this.#logger.warn({ err }, 'live HLS packager failed');
        this.#finish('failed');
      },
    });
  }

  /** Detaches from the hub and lets go of every segment; idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#finish('closed');
    this.#segments.length = 0;
    this.#inits.clear();
    this.#open = undefined;
    this.#muxer = undefined;
    this.#segmentBytes = 0;
  }

  /** Counters, computed now. */
  toJSON(): LiveHlsPackagerStats {
    const listed = this.#segments.slice(-this.#window);
    return {
      id: this.id,
      state: this.state,
      codec: this.#codec,
      segments: this.#nextSequence,
      listed: listed.length,
      mediaSequence: listed[0]?.sequence ?? this.#nextSequence,
      discontinuitySequence: this.#discontinuitySequence(listed),
      targetDuration: this.#targetDuration,
      bytes: this.#segmentBytes + (this.#open?.byteLength ?? 0),
      packets: this.#packets,
      dropped: this.#dropped,
      droppedFragments: this.#droppedFragments,
      inits: this.#initGeneration + 1,
      lastSegmentAt: this.#lastSegmentAt,
    };
  }

  #finish(state: 'ended' | 'failed' | 'closed'): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    this.#handle?.detach();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.#segments.length > 0);
    }
    this.#waiters.clear();
  }

  /** A new track: what the old muxer holds becomes the last segment of its run; the next one is discontinuous. */
  #restart(track: TrackInfo): LiveHlsSegment[] {
    const finished = this.#muxer === undefined ? [] : this.flush();
    const muxer = new Fmp4Muxer([track], { maxFragmentBytes: this.#maxSegmentBytes });
    const init = muxer.initSegment();
    if (!sameBytes(init, this.#inits.get(this.#initGeneration))) {
      this.#initGeneration += 1;
      this.#inits.set(this.#initGeneration, init);
      this.#codec = codecOf(muxer.mimeType);
      this.#logger.debug({ init: this.#initGeneration, codec: this.#codec }, 'live HLS init segment');
    }
    if (this.#muxer !== undefined) this.#discontinuityNext = true;
    this.#muxer = muxer;
    this.#track = track;
    this.#fragmentStart = undefined;
    this.#arrivalOffsetMs = undefined;
    this.#skipping = false;
    return finished;
  }

  #stamp(packet: MediaPacket): Stamp {
    const { timescale } = packet.track;
    // Arrival minus media time is smallest for the packets that arrived soonest after capture: a replayed GOP arrives
    // late, so the minimum settles on live packets.
    const offset = this.#clock.now() - (packet.pts * 1000) / timescale;
    if (this.#arrivalOffsetMs === undefined || offset < this.#arrivalOffsetMs) this.#arrivalOffsetMs = offset;
    return { pts: packet.pts, timescale, wallClock: packet.wallClock };
  }

  /** Adds a fragment the muxer finished; `next` is the first packet of the following one (none at a flush). */
  #add(fragment: Fmp4Fragment, next: Stamp | undefined, nextIsKeyframe: boolean): LiveHlsSegment[] {
    const start = this.#fragmentStart as Stamp;
    this.#fragmentStart = next;
    if (this.#skipping || (this.#open === undefined && !fragment.keyframe)) {
      // The rest of a GOP cut at maxSegmentBytes: undecodable without its start, so it waits for the next keyframe.
      this.#droppedFragments += 1;
      this.#skipping = !nextIsKeyframe;
      this.#discontinuityNext = true;
      return [];
    }
    this.#open ??= { init: this.#initGeneration, discontinuity: this.#discontinuityNext, start, chunks: [], byteLength: 0, durationSeconds: 0 };
    this.#discontinuityNext = false;
    const open = this.#open;
    open.chunks.push(...fragment.chunks);
    open.byteLength += fragment.byteLength;
    open.durationSeconds += fragment.durationSeconds;
    const full = open.byteLength >= this.#maxSegmentBytes;
    if (!full && !(nextIsKeyframe && open.durationSeconds >= this.#segmentSeconds * DURATION_TOLERANCE)) return [];
    if (full && !nextIsKeyframe) this.#skipping = true;
    const segment = this.#close();
    return segment === undefined ? [] : [segment];
  }

  /** Finishes the segment being built, slides the window and wakes waiting requests. */
  #close(): LiveHlsSegment | undefined {
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined || open.chunks.length === 0) return undefined;
    const { start } = open;
    const programDateTime = Math.round(start.wallClock ?? (start.pts * 1000) / start.timescale + (this.#arrivalOffsetMs ?? this.#clock.now()));
    const segment: LiveHlsSegment = {
      sequence: this.#nextSequence++,
      init: open.init,
      discontinuity: open.discontinuity,
      durationSeconds: open.durationSeconds,
      programDateTime,
      chunks: open.chunks,
      byteLength: open.byteLength,
    };
    this.#segments.push(segment);
    this.#segmentBytes += segment.byteLength;
    if (segment.discontinuity) this.#discontinuities += 1;
    // RFC 8216 forbids a target duration that changes; it only grows, when the camera's GOP outgrows it.
    this.#targetDuration = Math.max(this.#targetDuration, Math.round(segment.durationSeconds));
    this.#lastSegmentAt = this.#clock.now();
    this.#trim();
    if (this.#state === 'starting') this.#state = 'live';
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
    this.#waiters.clear();
    return segment;
  }

  /** Keeps the window plus a few, within `maxBytes` (always the newest), and the init segments they use. */
  #trim(): void {
    const keep = this.#window + RETAINED_AFTER_WINDOW;
    while (this.#segments.length > keep || (this.#segmentBytes > this.#maxBytes && this.#segments.length > 1)) {
      const gone = this.#segments.shift() as LiveHlsSegment;
      this.#segmentBytes -= gone.byteLength;
    }
    const used = new Set(this.#segments.map((segment) => segment.init));
    for (const generation of this.#inits.keys()) if (generation !== this.#initGeneration && !used.has(generation)) this.#inits.delete(generation);
  }

  /** Discontinuities that slid out of the playlist: every one made, less those still listed. */
  #discontinuitySequence(listed: readonly LiveHlsSegment[]): number {
    return this.#discontinuities - listed.filter((segment) => segment.discontinuity).length;
  }
}
