import { ArgusError } from '../../errors/argus-error.js';

/** One RTP packet (RFC 3550), as parsed from the wire. `payload` is a view into the received bytes, not a copy. */
export interface RtpPacket {
  readonly payloadType: number;
  readonly marker: boolean;
  /** 16-bit sequence number as sent. */
  readonly sequence: number;
  /** 32-bit media timestamp as sent (wraps at 2^32). */
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Header extension (profile id and data), when the X bit is set. */
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  /** Payload without header, extension or padding. */
  readonly payload: Uint8Array;
}

/** Fields of a packet to serialize; optional ones default to none/false. */
export interface RtpPacketInit {
  readonly payloadType: number;
  readonly marker?: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  readonly payload: Uint8Array;
}

const HEADER = 12;
const NO_CSRCS: readonly number[] = Object.freeze([]);

function malformed(reason: string, length: number): ArgusError {
  return new ArgusError('ARGUS_ERR_RTP_MALFORMED', { reason, length });
}

/**
 * Parses one RTP packet. The payload is a `subarray` of `bytes`: keep `bytes` unchanged while the packet lives.
 *
 * @throws ArgusError `ARGUS_ERR_RTP_MALFORMED` when the packet is too short, not version 2, or its CSRC list,
 * extension or padding does not fit in it.
 * @example
 * ```ts
 * socket.on('message', (msg) => receiver.process(parseRtp(msg)));
 * ```
 */
export function parseRtp(bytes: Uint8Array): RtpPacket {
  const length = bytes.byteLength;
  if (length < HEADER) throw malformed('shorter than the 12-byte header', length);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if (b0 >> 6 !== 2) throw malformed(`version ${b0 >> 6}, expected 2`, length);
  const csrcCount = b0 & 0x0f;
  let offset = HEADER + csrcCount * 4;
  if (offset > length) throw malformed('CSRC list beyond the end', length);
  let csrcs = NO_CSRCS;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++) list.push(readU32(bytes, HEADER + i * 4));
    csrcs = list;
  }
  let extension: RtpPacket['extension'];
  if ((b0 & 0x10) !== 0) {
    if (offset + 4 > length) throw malformed('extension header beyond the end', length);
    const profile = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const words = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    const end = offset + 4 + words * 4;
    if (end > length) throw malformed('extension beyond the end', length);
    extension = { profile, data: bytes.subarray(offset + 4, end) };
    offset = end;
  }
  let end = length;
  if ((b0 & 0x20) !== 0) {
    const padding = bytes[length - 1]!;
    if (padding === 0 || offset + padding > length) throw malformed(`padding of ${padding} bytes does not fit`, length);
    end = length - padding;
  }
  const packet: RtpPacket = {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequence: (bytes[2]! << 8) | bytes[3]!,
    timestamp: readU32(bytes, 4),
    ssrc: readU32(bytes, 8),
    csrcs,
    payload: bytes.subarray(offset, end),
  };
  return extension === undefined ? packet : { ...packet, extension };
}

/**
 * Serializes an RTP packet (no padding). Values are masked to their field widths.
 *
 * @throws RangeError when an extension's data is not a multiple of 4 bytes or there are more than 15 CSRCs.
 */
export function serializeRtp(packet: RtpPacketInit): Uint8Array {
  const csrcs = packet.csrcs ?? NO_CSRCS;
  if (csrcs.length > 15) throw new RangeError(`At most 15 CSRCs, got ${csrcs.length}`);
  const ext = packet.extension;
  if (ext !== undefined && ext.data.byteLength % 4 !== 0) {
    throw new RangeError(`RTP extension data must be a multiple of 4 bytes, got ${ext.data.byteLength}`);
  }
  const extBytes = ext === undefined ? 0 : 4 + ext.data.byteLength;
  const headerBytes = HEADER + csrcs.length * 4 + extBytes;
  const out = new Uint8Array(headerBytes + packet.payload.byteLength);
  writeHeader(out, packet.payloadType, packet.marker === true, packet.sequence, packet.timestamp, packet.ssrc);
  out[0] = 0x80 | (ext === undefined ? 0 : 0x10) | csrcs.length;
  let offset = HEADER;
  for (const csrc of csrcs) {
    writeU32(out, offset, csrc);
    offset += 4;
  }
  if (ext !== undefined) {
    out[offset] = (ext.profile >> 8) & 0xff;
    out[offset + 1] = ext.profile & 0xff;
    const words = ext.data.byteLength / 4;
    out[offset + 2] = (words >> 8) & 0xff;
    out[offset + 3] = words & 0xff;
    out.set(ext.data, offset + 4);
    offset += extBytes;
  }
  out.set(packet.payload, offset);
  return out;
}

/**
 * Builds a plain RTP packet (no CSRC, no extension) from a header, an optional payload prefix (FU/aggregation
 * headers) and a body, with a single allocation: the packetizers' hot path.
 * @internal
 */
export function buildRtp(
  payloadType: number,
  marker: boolean,
  sequence: number,
  timestamp: number,
  ssrc: number,
  prefix: Uint8Array | undefined,
  body: Uint8Array,
): Uint8Array {
  const prefixBytes = prefix === undefined ? 0 : prefix.byteLength;
  const out = new Uint8Array(HEADER + prefixBytes + body.byteLength);
  writeHeader(out, payloadType, marker, sequence, timestamp, ssrc);
  if (prefix !== undefined) out.set(prefix, HEADER);
  out.set(body, HEADER + prefixBytes);
  return out;
}

function writeHeader(out: Uint8Array, pt: number, marker: boolean, sequence: number, timestamp: number, ssrc: number): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  out[2] = (sequence >> 8) & 0xff;
  out[3] = sequence & 0xff;
  writeU32(out, 4, timestamp);
  writeU32(out, 8, ssrc);
}

/** @internal */
export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** @internal */
export function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = (value >>> 24) & 0xff;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}
