// Picks, from a catalogue range read, the fragments that play a time range, and where their files are.
import { join } from 'node:path';
import type { StorageTier } from '../writer/storage-tier.js';
import { ArgusError } from '@argus/core';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { FragmentEntry, SegmentRecord, StreamChoice } from '../catalogue/records.js';

/** One fragment chosen for playback, with the segment it belongs to. */
export interface PlannedFragment {
  readonly segment: SegmentRecord;
  readonly fragment: FragmentEntry;
}

/** Longest range `open`, `hlsPlaylist` and `exportCase` take: one day. */
export const MAX_PLAY_RANGE_MS = 24 * 60 * 60 * 1000;

/** Longest range a timeline takes: a week. */
export const MAX_TIMELINE_RANGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Checks `[from, to)` and returns nothing, or throws `ARGUS_ERR_STORAGE_RANGE_INVALID` for a range that is not a pair
 * of finite times with `to > from`, or is longer than `maxMs`.
 */
export function checkRange(from: number, to: number, maxMs: number): void {
  let reason: string | undefined;
  if (!Number.isFinite(from) || !Number.isFinite(to)) reason = `from (${from}) and to (${to}) must be finite times in ms`;
  else if (to <= from) reason = `to (${new Date(to).toISOString()}) must be after from (${new Date(from).toISOString()})`;
  else if (to - from > maxMs) reason = `the range is ${Math.round((to - from) / 1000)} s long; at most ${maxMs / 1000} s are allowed`;
  if (reason !== undefined) throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason });
}

/** The stream asked for, else `main` when it has footage in the range, else `sub`. */
function chooseStream(segments: readonly SegmentRecord[], stream: StreamChoice | undefined): StreamChoice {
  if (stream !== undefined) return stream;
  return segments.some((s) => s.stream === 'main') || !segments.some((s) => s.stream === 'sub') ? 'main' : 'sub';
}

/**
 * The fragments of `segments` (one stream, from one catalogue range read) that play `[from, to)`: from the fragment at
 * or before `from` (each opens on a keyframe) through the one covering `to`, in time order. Only fragments the catalogue
 * vouches for (inside `size`, after the init segment) are taken, and a fragment that would step back in time (overlapping
 * segments) is skipped, so the result is monotonic.
 */
function planFragments(segments: readonly SegmentRecord[], from: number, to: number): PlannedFragment[] {
  const ordered = [...segments].sort((a, b) => a.start - b.start);
  const out: PlannedFragment[] = [];
  let lastTime = -Infinity;
  for (const segment of ordered) {
    for (const fragment of segment.fragments) {
      if (fragment.offset < segment.initSize || fragment.offset + fragment.size > segment.size || fragment.size <= 0) continue;
      if (fragment.time >= to || fragment.time + Math.max(1, fragment.duration) <= from) continue;
      if (fragment.time < lastTime) continue;
      lastTime = fragment.time;
      out.push({ segment, fragment });
    }
  }
  return out;
}

/**
 * One catalogue range read: the stream to play ({@link chooseStream}) and its fragments that play `[from, to)`
 * ({@link planFragments}); an empty plan when the camera has no recording there.
 */
export async function planRange(catalogue: Catalogue, camera: string, from: number, to: number, stream: StreamChoice | undefined): Promise<{ stream: StreamChoice; plan: PlannedFragment[] }> {
  const segments = await catalogue.segments(camera, from, to);
  const chosen = chooseStream(segments, stream);
  return { stream: chosen, plan: planFragments(segments.filter((s) => s.stream === chosen), from, to) };
}

/** Resolves tiers by name. */
export function tierMap(tiers: readonly StorageTier[]): ReadonlyMap<string, StorageTier> {
  return new Map(tiers.map((tier) => [tier.name, tier]));
}

/**
 * The absolute path of a segment's file.
 *
 * @throws ArgusError `ARGUS_ERR_STORAGE_IO` when the record names a tier that is not configured.
 */
export function segmentPath(tiers: ReadonlyMap<string, StorageTier>, segment: SegmentRecord): string {
  const tier = tiers.get(segment.tier);
  if (tier === undefined) {
    throw new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'read segment', path: segment.file, reason: `no storage tier named "${segment.tier}" is configured` });
  }
  return join(tier.root, segment.file);
}
