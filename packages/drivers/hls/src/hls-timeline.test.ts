import type { TrackInfo } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { HlsTimeline } from './hls-timeline.js';
import type { SegmentPacket } from './segment-reader.js';

const video: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90000, fps: 10 };
const audio: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48000, sampleRate: 48000, channels: 1 };
const unit = [Uint8Array.of(0x65, 0x88)];

/** One second of video (10 frames) starting at `start` seconds of the segment's own clock, and audio alongside. */
function second(start: number, withAudio = false): SegmentPacket[] {
  const out: SegmentPacket[] = [];
  for (let i = 0; i < 10; i++) {
    const t = Math.round((start + i / 10) * 90000);
    out.push({ track: video, dts: t, pts: t, keyframe: i === 0, units: unit });
  }
  if (withAudio) {
    for (let i = 0; i * 1024 < 48000; i++) {
      const t = Math.round(start * 48000) + i * 1024;
      out.push({ track: audio, dts: t, pts: t, duration: 1024, keyframe: true, units: unit });
    }
  }
  return out;
}

function increasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as number));
}

describe('HlsTimeline', () => {
  it('starts at 0 and keeps continuous segments as they are', () => {
    const timeline = new HlsTimeline();
    const a = timeline.process({ discontinuity: false, duration: 1 }, second(100));
    const b = timeline.process({ discontinuity: false, duration: 1 }, second(101));
    expect(a[0]?.pts).toBe(0);
    expect(b[0]?.pts).toBe(90000);
    expect(timeline.toJSON().discontinuities).toBe(0);
  });

  it('re-anchors an announced discontinuity at the end of the previous segment, video and audio with one offset', () => {
    const timeline = new HlsTimeline();
    timeline.process({ discontinuity: false, duration: 1 }, second(5000, true));
    const after = timeline.process({ discontinuity: true, duration: 1 }, second(3, true));
    const v = after.filter((p) => p.track === video);
    const a = after.filter((p) => p.track === audio);
    // The previous segment's audio (47 frames of 1024 samples) ended last, at 48128/48000 s: both tracks go on from there.
    expect(a[0]?.pts).toBe(47 * 1024);
    expect(v[0]?.pts).toBe(Math.round(((47 * 1024) / 48000) * 90000));
    expect(timeline.toJSON().discontinuities).toBe(1);
  });

  it('a missed stretch (gapSeconds) is kept as a gap after a discontinuity', () => {
    const timeline = new HlsTimeline();
    timeline.process({ discontinuity: false, duration: 1 }, second(0));
    const after = timeline.process({ discontinuity: true, gapSeconds: 4, duration: 1 }, second(77));
    expect(after[0]?.pts).toBe(5 * 90000);
  });

  it('an unannounced jump back (origin restarted its clock) or far forward re-anchors too', () => {
    const timeline = new HlsTimeline();
    timeline.process({ discontinuity: false, duration: 1 }, second(50));
    const back = timeline.process({ discontinuity: false, duration: 1 }, second(0));
    expect(back[0]?.pts).toBe(90000);
    const forward = timeline.process({ discontinuity: false, duration: 1 }, second(3600));
    expect(forward[0]?.pts).toBe(2 * 90000);
    expect(timeline.toJSON().unannounced).toBe(2);
    // A jump within the segment length plus the tolerance is a normal gap in the stream, kept as is.
    const small = timeline.process({ discontinuity: false, duration: 1 }, second(3603));
    expect(small[0]?.pts).toBe(5 * 90000);
  });

  it('a decode time that does not advance is nudged so each track stays strictly increasing', () => {
    const timeline = new HlsTimeline();
    const packets = second(0);
    const repeated = [...packets, { ...(packets[9] as SegmentPacket) }];
    const out = timeline.process({ discontinuity: false, duration: 1 }, repeated);
    expect(increasing(out.map((p) => p.dts ?? p.pts))).toBe(true);
    expect(timeline.toJSON().nudged).toBe(1);
  });

  it('B-frames keep pts != dts, with dts exposed', () => {
    const timeline = new HlsTimeline();
    const out = timeline.process({ discontinuity: false, duration: 1 }, [
      { track: video, dts: 0, pts: 9000, keyframe: true, units: unit },
      { track: video, dts: 9000, pts: 36000, keyframe: false, units: unit },
      { track: video, dts: 18000, pts: 18000, keyframe: false, units: unit },
    ]);
    expect(out.map((p) => [p.dts, p.pts])).toEqual([
      [0, 9000],
      [9000, 36000],
      [undefined, 18000],
    ]);
  });

  it('wallClock from PROGRAM-DATE-TIME, carried to segments without one, dropped at a discontinuity', () => {
    const timeline = new HlsTimeline();
    const date = Date.parse('2026-03-01T08:00:00Z');
    const a = timeline.process({ discontinuity: false, duration: 1, programDateTime: date }, second(10));
    expect(a[0]?.wallClock).toBe(date);
    expect(a[5]?.wallClock).toBe(date + 500);
    const b = timeline.process({ discontinuity: false, duration: 1 }, second(11));
    expect(b[0]?.wallClock).toBe(date + 1000);
    const c = timeline.process({ discontinuity: true, duration: 1 }, second(0));
    expect(c[0]?.wallClock).toBeUndefined();
  });

  it('a new track object of the same kind (new parameter sets) continues the clock', () => {
    const timeline = new HlsTimeline();
    timeline.process({ discontinuity: false, duration: 1 }, second(0));
    const next = { ...video, width: 640 };
    const out = timeline.process({ discontinuity: false, duration: 1 }, [{ track: next, dts: 0, pts: 0, keyframe: true, units: unit }]);
    expect(out[0]?.pts).toBeGreaterThan(9 * 9000);
  });
});
