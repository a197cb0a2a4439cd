import type { MediaPacket } from '@argus/core';
import { H264_NAL, h264NalType, H265_NAL, h265NalType } from '@argus/core/media';

const PACKET = 188;
const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;
const STREAM_TYPE = { h264: 0x1b, h265: 0x24 } as const;
const AUD = { h264: Uint8Array.of(0x09, 0xf0), h265: Uint8Array.of(0x46, 0x01, 0x50) } as const;

let crcTable: Uint32Array | undefined;

/** CRC-32/MPEG-2 of PSI sections (polynomial 0x04C11DB7, no reflection, initial 0xFFFFFFFF). */
export function crc32Mpeg2(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = (c & 0x80000000) !== 0 ? (c << 1) ^ 0x04c11db7 : c << 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = ((crc << 8) ^ (crcTable[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  return crc >>> 0;
}

function section(body: number[]): Uint8Array {
  const bytes = Uint8Array.from(body);
  const crc = crc32Mpeg2(bytes);
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.length, crc);
  return out;
}

function writeTimestamp(out: number[], prefix: number, ts: number): void {
  const t = ts % 2 ** 33;
  const high = Math.floor(t / 2 ** 30) & 0x07;
  const mid = Math.floor(t / 2 ** 15) & 0x7fff;
  const low = t & 0x7fff;
  out.push((prefix << 4) | (high << 1) | 1, mid >> 7, ((mid & 0x7f) << 1) | 1, low >> 7, ((low & 0x7f) << 1) | 1);
}

/**
 * Writes H.264/H.265 access units as MPEG-TS segments for the emulator's TS output: PAT and PMT at the start of
 * every segment, one PES per access unit (AUD, and SPS/PPS/VPS before keyframes, in Annex B), PTS/DTS, a PCR on each
 * PES start, continuity counters kept across segments, stuffing through the adaptation field.
 *
 * @example
 * ```ts
 * const muxer = new TsSegmentMuxer();
 * const segment = muxer.segment(gopPackets); // bytes of a .ts segment
 * ```
 */
export class TsSegmentMuxer {
  readonly #continuity = new Map<number, number>();

  /** One segment holding `packets` (video access units of one track). */
  segment(packets: readonly MediaPacket[]): Uint8Array {
    const first = packets[0];
    if (first === undefined) return new Uint8Array(0);
    const codec = first.track.codec === 'h265' ? 'h265' : 'h264';
    const chunks: Uint8Array[] = [this.#psi(0, this.#pat()), this.#psi(PMT_PID, this.#pmt(codec))];
    for (const packet of packets) chunks.push(...this.#pes(packet, codec));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  #next(pid: number): number {
    const cc = ((this.#continuity.get(pid) ?? -1) + 1) & 0x0f;
    this.#continuity.set(pid, cc);
    return cc;
  }

  #pat(): Uint8Array {
    return section([0x00, 0xb0, 13, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]);
  }

  #pmt(codec: 'h264' | 'h265'): Uint8Array {
    return section([
      0x02, 0xb0, 18, 0x00, 0x01, 0xc1, 0x00, 0x00,
      0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
      STREAM_TYPE[codec], 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
    ]);
  }

  #psi(pid: number, body: Uint8Array): Uint8Array {
    const p = new Uint8Array(PACKET).fill(0xff);
    p[0] = 0x47;
    p[1] = 0x40 | (pid >> 8);
    p[2] = pid & 0xff;
    p[3] = 0x10 | this.#next(pid);
    p[4] = 0;
    p.set(body, 5);
    return p;
  }

  #pes(packet: MediaPacket, codec: 'h264' | 'h265'): Uint8Array[] {
    const typeOf = codec === 'h264' ? h264NalType : h265NalType;
    const outOfBand: readonly number[] = codec === 'h264' ? [H264_NAL.AUD, H264_NAL.SPS, H264_NAL.PPS] : [H265_NAL.AUD, H265_NAL.VPS, H265_NAL.SPS, H265_NAL.PPS];
    const units: Uint8Array[] = [AUD[codec]];
    if (packet.keyframe) units.push(...(packet.track.parameterSets ?? []));
    for (const unit of packet.units) if (!outOfBand.includes(typeOf(unit))) units.push(unit);
    const es = new Uint8Array(units.reduce((n, u) => n + 4 + u.length, 0));
    let at = 0;
    for (const unit of units) {
      es[at + 3] = 1;
      es.set(unit, at + 4);
      at += 4 + unit.length;
    }
    const dts = packet.dts ?? packet.pts;
    const header: number[] = [0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80];
    if (dts !== packet.pts) {
      header.push(0xc0, 10);
      writeTimestamp(header, 0x3, packet.pts);
      writeTimestamp(header, 0x1, dts);
    } else {
      header.push(0x80, 5);
      writeTimestamp(header, 0x2, packet.pts);
    }
    const payload = new Uint8Array(header.length + es.length);
    payload.set(header);
    payload.set(es, header.length);
    const out: Uint8Array[] = [];
    let offset = 0;
    let firstPacket = true;
    while (offset < payload.length) {
      const p = new Uint8Array(PACKET);
      p[0] = 0x47;
      p[1] = (firstPacket ? 0x40 : 0) | (VIDEO_PID >> 8);
      p[2] = VIDEO_PID & 0xff;
      // Adaptation field content (after its length byte): the PCR on the PES start (random access flag on keyframes).
      let field: number[] | undefined;
      if (firstPacket) {
        const pcr = dts % 2 ** 33;
        field = [0x10 | (packet.keyframe ? 0x40 : 0)];
        field.push(Math.floor(pcr / 2 ** 25) & 0xff, Math.floor(pcr / 2 ** 17) & 0xff, Math.floor(pcr / 2 ** 9) & 0xff, Math.floor(pcr / 2) & 0xff, ((pcr & 1) << 7) | 0x7e, 0x00);
      }
      const remaining = payload.length - offset;
      const room = PACKET - 4 - (field === undefined ? 0 : 1 + field.length);
      if (remaining < room) {
        // Stuffing: the adaptation field grows until the payload fills the packet exactly.
        const size = PACKET - 4 - remaining;
        field ??= size >= 2 ? [0x00] : [];
        while (1 + field.length < size) field.push(0xff);
      }
      p[3] = (field === undefined ? 0x10 : 0x30) | this.#next(VIDEO_PID);
      let at = 4;
      if (field !== undefined) {
        p[at++] = field.length;
        p.set(field, at);
        at += field.length;
      }
      const take = Math.min(remaining, PACKET - at);
      p.set(payload.subarray(offset, offset + take), at);
      offset += take;
      out.push(p);
      firstPacket = false;
    }
    return out;
  }
}
