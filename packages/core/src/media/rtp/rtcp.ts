import { ArgusError } from '../../errors/argus-error.js';
import { readU32, writeU32 } from './rtp-packet.js';

/** One reception report block (RFC 3550 6.4.1), in SR and RR packets. */
export interface ReportBlock {
  /** Source the block reports on. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, in 1/256. */
  readonly fractionLost: number;
  /** Cumulative packets lost (signed 24-bit). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received. */
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp (LSR), 0 if none. */
  readonly lastSenderReport: number;
  /** Delay since that SR in 1/65536 s (DLSR). */
  readonly delaySinceLastSenderReport: number;
}

/** RTCP sender report (PT 200). */
export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp, seconds since 1900 (upper 32 bits). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second in 1/2^32 (lower 32 bits). */
  readonly ntpFraction: number;
  /** The NTP time as milliseconds since the Unix epoch. */
  readonly wallClock: number;
  /** RTP timestamp that corresponds to the NTP time. */
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
}

/** RTCP receiver report (PT 201). */
export interface RtcpReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
}

/** One SDES item (type 1 is CNAME). */
export interface SdesItem {
  readonly type: number;
  readonly value: string;
}

/** RTCP source description (PT 202). */
export interface RtcpSourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly { readonly ssrc: number; readonly items: readonly SdesItem[] }[];
}

/** RTCP goodbye (PT 203). */
export interface RtcpGoodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

/** An RTCP packet of a type not interpreted here (APP, feedback, XR...), kept raw. */
export interface RtcpOther {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count/format field of the header. */
  readonly count: number;
  /** Body after the 4-byte header, without padding. */
  readonly body: Uint8Array;
}

/** Any packet of a compound RTCP packet. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpOther;

const NTP_UNIX_OFFSET_S = 2_208_988_800;
const REPORT_BLOCK = 24;
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

function malformed(reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_RTCP_MALFORMED', { reason });
}

/** NTP 64-bit time (seconds since 1900 and 1/2^32 fraction) to milliseconds since the Unix epoch. */
export function ntpToUnixMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 4294967296) * 1000;
}

/** Milliseconds since the Unix epoch to NTP seconds and fraction. */
export function unixMsToNtp(ms: number): { seconds: number; fraction: number } {
  const totalSeconds = Math.floor(ms / 1000);
  const fraction = Math.round(((ms - totalSeconds * 1000) / 1000) * 4294967296);
  return { seconds: (totalSeconds + NTP_UNIX_OFFSET_S) >>> 0, fraction: Math.min(fraction, 0xffffffff) };
}

/**
 * Parses a compound RTCP packet into its packets. Unknown packet types are returned as `other`, not rejected.
 *
 * @throws ArgusError `ARGUS_ERR_RTCP_MALFORMED` on a bad version, a length beyond the datagram, report blocks or
 * SDES/BYE contents that do not fit their packet, or bad padding.
 * @example
 * ```ts
 * for (const p of parseRtcp(datagram)) if (p.type === 'sr') srClock.update(p);
 * ```
 */
export function parseRtcp(bytes: Uint8Array): RtcpPacket[] {
  const packets: RtcpPacket[] = [];
  let offset = 0;
  if (bytes.byteLength < 4) throw malformed(`only ${bytes.byteLength} bytes`);
  while (offset < bytes.byteLength) {
    if (bytes.byteLength - offset < 4) throw malformed(`${bytes.byteLength - offset} trailing bytes`);
    const b0 = bytes[offset]!;
    if (b0 >> 6 !== 2) throw malformed(`version ${b0 >> 6}, expected 2`);
    const count = b0 & 0x1f;
    const packetType = bytes[offset + 1]!;
    const length = (((bytes[offset + 2]! << 8) | bytes[offset + 3]!) + 1) * 4;
    if (offset + length > bytes.byteLength) {
      throw malformed(`packet type ${packetType} of ${length} bytes overruns the datagram`);
    }
    let end = offset + length;
    if ((b0 & 0x20) !== 0) {
      const padding = bytes[end - 1]!;
      if (padding === 0 || padding > length - 4) throw malformed(`padding of ${padding} bytes`);
      end -= padding;
    }
    const body = bytes.subarray(offset + 4, end);
    packets.push(parseOne(packetType, count, body));
    offset += length;
  }
  return packets;
}

function parseOne(packetType: number, count: number, body: Uint8Array): RtcpPacket {
  switch (packetType) {
    case 200: {
      if (body.byteLength < 24 + count * REPORT_BLOCK) throw malformed('sender report shorter than its report count');
      const ntpSeconds = readU32(body, 4);
      const ntpFraction = readU32(body, 8);
      return {
        type: 'sr',
        ssrc: readU32(body, 0),
        ntpSeconds,
        ntpFraction,
        wallClock: ntpToUnixMs(ntpSeconds, ntpFraction),
        rtpTimestamp: readU32(body, 12),
        packetCount: readU32(body, 16),
        octetCount: readU32(body, 20),
        reports: parseBlocks(body, 24, count),
      };
    }
    case 201:
      if (body.byteLength < 4 + count * REPORT_BLOCK) throw malformed('receiver report shorter than its report count');
      return { type: 'rr', ssrc: readU32(body, 0), reports: parseBlocks(body, 4, count) };
    case 202:
      return parseSdes(body, count);
    case 203: {
      if (body.byteLength < count * 4) throw malformed('BYE shorter than its source count');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(readU32(body, i * 4));
      const at = count * 4;
      if (at < body.byteLength) {
        const len = body[at]!;
        if (at + 1 + len > body.byteLength) throw malformed('BYE reason beyond its packet');
        return { type: 'bye', ssrcs, reason: textDecoder.decode(body.subarray(at + 1, at + 1 + len)) };
      }
      return { type: 'bye', ssrcs };
    }
    default:
      return { type: 'other', packetType, count, body };
  }
}

function parseBlocks(body: Uint8Array, start: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * REPORT_BLOCK;
    blocks.push({
      ssrc: readU32(body, at),
      fractionLost: body[at + 4]!,
      cumulativeLost: ((body[at + 5]! << 24) | (body[at + 6]! << 16) | (body[at + 7]! << 8)) >> 8,
      highestSequence: readU32(body, at + 8),
      jitter: readU32(body, at + 12),
      lastSenderReport: readU32(body, at + 16),
      delaySinceLastSenderReport: readU32(body, at + 20),
    });
  }
  return blocks;
}

function parseSdes(body: Uint8Array, count: number): RtcpSourceDescription {
  const chunks: { ssrc: number; items: SdesItem[] }[] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    if (at + 4 > body.byteLength) throw malformed('SDES chunk beyond its packet');
    const ssrc = readU32(body, at);
    at += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (at >= body.byteLength) throw malformed('SDES chunk without its terminating null item');
      const type = body[at]!;
      if (type === 0) {
        at = (at + 4) & ~3; // the null item, then padding to the next 32-bit boundary
        break;
      }
      if (at + 2 > body.byteLength) throw malformed('SDES item header beyond its packet');
      const len = body[at + 1]!;
      if (at + 2 + len > body.byteLength) throw malformed('SDES item beyond its packet');
      items.push({ type, value: textDecoder.decode(body.subarray(at + 2, at + 2 + len)) });
      at += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

/** What {@link buildReceiverReport} puts in the compound packet. */
export interface ReceiverReportInit {
  /** SSRC of the reporter (us). */
  readonly ssrc: number;
  /** Up to 31 report blocks. */
  readonly reports: readonly ReportBlock[];
  /** CNAME for the SDES packet that RFC 3550 requires in every compound packet. */
  readonly cname: string;
}

/**
 * Builds a compound RTCP packet: a receiver report with its blocks, then an SDES with our CNAME.
 *
 * @throws RangeError with more than 31 report blocks or a CNAME longer than 255 bytes.
 * @example
 * ```ts
 * const block = receiver.reportBlock();
 * rtcpSocket.send(buildReceiverReport({ ssrc: 0x1234, reports: block ? [block] : [], cname: 'argus' }));
 * ```
 */
export function buildReceiverReport(init: ReceiverReportInit): Uint8Array {
  if (init.reports.length > 31) throw new RangeError(`At most 31 report blocks, got ${init.reports.length}`);
  const cname = textEncoder.encode(init.cname);
  if (cname.byteLength > 255) throw new RangeError('CNAME longer than 255 bytes');
  const rrLength = 8 + init.reports.length * REPORT_BLOCK;
  const sdesLength = (4 + 4 + 2 + cname.byteLength + 1 + 3) & ~3;
  const out = new Uint8Array(rrLength + sdesLength);
  out[0] = 0x80 | init.reports.length;
  out[1] = 201;
  out[2] = ((rrLength / 4 - 1) >> 8) & 0xff;
  out[3] = (rrLength / 4 - 1) & 0xff;
  writeU32(out, 4, init.ssrc);
  let at = 8;
  for (const block of init.reports) {
    writeU32(out, at, block.ssrc);
    out[at + 4] = block.fractionLost & 0xff;
    const lost = block.cumulativeLost & 0xffffff;
    out[at + 5] = (lost >> 16) & 0xff;
    out[at + 6] = (lost >> 8) & 0xff;
    out[at + 7] = lost & 0xff;
    writeU32(out, at + 8, block.highestSequence);
    writeU32(out, at + 12, block.jitter);
    writeU32(out, at + 16, block.lastSenderReport);
    writeU32(out, at + 20, block.delaySinceLastSenderReport);
    at += REPORT_BLOCK;
  }
  out[at] = 0x81;
  out[at + 1] = 202;
  out[at + 2] = ((sdesLength / 4 - 1) >> 8) & 0xff;
  out[at + 3] = (sdesLength / 4 - 1) & 0xff;
  writeU32(out, at + 4, init.ssrc);
  out[at + 8] = 1;
  out[at + 9] = cname.byteLength;
  out.set(cname, at + 10);
  // The remaining bytes are zero already: the null item and the padding.
  return out;
}

/** The middle 32 bits of an SR's NTP timestamp: the LSR value a receiver echoes. */
export function senderReportId(sr: Pick<RtcpSenderReport, 'ntpSeconds' | 'ntpFraction'>): number {
  return (((sr.ntpSeconds & 0xffff) << 16) | (sr.ntpFraction >>> 16)) >>> 0;
}

/**
 * Maps RTP timestamps of one source to wall-clock time, from the last sender report: the SR pairs an NTP time with
 * an RTP timestamp, and the clock rate carries the mapping to nearby timestamps (either side, across 2^32 wraps).
 *
 * @example
 * ```ts
 * const clock = new SenderReportClock(90000);
 * clock.update(sr);                                  // from parseRtcp
 * clock.wallClockOf(packet.timestamp);               // ms since epoch, or undefined before the first SR
 * ```
 */
export class SenderReportClock {
  readonly #clockRate: number;
  #rtpTimestamp = 0;
  #wallClock: number | undefined;

  constructor(clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${clockRate}`);
    this.#clockRate = clockRate;
  }

  /** Takes a new sender report of the source. */
  update(sr: Pick<RtcpSenderReport, 'wallClock' | 'rtpTimestamp'>): void {
    this.#rtpTimestamp = sr.rtpTimestamp >>> 0;
    this.#wallClock = sr.wallClock;
  }

  /** True once a sender report has been seen. */
  get synchronized(): boolean {
    return this.#wallClock !== undefined;
  }

  /** Wall-clock time (ms since epoch) of an RTP timestamp; `undefined` before the first sender report. */
  wallClockOf(rtpTimestamp: number): number | undefined {
    if (this.#wallClock === undefined) return undefined;
    const delta = (rtpTimestamp - this.#rtpTimestamp) | 0;
    return this.#wallClock + (delta * 1000) / this.#clockRate;
  }
}

/** What {@link buildSenderReport} puts in the compound packet. */
export interface SenderReportInit {
  /** SSRC of the sender (the RTP stream the report describes). */
  readonly ssrc: number;
  /** Wall-clock time (ms since epoch) that `rtpTimestamp` corresponds to. */
  readonly wallClock: number;
  readonly rtpTimestamp: number;
  /** Packets and payload octets sent so far (wrap at 2^32). */
  readonly packetCount: number;
  readonly octetCount: number;
  /** CNAME for the SDES packet that RFC 3550 requires in every compound packet. */
  readonly cname: string;
}

/**
 * Builds a compound RTCP packet: a sender report (no report blocks) mapping an RTP timestamp to wall-clock time,
 * then an SDES with the CNAME.
 *
 * @throws RangeError with a CNAME longer than 255 bytes.
 * @example
 * ```ts
 * rtcpSocket.send(buildSenderReport({ ssrc, wallClock: Date.now(), rtpTimestamp, packetCount, octetCount, cname: 'argus' }));
 * ```
 */
export function buildSenderReport(init: SenderReportInit): Uint8Array {
  const cname = textEncoder.encode(init.cname);
  if (cname.byteLength > 255) throw new RangeError('CNAME longer than 255 bytes');
  const srLength = 28;
  const sdesLength = (4 + 4 + 2 + cname.byteLength + 1 + 3) & ~3;
  const out = new Uint8Array(srLength + sdesLength);
  const ntp = unixMsToNtp(init.wallClock);
  out[0] = 0x80;
  out[1] = 200;
  out[3] = srLength / 4 - 1;
  writeU32(out, 4, init.ssrc >>> 0);
  writeU32(out, 8, ntp.seconds);
  writeU32(out, 12, ntp.fraction);
  writeU32(out, 16, init.rtpTimestamp >>> 0);
  writeU32(out, 20, init.packetCount >>> 0);
  writeU32(out, 24, init.octetCount >>> 0);
  const at = srLength;
  out[at] = 0x81;
  out[at + 1] = 202;
  out[at + 2] = ((sdesLength / 4 - 1) >> 8) & 0xff;
  out[at + 3] = (sdesLength / 4 - 1) & 0xff;
  writeU32(out, at + 4, init.ssrc >>> 0);
  out[at + 8] = 1;
  out[at + 9] = cname.byteLength;
  out.set(cname, at + 10);
  return out;
}
