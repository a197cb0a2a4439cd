import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { buildReceiverReport, buildSenderReport, parseRtcp, SenderReportClock, senderReportId, type ReportBlock } from './rtcp.js';

/** An SR for 2024-01-01T00:00:00.500Z at RTP timestamp 0xfffff000, then an SDES and a BYE. */
function compound(): Uint8Array {
  const sr = new DataView(new ArrayBuffer(28));
  sr.setUint8(0, 0x80);
  sr.setUint8(1, 200);
  sr.setUint16(2, 6);
  sr.setUint32(4, 0xcafe);
  sr.setUint32(8, Date.UTC(2024, 0, 1) / 1000 + 2208988800);
  sr.setUint32(12, 0x80000000); // half a second
  sr.setUint32(16, 0xfffff000);
  sr.setUint32(20, 77);
  sr.setUint32(24, 7777);
  const sdes = Uint8Array.of(0x81, 202, 0, 3, 0, 0, 0xca, 0xfe, 1, 3, 0x63, 0x61, 0x6d, 0, 0, 0);
  const unknown = Uint8Array.of(0x80, 204, 0, 1, 1, 2, 3, 4); // APP, skipped
  const bye = Uint8Array.of(0x81, 203, 0, 2, 0, 0, 0xca, 0xfe, 2, 0x6f, 0x6b, 0);
  const out = new Uint8Array(28 + sdes.length + unknown.length + bye.length);
  out.set(new Uint8Array(sr.buffer), 0);
  out.set(sdes, 28);
  out.set(unknown, 28 + sdes.length);
  out.set(bye, 28 + sdes.length + unknown.length);
  return out;
}

function expectMalformed(bytes: Uint8Array): void {
  let caught: unknown;
  try {
    parseRtcp(bytes);
  } catch (err) {
    caught = err;
  }
  expect(hasErrorCode(caught, 'ARGUS_ERR_RTCP_MALFORMED')).toBe(true);
}

describe('parseRtcp', () => {
  it('parses SR, SDES, unknown and BYE of a compound packet', () => {
    const [sr, sdes, other, bye] = parseRtcp(compound());
    expect(sr).toMatchObject({ type: 'sr', ssrc: 0xcafe, rtpTimestamp: 0xfffff000, packetCount: 77, octetCount: 7777 });
    expect(sr?.type === 'sr' && sr.wallClock).toBe(Date.UTC(2024, 0, 1) + 500);
    expect(sdes).toEqual({ type: 'sdes', chunks: [{ ssrc: 0xcafe, items: [{ type: 1, value: 'cam' }] }] });
    expect(other).toMatchObject({ type: 'other', packetType: 204 });
    expect(bye).toEqual({ type: 'bye', ssrcs: [0xcafe], reason: 'ok' });
  });

  it('maps RTP timestamps to wall clock from the SR, across the 2^32 wrap', () => {
    const [sr] = parseRtcp(compound());
    if (sr?.type !== 'sr') throw new Error('no SR');
    const clock = new SenderReportClock(90000);
    expect(clock.wallClockOf(1)).toBeUndefined();
    clock.update(sr);
    expect(clock.wallClockOf(0xfffff000)).toBe(Date.UTC(2024, 0, 1) + 500);
    expect(clock.wallClockOf((0xfffff000 + 90000) >>> 0)).toBe(Date.UTC(2024, 0, 1) + 1500); // wrapped
    expect(clock.wallClockOf(0xfffff000 - 45000)).toBe(Date.UTC(2024, 0, 1));
    expect(senderReportId(sr)).toBe((((Date.UTC(2024, 0, 1) / 1000 + 2208988800) & 0xffff) * 65536 + 0x8000) >>> 0);
  });

  it('builds RR + SDES CNAME that parses back', () => {
    const block: ReportBlock = {
      ssrc: 0xcafe,
      fractionLost: 64,
      cumulativeLost: -3,
      highestSequence: 0x1fffe,
      jitter: 321,
      lastSenderReport: 0xabcd1234,
      delaySinceLastSenderReport: 65536,
    };
    const bytes = buildReceiverReport({ ssrc: 0x1111, reports: [block, { ...block, ssrc: 7, cumulativeLost: 8_000_000 }], cname: 'argus@host' });
    expect(bytes.length % 4).toBe(0);
    const [rr, sdes] = parseRtcp(bytes);
    expect(rr).toEqual({ type: 'rr', ssrc: 0x1111, reports: [block, { ...block, ssrc: 7, cumulativeLost: 8_000_000 }] });
    expect(sdes).toEqual({ type: 'sdes', chunks: [{ ssrc: 0x1111, items: [{ type: 1, value: 'argus@host' }] }] });
  });

  it('rejects malformed RTCP with ARGUS_ERR_RTCP_MALFORMED', () => {
    const good = compound();
    expectMalformed(good.subarray(0, 3));
    expectMalformed(good.subarray(0, 20)); // SR length beyond the datagram
    const badVersion = good.slice();
    badVersion[0] = 0x40;
    expectMalformed(badVersion);
    const badLength = good.slice();
    badLength[3] = 200;
    expectMalformed(badLength);
    const badCount = good.slice();
    badCount[0] = 0x83; // 3 report blocks announced, none there
    expectMalformed(badCount);
    expectMalformed(Uint8Array.of(0x81, 202, 0, 1, 0, 0, 0, 1)); // SDES chunk without its null item
    expectMalformed(Uint8Array.of(0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62)); // SDES item overruns
    expectMalformed(Uint8Array.of(0x82, 203, 0, 1, 0, 0, 0, 1)); // BYE with 2 sources, one there
    expectMalformed(Uint8Array.of(0xa0, 201, 0, 1, 0, 0, 0, 9)); // padding of 9 bytes in an 8-byte packet
    expectMalformed(Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 1, 0x80)); // trailing byte
  });
});

describe('buildSenderReport', () => {
  it('round-trips through parseRtcp with the wall clock, RTP time and counters', () => {
    const wallClock = Date.UTC(2024, 0, 1, 12) + 250;
    const bytes = buildSenderReport({
      ssrc: 0xdeadbeef,
      wallClock,
      rtpTimestamp: 0xfffffff0,
      packetCount: 12,
      octetCount: 3456,
      cname: 'argus',
    });
    const [sr, sdes, ...rest] = parseRtcp(bytes);
    expect(rest).toEqual([]);
    expect(sr).toMatchObject({ type: 'sr', ssrc: 0xdeadbeef, rtpTimestamp: 0xfffffff0, packetCount: 12, octetCount: 3456, reports: [] });
    expect(sr?.type === 'sr' ? sr.wallClock : 0).toBeCloseTo(wallClock, 3);
    expect(sdes).toEqual({ type: 'sdes', chunks: [{ ssrc: 0xdeadbeef, items: [{ type: 1, value: 'argus' }] }] });
  });

  it('rejects an over-long CNAME', () => {
    expect(() => buildSenderReport({ ssrc: 1, wallClock: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0, cname: 'x'.repeat(256) })).toThrow(RangeError);
  });
});
