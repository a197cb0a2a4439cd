import { describe, expect, it } from 'vitest';
import { parsePlaylist, type HlsMediaPlaylist } from './parse-playlist.js';
import { PlaylistTracker } from './playlist-tracker.js';

/** A live media playlist with segments `from`..`to` (inclusive) named seg-<n>.ts, and optional extra lines. */
function live(from: number, to: number, options: { name?: (n: number) => string; discontinuityBefore?: number; discontinuitySequence?: number; endList?: boolean } = {}): HlsMediaPlaylist {
  const name = options.name ?? ((n: number) => `seg-${n}.ts`);
  const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${from}`];
  if (options.discontinuitySequence !== undefined) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${options.discontinuitySequence}`);
  for (let n = from; n <= to; n++) {
    if (n === options.discontinuityBefore) lines.push('#EXT-X-DISCONTINUITY');
    lines.push('#EXTINF:2.0,', name(n));
  }
  if (options.endList === true) lines.push('#EXT-X-ENDLIST');
  const playlist = parsePlaylist(lines.join('\n'));
  if (playlist.kind !== 'media') throw new Error('expected a media playlist');
  return playlist;
}

const sequences = (update: ReturnType<PlaylistTracker['update']>): number[] => update.segments.map((s) => s.segment.mediaSequence);

describe('PlaylistTracker', () => {
  it('joins a live playlist three segments from its end, then hands out each new segment once', () => {
    const tracker = new PlaylistTracker();
    const first = tracker.update(live(10, 15));
    expect(sequences(first)).toEqual([13, 14, 15]);
    expect(first.segments.every((s) => !s.discontinuity)).toBe(true);
    expect(tracker.reloadDelayMs(first.changed)).toBe(2000);
    const same = tracker.update(live(10, 15));
    expect(same).toMatchObject({ changed: false, segments: [] });
    expect(tracker.reloadDelayMs(same.changed)).toBe(1000);
    const next = tracker.update(live(11, 17));
    expect(sequences(next)).toEqual([16, 17]);
    expect(next).toMatchObject({ changed: true, skipped: 0, reset: false, ended: false });
    expect(tracker.lastSequence).toBe(17);
  });

  it('liveStartSegments: 1 joins at the newest segment; a VOD playlist plays from the start and ends', () => {
    expect(sequences(new PlaylistTracker({ liveStartSegments: 1 }).update(live(0, 9)))).toEqual([9]);
    const vod = new PlaylistTracker().update(live(1, 4, { endList: true }));
    expect(sequences(vod)).toEqual([1, 2, 3, 4]);
    expect(vod.ended).toBe(true);
  });

  it('a gap: segments that left the window unseen are counted, and the next one is a discontinuity', () => {
    const tracker = new PlaylistTracker();
    tracker.update(live(0, 5));
    const update = tracker.update(live(9, 12));
    expect(sequences(update)).toEqual([9, 10, 11, 12]);
    expect(update.skipped).toBe(3);
    expect(update.segments[0]).toMatchObject({ discontinuity: true, gapSeconds: 6 });
    expect(update.segments[1]).toMatchObject({ discontinuity: false, gapSeconds: 0 });
    expect(tracker.toJSON().skipped).toBe(3);
  });

  it('rollover: a media sequence that restarts (origin restart, counter wrap) resets to the live edge with a discontinuity', () => {
    const tracker = new PlaylistTracker();
    tracker.update(live(4294967290, 4294967295));
    const update = tracker.update(live(0, 4));
    expect(update.reset).toBe(true);
    expect(sequences(update)).toEqual([2, 3, 4]);
    expect(update.segments[0]?.discontinuity).toBe(true);
    expect(sequences(tracker.update(live(1, 5)))).toEqual([5]);
    expect(tracker.toJSON().resets).toBe(1);
  });

  it('a sequence number that now names another segment is a restart too', () => {
    const tracker = new PlaylistTracker();
    tracker.update(live(0, 5));
    const update = tracker.update(live(3, 6, { name: (n) => `restarted-${n}.ts` }));
    expect(update.reset).toBe(true);
    expect(update.segments[0]?.discontinuity).toBe(true);
    expect(sequences(update)).toEqual([4, 5, 6]);
  });

  it('a session query that changes (Wowza) does not count as a restart', () => {
    const tracker = new PlaylistTracker();
    tracker.update(live(0, 5, { name: (n) => `media_${n}.ts?wowzasessionid=1` }));
    const update = tracker.update(live(1, 6, { name: (n) => `media_${n}.ts?wowzasessionid=2` }));
    expect(update.reset).toBe(false);
    expect(sequences(update)).toEqual([6]);
  });

  it('a stale copy of the playlist (a lagging CDN edge) is ignored, and taken as a restart only if it persists', () => {
    const tracker = new PlaylistTracker({ staleReloadsBeforeReset: 2 });
    tracker.update(live(10, 15));
    const stale = tracker.update(live(9, 14));
    expect(stale).toMatchObject({ segments: [], reset: false, changed: false });
    expect(sequences(tracker.update(live(11, 16)))).toEqual([16]);
    tracker.update(live(10, 15));
    const persisted = tracker.update(live(10, 15));
    expect(persisted.reset).toBe(true);
    expect(tracker.toJSON().staleReloads).toBe(3);
  });

  it('EXT-X-DISCONTINUITY and a new discontinuity sequence mark the segment', () => {
    const tracker = new PlaylistTracker({ liveStartSegments: 6 });
    const first = tracker.update(live(0, 5, { discontinuityBefore: 3 }));
    expect(first.segments.map((s) => s.discontinuity)).toEqual([false, false, false, true, false, false]);
    expect(first.segments.map((s) => s.segment.discontinuitySequence)).toEqual([0, 0, 0, 1, 1, 1]);
    // The tagged segment slid out: the sequence number alone says a discontinuity happened at segment 6.
    const next = tracker.update(live(6, 7, { discontinuitySequence: 2 }));
    expect(next.segments.map((s) => s.discontinuity)).toEqual([true, false]);
  });

  it('an empty live playlist (origin just started) hands out nothing and waits half a target duration', () => {
    const tracker = new PlaylistTracker();
    const empty = parsePlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n') as HlsMediaPlaylist;
    const update = tracker.update(empty);
    expect(update.segments).toEqual([]);
    expect(tracker.reloadDelayMs(tracker.update(empty).changed)).toBe(2000);
    expect(sequences(tracker.update(live(0, 1)))).toEqual([0, 1]);
  });

  it('rejects nonsense options', () => {
    expect(() => new PlaylistTracker({ liveStartSegments: 0 })).toThrow(RangeError);
    expect(() => new PlaylistTracker({ staleReloadsBeforeReset: 1.5 })).toThrow(RangeError);
  });
});
