import { mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage, silentLogger, systemClock, type Clock, type EventBus, type Logger, type MediaPacket, type TrackInfo } from '@argus/core';
import { Fmp4Muxer, sameBytes, videoTrackFromParameterSets, type Fmp4Fragment } from '@argus/core/media';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { FragmentEntry, GapReason, SegmentRecord, StreamChoice } from '../catalogue/records.js';
import type { StorageAlarmKind } from '../storage-events.js';
import { segmentFilePath } from './segment-file-path.js';
import type { StorageTier } from './storage-tier.js';

/** The part of a `fs/promises` `FileHandle` the writer uses; inject another to put a fake disk under it. */
export interface SegmentFileHandle {
  writev(buffers: readonly Uint8Array[], position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a segment file (`flags` as `fs.open`); default `fs/promises.open`. */
export type OpenSegmentFile = (path: string, flags: string) => Promise<SegmentFileHandle>;

/** Options of a {@link SegmentWriter}. */
export interface SegmentWriterOptions {
  readonly camera: string;
  readonly stream: StreamChoice;
  readonly catalogue: Catalogue;
  readonly tier: StorageTier;
  /** A new file starts at the first keyframe this long after the current one's start; default 60. */
  readonly segmentSeconds?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly bus?: EventBus;
  /** Called when the disk is full, before one retry of the write: retention frees the oldest unlocked footage. */
  readonly freeSpace?: () => Promise<void>;
  /**
   * Silence (between packet arrivals, or in media time) longer than this ends the segment and records a
   * `no-signal` gap; default three GOPs, at least 3 s.
   */
  readonly noSignalMs?: number;
  /** Opens segment files; default `fs/promises.open`. */
  readonly openFile?: OpenSegmentFile;
}

/** Counters of a {@link SegmentWriter}. */
export interface SegmentWriterStats {
  /** Segments closed and catalogued complete. */
  segments: number;
  /** Fragments written to disk. */
  fragments: number;
  /** Bytes written to disk (init segments and fragments). */
  bytes: number;
  /** Fragments lost to a full disk or a failed write. */
  droppedFragments: number;
  /** Packets discarded: before a keyframe, of a track outside the segment, or while no file could be opened. */
  droppedPackets: number;
  /** Path (relative to the tier root) of the segment being written, if any. */
  currentFile: string | undefined;
}

interface OpenSegment {
  readonly path: string;
  readonly file: string;
  readonly handle: SegmentFileHandle;
  readonly muxer: Fmp4Muxer;
  readonly video: TrackInfo;
  readonly audio: TrackInfo | undefined;
  readonly start: number;
  readonly initSize: number;
  readonly codec: string;
  readonly width: number | undefined;
  readonly height: number | undefined;
  /** Bytes the file is known to hold in full: the init segment and the fragments listed. */
  size: number;
  readonly fragments: FragmentEntry[];
  /** Bytes of a failed write may lie past `size`. */
  dirty: boolean;
}

interface OpenGap {
  readonly reason: GapReason;
  readonly start: number;
  end: number;
}

type WriteOutcome = { ok: true } | { ok: false; kind: 'disk-full' | 'failed'; error: unknown };

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

function isNoSpace(err: unknown): boolean {
  return NO_SPACE.has((err as { code?: unknown } | undefined)?.code as string);
}

function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  return total;
}

/** Writes every byte of `chunks` at `position`, going on after short writes (a file system may write less). */
async function writeAll(handle: SegmentFileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  let pending = chunks;
  let at = position;
  for (;;) {
    const wanted = byteLength(pending);
    if (wanted === 0) return;
    const { bytesWritten } = await handle.writev(pending, at);
    if (bytesWritten >= wanted) return;
    if (bytesWritten <= 0) throw Object.assign(new Error(`write made no progress at ${at}`), { code: 'EIO' });
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const chunk of pending) {
      if (skip >= chunk.byteLength) skip -= chunk.byteLength;
      else {
        rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/** Whether `next` can go on in the file of `current`: same id and codec, same parameter sets or audio config. */
function sameTrack(current: TrackInfo, next: TrackInfo): boolean {
  if (current === next) return true;
  if (current.id !== next.id || current.codec !== next.codec || current.timescale !== next.timescale) return false;
  const a = current.parameterSets ?? [];
  const b = next.parameterSets ?? [];
  if (a.length !== b.length || a.some((set, i) => !sameBytes(set, b[i]))) return false;
  return sameBytes(current.config, next.config) && current.sampleRate === next.sampleRate && current.channels === next.channels;
}

/** Picture size from the track, else from its SPS. */
function pictureSize(track: TrackInfo): { width?: number; height?: number } {
  if (track.width !== undefined && track.height !== undefined) return { width: track.width, height: track.height };
  const codec = track.codec === 'h264' ? 'h264' : track.codec === 'h265' ? 'h265' : undefined;
  if (codec === undefined) return {};
  try {
    const { width, height } = videoTrackFromParameterSets(codec, track.parameterSets ?? [], track.id);
    return { width, height };
  } catch {
    // No SPS, or a malformed one, only costs the catalogue its picture size; the muxer reports it properly.
    return {};
  }
}

/**
 * Records one camera stream into fMP4 segment files (one fragment per GOP) and catalogues them as it goes.
 *
 * Each fragment is written with one `writev` at its offset and only then listed in the catalogue (segment still
 * `complete: false`), so a crash loses at most the fragment being written; {@link repairSegments} trims that at the
 * next start. A closed segment is `fdatasync`ed before it is catalogued complete. A file starts at the first
 * keyframe `segmentSeconds` after the current one's start, and whenever the video's parameter sets change.
 *
 * I/O never rejects {@link write}: on a full disk the writer raises a `disk-full` alarm, asks `freeSpace` and retries
 * once, else drops that fragment, records a `disk-full` gap and carries on with the next one; other write errors
 * close the segment (`write-failed` alarm, `write-error` gap) and the next keyframe starts a new one.
 *
 * @example
 * ```ts
 * const writer = new SegmentWriter({ camera: 'gate-1', stream: 'main', catalogue, tier: { name: 'fast', root }, bus });
 * const handle = hub.attach({ kind: 'recorder', name: 'recorder', sink: (packet) => writer.write(packet) });
 * // ...
 * handle.detach();
 * await writer.close('stopped');
 * ```
 */
export class SegmentWriter {
  readonly #camera: string;
  readonly #stream: StreamChoice;
  readonly #catalogue: Catalogue;
  readonly #tier: StorageTier;
  readonly #segmentMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #bus: EventBus | undefined;
  readonly #freeSpace: (() => Promise<void>) | undefined;
  readonly #noSignalMs: number | undefined;
  readonly #openFile: OpenSegmentFile;
  #serial: Promise<void> = Promise.resolve();
  #segment: OpenSegment | undefined;
  /** Latest audio track seen: joins the next segment. */
  #audio: TrackInfo | undefined;
  /** Per track: the wall-clock time given to its first packet's pts (sources without `wallClock`). */
  readonly #anchors = new Map<number, { wall: number; time: number }>();
  #last: { wall: number; arrival: number } | undefined;
  #lastStart = 0;
  #lastEnd: number | undefined;
  #gopMs = 0;
  #gap: OpenGap | undefined;
  #alarm: StorageAlarmKind | undefined;
  readonly #unusable = new WeakSet<TrackInfo>();
  readonly #stats: SegmentWriterStats = { segments: 0, fragments: 0, bytes: 0, droppedFragments: 0, droppedPackets: 0, currentFile: undefined };

  constructor(options: SegmentWriterOptions) {
    if (options.camera === '') throw new RangeError('SegmentWriter needs a camera id');
    const seconds = options.segmentSeconds ?? 60;
    if (!(seconds > 0)) throw new RangeError(`segmentSeconds must be positive, got ${seconds}`);
    this.#camera = options.camera;
    this.#stream = options.stream;
    this.#catalogue = options.catalogue;
    this.#tier = options.tier;
    this.#segmentMs = seconds * 1000;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({ camera: options.camera, stream: options.stream });
    this.#bus = options.bus;
    this.#freeSpace = options.freeSpace;
    this.#noSignalMs = options.noSignalMs;
    this.#openFile = options.openFile ?? ((path, flags) => open(path, flags));
  }

  /**
   * Records one packet. Call serially (as a hub's recorder sink does). Never rejects for I/O: failures become
   * alarms, gaps and log lines.
   */
  write(packet: MediaPacket): Promise<void> {
    return this.#enqueue(() => this.#write(packet));
  }

  /** Ends the current segment (its last GOP included), syncs and catalogues it complete. The writer can go on after. */
  close(reason = 'closed'): Promise<void> {
    return this.#enqueue(async () => {
      this.#logger.debug({ reason }, 'closing segment writer');
      await this.#endSegment(true);
      if (this.#gap !== undefined && this.#gap.reason !== 'no-signal') await this.#putGap(this.#gap);
      this.#gap = undefined;
      this.#anchors.clear();
      this.#last = undefined;
    });
  }

  /** Counters since construction. */
  stats(): SegmentWriterStats {
    return { ...this.#stats, currentFile: this.#segment?.file };
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    const run = this.#serial.then(fn).catch((err: unknown) => this.#logger.error({ err }, 'segment writer failed'));
    this.#serial = run;
    return run;
  }

  async #write(packet: MediaPacket): Promise<void> {
    const { track } = packet;
    if (track.kind === 'audio') {
      this.#audio = track;
      const segment = this.#segment;
      if (segment?.audio !== undefined && sameTrack(segment.audio, track)) await this.#mux(segment, packet);
      else this.#stats.droppedPackets += 1;
      return;
    }
    if (track.kind !== 'video') {
      this.#stats.droppedPackets += 1;
      return;
    }
    let wall = this.#wallOf(packet);
    if (this.#last !== undefined) {
      const limit = this.#noSignalMs ?? Math.max(3_000, 3 * this.#gopMs);
      // Arrival is taken when the previous write finished, so that a slow disk is not mistaken for a silent camera.
      const silent = this.#clock.now() - this.#last.arrival > limit || wall - this.#last.wall > limit;
      // A source whose time runs backwards (a restarted encoder) cannot go on in the same file either.
      if (silent || wall < this.#last.wall) {
        const lastWall = this.#last.wall;
        await this.#endSegment(true);
        // From the end of the segment just closed; from the last packet when none was open (or it came out empty).
        if (silent) await this.#beginGap('no-signal', Math.max(this.#lastEnd ?? 0, lastWall));
        this.#anchors.clear();
        wall = this.#wallOf(packet);
      }
    }
    try {
      await this.#writeVideo(packet, wall);
    } finally {
      this.#last = { wall, arrival: this.#clock.now() };
    }
  }

  async #writeVideo(packet: MediaPacket, wall: number): Promise<void> {
    const { track } = packet;
    let segment = this.#segment;
    if (segment !== undefined && !sameTrack(segment.video, track)) {
      this.#logger.info({ file: segment.file }, 'video parameters changed: new segment');
      await this.#endSegment(true);
      segment = undefined;
    }
    if (packet.keyframe && segment !== undefined && wall - segment.start >= this.#segmentMs) {
      await this.#endSegment(true);
      segment = undefined;
    }
    if (segment === undefined && packet.keyframe) segment = await this.#openSegment(track, this.#reanchor(packet, wall));
    if (segment === undefined) {
      this.#stats.droppedPackets += 1;
      return;
    }
    await this.#mux(segment, packet);
    // A failed write closed the segment and lost the keyframe held in its muxer: start again from it.
    if (this.#segment === undefined && packet.keyframe) {
      const again = await this.#openSegment(track, wall);
      if (again !== undefined) await this.#mux(again, packet);
    }
  }

  /**
   * Wall-clock ms of a packet's decode time: the track's anchor plus the media time since. The anchor is the first
   * packet's own `wallClock` (RTCP sender reports) or its arrival, and moves to the packet's `wallClock` only where a
   * new segment starts ({@link #reanchor}): sender reports often begin a moment after the media, and switching time
   * base mid-file would make time run backwards.
   */
  #wallOf(packet: MediaPacket): number {
    const time = packet.dts ?? packet.pts;
    let anchor = this.#anchors.get(packet.track.id);
    if (anchor === undefined) {
      anchor = { wall: packet.wallClock ?? this.#clock.now(), time };
      this.#anchors.set(packet.track.id, anchor);
    }
    return anchor.wall + ((time - anchor.time) * 1000) / packet.track.timescale;
  }

  /** At a segment boundary: follow the source's clock again (drift, a late first sender report), never going back. */
  #reanchor(packet: MediaPacket, wall: number): number {
    if (packet.wallClock === undefined || Math.abs(packet.wallClock - wall) < 1) return wall;
    const moved = Math.max(packet.wallClock, this.#lastEnd ?? 0);
    this.#anchors.set(packet.track.id, { wall: moved, time: packet.dts ?? packet.pts });
    return moved;
  }

  async #mux(segment: OpenSegment, packet: MediaPacket): Promise<void> {
    let fragments: Fmp4Fragment[];
    try {
      fragments = segment.muxer.process(packet);
    } catch (err) {
      this.#stats.droppedPackets += 1;
      this.#logger.warn({ err }, 'packet not muxed');
      return;
    }
    for (const fragment of fragments) {
      if (!(await this.#writeFragment(segment, fragment))) return;
    }
  }

  /** Writes one fragment and catalogues it; false when the write failed so that the segment was closed. */
  async #writeFragment(segment: OpenSegment, fragment: Fmp4Fragment): Promise<boolean> {
    const time = segment.start + Math.round(fragment.startSeconds * 1000);
    const entry: FragmentEntry = { offset: segment.size, size: fragment.byteLength, time, duration: Math.round(fragment.durationSeconds * 1000) };
    if (fragment.durationSeconds > 0) this.#gopMs = entry.duration;
    const outcome = await this.#writeBytes(segment.handle, segment.path, fragment.chunks, segment.size);
    if (outcome.ok) {
      segment.size += fragment.byteLength;
      segment.fragments.push(entry);
      this.#stats.fragments += 1;
      this.#stats.bytes += fragment.byteLength;
      this.#recovered(segment.path);
      if (this.#gap !== undefined) await this.#endGap(time);
      await this.#putSegment(segment, false);
      return true;
    }
    segment.dirty = true;
    this.#stats.droppedFragments += 1;
    if (outcome.kind === 'disk-full') {
      this.#logger.warn({ file: segment.file, bytes: fragment.byteLength }, 'disk full: fragment dropped');
      await this.#trim(segment);
      await this.#beginGap('disk-full', time, time + entry.duration);
      if (this.#gap !== undefined) await this.#putGap(this.#gap);
      return true;
    }
    this.#raise('write-failed', segment.path, `writing ${segment.file} failed: ${errorMessage(outcome.error)}`);
    this.#logger.error({ err: outcome.error, file: segment.file }, 'segment write failed: closing the segment');
    await this.#beginGap('write-error', time, time + entry.duration);
    await this.#endSegment(false);
    return false;
  }

  /** Writes at `position`; on a full disk raises the alarm, asks for space and retries once. */
  async #writeBytes(handle: SegmentFileHandle, path: string, chunks: readonly Uint8Array[], position: number): Promise<WriteOutcome> {
    try {
      await writeAll(handle, chunks, position);
      return { ok: true };
    } catch (err) {
      if (!isNoSpace(err)) return { ok: false, kind: 'failed', error: err };
      this.#raise('disk-full', path, `no space left for ${path}: ${errorMessage(err)}`);
      if (this.#freeSpace === undefined) return { ok: false, kind: 'disk-full', error: err };
    }
    try {
      await this.#freeSpace();
    } catch (err) {
      this.#logger.error({ err }, 'freeing space failed');
    }
    try {
      await writeAll(handle, chunks, position);
      return { ok: true };
    } catch (err) {
      return { ok: false, kind: isNoSpace(err) ? 'disk-full' : 'failed', error: err };
    }
  }

  /** Creates the segment's file and writes its init segment; `undefined` (with alarm and gap) when it cannot. */
  async #openSegment(video: TrackInfo, wall: number): Promise<OpenSegment | undefined> {
    const muxed = this.#muxerFor(video);
    if (muxed === undefined) return undefined;
    const { muxer, audio } = muxed;
    const init = muxer.initSegment();
    const created = await this.#createFile(Math.max(Math.round(wall), this.#lastStart + 1));
    let failure: WriteOutcome = created.ok ? await this.#writeBytes(created.handle, created.path, [init], 0) : created.failure;
    if (created.ok && !failure.ok) {
      await created.handle.close().catch(() => undefined);
      await unlink(created.path).catch(() => undefined);
    }
    if (!created.ok || !failure.ok) {
      if (failure.ok) failure = { ok: false, kind: 'failed', error: new Error('segment file not created') };
      if (failure.kind === 'failed') this.#raise('write-failed', created.path, `cannot start ${created.path}: ${errorMessage(failure.error)}`);
      this.#logger.error({ err: failure.error, path: created.path }, 'cannot start a segment');
      await this.#beginGap(failure.kind === 'disk-full' ? 'disk-full' : 'write-error', wall);
      if (this.#gap !== undefined) await this.#putGap(this.#gap);
      return undefined;
    }
    const { handle, file, path, start } = created;
    this.#lastStart = start;
    const picture = pictureSize(video);
    const segment: OpenSegment = {
      path,
      file,
      handle,
      muxer,
      video,
      audio,
      start,
      initSize: init.byteLength,
      codec: video.codec,
      width: picture.width,
      height: picture.height,
      size: init.byteLength,
      fragments: [],
      dirty: false,
    };
    this.#segment = segment;
    this.#stats.bytes += init.byteLength;
    // Catalogued before any fragment so that crash repair finds (and clears away) even a file with an init only.
    await this.#putSegment(segment, false);
    this.#logger.debug({ file }, 'segment started');
    return segment;
  }

  /** A muxer for the video track and, where there is a recordable one, the latest audio track. */
  #muxerFor(video: TrackInfo): { muxer: Fmp4Muxer; audio: TrackInfo | undefined } | undefined {
    if (this.#unusable.has(video)) return undefined;
    const audio = this.#audio?.codec === 'aac' ? this.#audio : undefined;
    if (audio !== undefined) {
      try {
        return { muxer: new Fmp4Muxer([video, audio]), audio };
      } catch (err) {
        this.#logger.warn({ err }, 'audio track not recordable with this video: video only');
      }
    }
    try {
      return { muxer: new Fmp4Muxer([video]), audio: undefined };
    } catch (err) {
      // Logged once per track object: until the parameters change, every keyframe would fail the same way.
      this.#unusable.add(video);
      this.#logger.error({ err, codec: video.codec }, 'video track not recordable');
      return undefined;
    }
  }

  /** Creates the file of a segment starting at `start` (or a ms later while the name is taken). */
  async #createFile(
    start: number,
  ): Promise<{ ok: true; handle: SegmentFileHandle; file: string; path: string; start: number } | { ok: false; path: string; failure: WriteOutcome }> {
    let path = '';
    for (let at = start; at < start + 5; at++) {
      const file = segmentFilePath(this.#camera, this.#stream, at);
      path = join(this.#tier.root, ...file.split('/'));
      try {
        await mkdir(dirname(path), { recursive: true });
        // 'wx': never overwrite a file the catalogue may still list (a clock set back, a restart in the same ms).
        return { ok: true, handle: await this.#openFile(path, 'wx'), file, path, start: at };
      } catch (err) {
        if ((err as { code?: unknown }).code === 'EEXIST') continue;
        if (isNoSpace(err)) this.#raise('disk-full', path, `no space left for ${path}: ${errorMessage(err)}`);
        return { ok: false, path, failure: { ok: false, kind: isNoSpace(err) ? 'disk-full' : 'failed', error: err } };
      }
    }
    return { ok: false, path, failure: { ok: false, kind: 'failed', error: new Error(`no free file name near ${path}`) } };
  }

  /** Ends the current segment: its last GOP (when `flush`), trim, fdatasync, catalogue complete, `segmentClosed`. */
  async #endSegment(flush: boolean): Promise<void> {
    const segment = this.#segment;
    if (segment === undefined) return;
    if (flush) {
      let fragments: Fmp4Fragment[] = [];
      try {
        fragments = segment.muxer.flush();
      } catch (err) {
        this.#logger.warn({ err }, 'last GOP not muxed');
      }
      for (const fragment of fragments) {
        if (!(await this.#writeFragment(segment, fragment))) return;
      }
    }
    this.#segment = undefined;
    await this.#trim(segment);
    try {
      await segment.handle.datasync();
    } catch (err) {
      this.#logger.error({ err, file: segment.file }, 'fdatasync failed');
      this.#raise('write-failed', segment.path, `syncing ${segment.file} failed: ${errorMessage(err)}`);
    }
    await segment.handle.close().catch((err: unknown) => this.#logger.warn({ err, file: segment.file }, 'close failed'));
    if (segment.fragments.length === 0) {
      // Nothing playable was written (the disk was full from the start): leave no empty file behind.
      await unlink(segment.path).catch(() => undefined);
      await this.#catalogue.deleteSegment({ camera: this.#camera, stream: this.#stream, start: segment.start }).catch((err: unknown) => this.#logger.error({ err }, 'catalogue delete failed'));
      return;
    }
    const record = await this.#putSegment(segment, true);
    this.#lastEnd = record.end;
    this.#stats.segments += 1;
    this.#bus?.emit(
      'segmentClosed',
      { camera: this.#camera, file: segment.file, tier: this.#tier.name, start: record.start, end: record.end, bytes: record.size },
      { source: 'storage', cameraId: this.#camera },
    );
  }

  /** Cuts bytes of failed writes off the end of the file, so that it ends on its last complete fragment. */
  async #trim(segment: OpenSegment): Promise<void> {
    if (!segment.dirty) return;
    try {
      await segment.handle.truncate(segment.size);
      segment.dirty = false;
    } catch (err) {
      this.#logger.warn({ err, file: segment.file }, 'truncate failed; crash repair will trim the file');
    }
  }

  async #putSegment(segment: OpenSegment, complete: boolean): Promise<SegmentRecord> {
    const last = segment.fragments.at(-1);
    const record: SegmentRecord = {
      camera: this.#camera,
      stream: this.#stream,
      start: segment.start,
      end: last === undefined ? segment.start : last.time + last.duration,
      tier: this.#tier.name,
      file: segment.file,
      size: segment.size,
      initSize: segment.initSize,
      fragments: [...segment.fragments],
      complete,
      codec: segment.codec,
      ...(segment.width === undefined ? {} : { width: segment.width }),
      ...(segment.height === undefined ? {} : { height: segment.height }),
    };
    try {
      await this.#catalogue.putSegment(record);
    } catch (err) {
      // The file is intact; crash repair re-indexes it from its boxes if the catalogue stays behind.
      this.#logger.error({ err, file: segment.file }, 'catalogue write failed');
    }
    return record;
  }

  /** Opens a gap at `start`, or extends the open one of the same reason; one of another reason ends at `start`. */
  async #beginGap(reason: GapReason, start: number, end = start): Promise<void> {
    const gap = this.#gap;
    if (gap !== undefined && gap.reason === reason) {
      gap.end = Math.max(gap.end, end);
      return;
    }
    if (gap !== undefined) await this.#putGap({ ...gap, end: Math.max(gap.end, start) });
    this.#gap = { reason, start: Math.round(start), end: Math.max(start, end) };
  }

  async #endGap(at: number): Promise<void> {
    const gap = this.#gap;
    this.#gap = undefined;
    if (gap !== undefined) await this.#putGap({ ...gap, end: Math.max(gap.end, at) });
  }

  async #putGap(gap: OpenGap): Promise<void> {
    const end = Math.round(gap.end);
    if (end <= gap.start) return;
    try {
      await this.#catalogue.putGap({ camera: this.#camera, start: gap.start, end, reason: gap.reason });
    } catch (err) {
      this.#logger.error({ err }, 'gap not catalogued');
    }
  }

  #raise(kind: StorageAlarmKind, path: string, message: string): void {
    if (this.#alarm === kind) return;
    this.#alarm = kind;
    this.#bus?.emit('storageAlarmRaised', { kind, camera: this.#camera, path, message }, { source: 'storage', cameraId: this.#camera });
  }

  #recovered(path: string): void {
    const kind = this.#alarm;
    if (kind === undefined) return;
    this.#alarm = undefined;
    this.#logger.info({ kind }, 'storage alarm cleared');
    this.#bus?.emit('storageAlarmCleared', { kind, camera: this.#camera, path }, { source: 'storage', cameraId: this.#camera });
  }
}
