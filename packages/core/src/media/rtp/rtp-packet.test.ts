import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { parseRtp, serializeRtp } from './rtp-packet.js';

function expectMalformed(bytes: Uint8Array): void {
  let caught: unknown;
  try {
    parseRtp(bytes);
  } catch (err) {
    caught = err;
  }
  expect(hasErrorCode(caught, 'ARGUS_ERR_RTP_MALFORMED')).toBe(true);
}

describe('parseRtp / serializeRtp', () => {
  it('round-trips header fields, CSRCs and an extension', () => {
    const payload = Uint8Array.of(1, 2, 3, 4, 5);
    const bytes = serializeRtp({
      payloadType: 96,
      marker: true,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      csrcs: [1, 0xffffffff],
      extension: { profile: 0xbede, data: Uint8Array.of(9, 8, 7, 6) },
      payload,
    });
    const packet = parseRtp(bytes);
    expect(packet).toMatchObject({ payloadType: 96, marker: true, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef });
    expect(packet.csrcs).toEqual([1, 0xffffffff]);
    expect(packet.extension?.profile).toBe(0xbede);
    expect([...packet.extension!.data]).toEqual([9, 8, 7, 6]);
    expect([...packet.payload]).toEqual([1, 2, 3, 4, 5]);
    expect(packet.payload.buffer).toBe(bytes.buffer); // a view, not a copy
  });

  it('strips padding', () => {
    const bytes = serializeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3, payload: Uint8Array.of(7, 7) });
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    padded[0]! |= 0x20;
    padded[padded.length - 1] = 4;
    expect([...parseRtp(padded).payload]).toEqual([7, 7]);
  });

  it('rejects malformed packets with ARGUS_ERR_RTP_MALFORMED', () => {
    const good = serializeRtp({ payloadType: 96, sequence: 1, timestamp: 2, ssrc: 3, payload: Uint8Array.of(1, 2, 3, 4) });
    expectMalformed(good.subarray(0, 11)); // truncated header
    const badVersion = good.slice();
    badVersion[0] = 0x40;
    expectMalformed(badVersion);
    const padding = good.slice();
    padding[0]! |= 0x20;
    padding[padding.length - 1] = 200; // more padding than the packet
    expectMalformed(padding);
    const zeroPadding = good.slice();
    zeroPadding[0]! |= 0x20;
    zeroPadding[zeroPadding.length - 1] = 0;
    expectMalformed(zeroPadding);
    const csrc = good.slice();
    csrc[0]! |= 0x0f; // 15 CSRCs announced, none there
    expectMalformed(csrc);
    const ext = good.slice();
    ext[0]! |= 0x10;
    ext[14] = 0x10; // extension of 4096 words
    expectMalformed(ext);
    const shortExt = good.slice(0, 14);
    shortExt[0]! |= 0x10;
    expectMalformed(shortExt);
  });
});
