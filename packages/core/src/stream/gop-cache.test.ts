import { from, toArray, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { GopCache, gopCache } from './gop-cache.js';
import { TEST_PACKET_BYTES, labelsOf, packets } from './test-packets.js';

function fill(cache: GopCache, pattern: string): void {
  for (const packet of packets(pattern)) cache.process(packet);
}

describe('GopCache', () => {
  it('keeps packets from the last keyframe, audio in between included', () => {
    const cache = new GopCache();
    fill(cache, 'PAKPAPKPA');
    expect(labelsOf(cache.snapshot())).toEqual(['K6', 'P7', 'A8']);
    expect(cache.toJSON()).toMatchObject({ packets: 3, keyframes: 2, overflows: 0 });
  });

  it('holds nothing before the first keyframe', () => {
    const cache = new GopCache();
    fill(cache, 'PAPA');
    expect(cache.snapshot()).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('empties until the next keyframe when the GOP exceeds maxPackets', () => {
    const cache = new GopCache({ maxPackets: 3 });
    const input = packets('KPPPPKP');
    const seen: string[][] = [];
    for (const packet of input) {
      cache.process(packet);
      seen.push(labelsOf(cache.snapshot()));
    }
    expect(seen).toEqual([['K0'], ['K0', 'P1'], ['K0', 'P1', 'P2'], [], [], ['K5'], ['K5', 'P6']]);
    expect(cache.toJSON().overflows).toBe(1);
  });

  it('empties when the GOP exceeds maxBytes', () => {
    const cache = new GopCache({ maxBytes: TEST_PACKET_BYTES.keyframe + TEST_PACKET_BYTES.delta });
    fill(cache, 'KP');
    expect(cache.toJSON()).toMatchObject({ packets: 2, bytes: 1_100 });
    fill(cache, 'P');
    expect(cache.snapshot()).toEqual([]);
    expect(cache.toJSON()).toMatchObject({ packets: 0, bytes: 0, overflows: 1 });
  });

  it('snapshot is a copy the caller may keep', () => {
    const cache = new GopCache();
    fill(cache, 'KP');
    const snapshot = cache.snapshot();
    fill(cache, 'K');
    expect(labelsOf(snapshot)).toEqual(['K0', 'P1']);
  });

  it('rejects bad bounds', () => {
    expect(() => new GopCache({ maxPackets: 0 })).toThrow(RangeError);
    expect(() => new GopCache({ maxBytes: Number.NaN })).toThrow(RangeError);
  });

  it('operator passes every packet through and records it', async () => {
    const cache = new GopCache();
    const input = packets('PKPA');
    const output = await lastValueFrom(from(input).pipe(gopCache(cache), toArray()));
    expect(output).toEqual(input);
    expect(labelsOf(cache.snapshot())).toEqual(['K1', 'P2', 'A3']);
  });
});
