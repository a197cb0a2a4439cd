import { beforeAll, describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode } from '@argus/core';
import { jpegStreamSource } from './jpeg-stream-source.js';
import type { JpegFrame } from './mjpeg-frames.js';
import { testJpeg } from './test/jpeg.test-helper.js';
import { annexB, ffprobeDecode, firstPackets, streamError } from './test/media.test-helper.js';

/** Capture times far from "now", so a packet stamped with a poll time instead would stand out. */
const EPOCH = Date.parse('2001-02-03T04:05:06Z');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('jpegStreamSource', () => {
  let picture: Uint8Array;
  beforeAll(async () => {
    picture = await testJpeg(176, 144);
  });

  /** A camera sending `picture` every `everyMs`, each stamped EPOCH + 40 ms * n; records the signal it got. */
  function camera(everyMs: number, stopAfter = Infinity, signals: AbortSignal[] = []): (signal: AbortSignal) => AsyncIterable<JpegFrame> {
    return async function* (signal) {
      signals.push(signal);
      for (let n = 0; n < stopAfter && !signal.aborted; n++) {
        yield { jpeg: picture, capturedAt: EPOCH + 40 * n };
        await sleep(everyMs);
      }
    };
  }

  it('stamps every H.264 frame with the capture time of its JPEG, pts in 90 kHz from the first', async () => {
    const captured = new Set<number>();
    const packets = await firstPackets(
      jpegStreamSource(camera(50), { maxFps: 30, endpoint: 'test camera', onFrame: (frame) => captured.add(frame.capturedAt) }),
      8,
    );
    const first = packets[0]!.wallClock!;
    for (const packet of packets) {
      expect(captured.has(packet.wallClock!), `${packet.wallClock} is a JPEG capture time`).toBe(true);
      expect(packet.pts).toBe((packet.wallClock! - first) * 90);
      expect(packet.dts).toBe(packet.pts);
    }
    expect(packets[0]!.keyframe).toBe(true);
    expect(await ffprobeDecode(annexB(packets), 'h264')).toMatchObject({ codec: 'h264', width: 176, height: 144, frames: 8 });
  });

  it('fails with the source\'s typed error, and aborts the source when unsubscribed', async () => {
    const broken = async function* (): AsyncIterable<JpegFrame> {
      yield { jpeg: picture, capturedAt: EPOCH };
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: 'test camera', reason: 'bad framing' });
    };
    expect(hasErrorCode(await streamError(jpegStreamSource(broken, { maxFps: 10, endpoint: 'test camera' })), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);

    const signals: AbortSignal[] = [];
    const subscription = jpegStreamSource(camera(50, Infinity, signals), { maxFps: 10, endpoint: 'test camera' }).subscribe();
    await sleep(100);
    subscription.unsubscribe();
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('rejects a non-positive maxFps', () => {
    expect(() => jpegStreamSource(camera(50), { maxFps: 0, endpoint: 'x' })).toThrow(RangeError);
  });
});
