// bench/storage: N cameras recorded at accelerated time. One SegmentWriter per camera over one shared Catalogue, as
// the storage plugin runs them; a ManualClock moves with the media time, so a day of recording takes as long as the
// machine needs to mux, write and catalogue it. All cameras send in lockstep, frame by frame.
import { readFileSync } from 'node:fs';
import { ManualClock } from '@argus/core';
import { Fmp4Muxer, type Fmp4Fragment } from '@argus/core/media';
import { SegmentWriter, type Catalogue, type StorageTier } from '@argus/plugin-storage';
import { loopPacket, type Loop } from './loop-media.js';

/** Segment length the bench records with (the plugin's default). */
export const SEGMENT_SECONDS = 60;

/** Camera ids of the bench: `cam-000`, `cam-001`... */
export function cameraId(index: number): string {
  return `cam-${String(index).padStart(3, '0')}`;
}

/** What a recording run did. */
export interface RecordResult {
  /** Media seconds recorded per camera (less than asked when the deadline stopped it). */
  seconds: number;
  /** Bytes of segment files (init segments and fragments), all cameras. */
  bytes: number;
  segments: number;
  fragments: number;
  droppedFragments: number;
  droppedPackets: number;
  wallMs: number;
}

/** Options of {@link recordCameras}. */
export interface RecordOptions {
  readonly loop: Loop;
  readonly cameras: number;
  readonly seconds: number;
  readonly catalogue: Catalogue;
  readonly tier: StorageTier;
  /** Wall-clock ms of the first frame. */
  readonly start: number;
  /** Stop (at a media-minute boundary) once `Date.now()` passes this. */
  readonly deadline?: number;
  /** Called about every media hour. */
  readonly progress?: (mediaSeconds: number) => void;
}

/** Records `cameras` cameras playing `loop` for `seconds` of media time, then closes every writer. */
export async function recordCameras(options: RecordOptions): Promise<RecordResult> {
  const { loop, cameras, catalogue, tier, start } = options;
  const fps = loop.profile.fps;
  const clock = new ManualClock(start);
  const writers = Array.from({ length: cameras }, (_, i) => new SegmentWriter({ camera: cameraId(i), stream: 'main', catalogue, tier, clock, segmentSeconds: SEGMENT_SECONDS }));
  const began = performance.now();
  const total = Math.round(options.seconds * fps);
  const minute = 60 * fps;
  let frame = 0;
  for (; frame < total; frame++) {
    if (frame % minute === 0 && frame > 0) {
      if (options.deadline !== undefined && Date.now() > options.deadline) break;
      if (frame % (60 * minute) === 0) options.progress?.(frame / fps);
    }
    clock.set(start + (frame * 1000) / fps);
    const packet = loopPacket(loop, frame);
    await Promise.all(writers.map((writer) => writer.write(packet)));
  }
  clock.set(start + (frame * 1000) / fps);
  await Promise.all(writers.map((writer) => writer.close('bench end')));
  const wallMs = performance.now() - began;
  const result: RecordResult = { seconds: frame / fps, bytes: 0, segments: 0, fragments: 0, droppedFragments: 0, droppedPackets: 0, wallMs };
  for (const writer of writers) {
    const stats = writer.stats();
    result.bytes += stats.bytes;
    result.segments += stats.segments;
    result.fragments += stats.fragments;
    result.droppedFragments += stats.droppedFragments;
    result.droppedPackets += stats.droppedPackets;
  }
  return result;
}

/** One segment file's worth of muxer output: the init segment, then one fragment per GOP. */
export interface MuxedSegment {
  readonly init: Uint8Array;
  readonly fragments: readonly Fmp4Fragment[];
}

/**
 * The bytes a {@link SegmentWriter} writes for one camera playing `loop` for `seconds`: the same muxer, fed the same
 * packets, cut into files at the same keyframes (the first one {@link SEGMENT_SECONDS} after a file's start).
 */
export function muxLikeTheWriter(loop: Loop, seconds: number): MuxedSegment[] {
  const fps = loop.profile.fps;
  const out: { init: Uint8Array; fragments: Fmp4Fragment[] }[] = [];
  let muxer: Fmp4Muxer | undefined;
  let current: { init: Uint8Array; fragments: Fmp4Fragment[] } | undefined;
  let segmentStart = 0;
  const total = Math.round(seconds * fps);
  for (let frame = 0; frame < total; frame++) {
    const packet = loopPacket(loop, frame);
    if (packet.keyframe && (muxer === undefined || ((frame - segmentStart) * 1000) / fps >= SEGMENT_SECONDS * 1000)) {
      if (muxer !== undefined && current !== undefined) current.fragments.push(...muxer.flush());
      muxer = new Fmp4Muxer([loop.track]);
      current = { init: muxer.initSegment(), fragments: [] };
      out.push(current);
      segmentStart = frame;
    }
    if (muxer !== undefined && current !== undefined) current.fragments.push(...muxer.process(packet));
  }
  if (muxer !== undefined && current !== undefined) current.fragments.push(...muxer.flush());
  return out;
}

/** Bytes of a muxed camera-stream. */
export function muxedBytes(segments: readonly MuxedSegment[]): number {
  let total = 0;
  for (const s of segments) {
    total += s.init.byteLength;
    for (const f of s.fragments) total += f.byteLength;
  }
  return total;
}

/** This process's I/O counters (`/proc/self/io`): bytes passed to write/read syscalls by any of its threads, and bytes sent to storage. */
export interface ProcessIo {
  wchar: number;
  writeBytes: number;
}

/** Reads `/proc/self/io` (Linux). */
export function processIo(): ProcessIo {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { wchar: field('wchar'), writeBytes: field('write_bytes') };
}
