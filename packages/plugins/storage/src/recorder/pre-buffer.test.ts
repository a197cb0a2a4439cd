import type { TrackInfo } from '@argus/core';
import { syntheticFrameIndex, syntheticPacket } from '@argus/core/testing';
import { describe, expect, it } from 'vitest';
import { PreBuffer } from './pre-buffer.js';

const video: TrackInfo = { id: 0, kind: 'video', codec: 'synthetic', timescale: 90_000, fps: 25 };
const audio: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48_000 };
/** Frame `index` of a 25 fps stream with a keyframe every 25 frames (1 s GOPs), 100-byte frames. */
const frame = (index: number) => syntheticPacket(video, index, 25, 100);

describe('PreBuffer', () => {
  it('ignores packets until the first keyframe', () => {
    const buffer = new PreBuffer({ seconds: 5 });
    buffer.push(frame(3));
    buffer.push({ track: audio, pts: 0, keyframe: true, units: [new Uint8Array(10)] });
    expect(buffer.ready).toBe(false);
    expect(buffer.stats()).toMatchObject({ packets: 0, bytes: 0 });
  });

  it('holds whole GOPs starting at most `seconds` before the newest packet, by packet time', () => {
    const buffer = new PreBuffer({ seconds: 5 });
    for (let index = 0; index <= 249; index += 1) buffer.push(frame(index)); // 10 s of video
    const held = buffer.stats();
    expect(held.seconds).toBeGreaterThan(4);
    expect(held.seconds).toBeLessThanOrEqual(5);
    const packets = buffer.take();
    expect(packets[0]?.keyframe).toBe(true);
    // Newest is frame 249 (9.96 s): GOPs from 4.96 s onwards, i.e. the keyframe of frame 125 (5 s).
    expect(syntheticFrameIndex(packets[0]!)).toBe(125);
    expect(packets.map(syntheticFrameIndex)).toEqual(Array.from({ length: 125 }, (_, i) => 125 + i));
    expect(buffer.ready).toBe(false);
  });

  it('keeps the current GOP with zero seconds, so a recording can start on its keyframe', () => {
    const buffer = new PreBuffer({ seconds: 0 });
    for (let index = 0; index < 60; index += 1) buffer.push(frame(index));
    expect(buffer.take().map(syntheticFrameIndex)).toEqual(Array.from({ length: 10 }, (_, i) => 50 + i));
  });

  it('is bounded by bytes: drops the oldest GOPs, and a GOP alone over the bound until the next keyframe', () => {
    // A GOP is 800 + 24 * 100 = 3200 bytes.
    const buffer = new PreBuffer({ seconds: 60, maxBytes: 7_000 });
    let over = 0;
    for (let index = 0; index < 250; index += 1) if (buffer.push(frame(index))) over += 1;
    expect(over).toBeGreaterThan(0);
    expect(buffer.stats().bytes).toBeLessThanOrEqual(7_000);
    expect(buffer.stats().droppedForBytes).toBeGreaterThan(0);
    expect(buffer.take()[0]?.keyframe).toBe(true);

    const tiny = new PreBuffer({ seconds: 60, maxBytes: 1_000 });
    for (let index = 0; index < 30; index += 1) tiny.push(frame(index));
    expect(tiny.stats().bytes).toBeLessThanOrEqual(1_000);
    const packets = tiny.take();
    expect(packets.length === 0 || packets[0]?.keyframe === true).toBe(true);
  });

  it('rejects a bad bound', () => {
    expect(() => new PreBuffer({ seconds: -1 })).toThrow(RangeError);
    expect(() => new PreBuffer({ seconds: 1, maxBytes: 0 })).toThrow(RangeError);
  });
});
