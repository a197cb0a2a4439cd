import { ArgusError } from '@argus/core';
import { joinChunks } from '@argus/core/media';

/** MPEG-TS `stream_type` values the HLS reader understands. */
export const TS_STREAM_TYPE = Object.freeze({
  /** ADTS AAC (ISO/IEC 13818-7). */
  AAC: 0x0f,
  /** H.264 / AVC. */
  H264: 0x1b,
  /** H.265 / HEVC. */
  H265: 0x24,
});

/** One elementary stream announced by the PMT. */
export interface TsStream {
  readonly pid: number;
  readonly streamType: number;
}

/** One PES packet's payload with its timestamps (90 kHz, 33-bit, as written). */
export interface TsPes {
  readonly pid: number;
  readonly streamType: number;
  /** Presentation time stamp, 90 kHz, when the PES header has one. */
  readonly pts?: number;
  /** Decode time stamp, 90 kHz, when the PES header has one (else it equals pts). */
  readonly dts?: number;
  /** The elementary stream bytes (Annex B for video, ADTS for AAC). */
  readonly data: Uint8Array;
}

/** Counters of a {@link TsDemuxer}. */
export interface TsDemuxerStats {
  packets: number;
  pes: number;
  /** Packets whose continuity counter skipped: a lost packet. */
  discontinuities: number;
  /** Bytes skipped while looking for the 0x47 sync byte. */
  resyncBytes: number;
}

/** Options of a {@link TsDemuxer}. */
export interface TsDemuxerOptions {
  /** Where the bytes came from, for error messages. */
  readonly endpoint?: string;
  /** Largest PES accepted, in bytes; default 16 MiB. */
  readonly maxPesBytes?: number;
}

const PACKET = 188;
const SYNC = 0x47;

interface PesState {
  readonly stream: TsStream;
  chunks: Uint8Array[];
  bytes: number;
  /** PES_packet_length + 6 when the header gave one, else 0 (unbounded, usual for video). */
  expected: number;
  continuity: number;
}

interface SectionState {
  chunks: Uint8Array[];
  bytes: number;
}

/**
 * Demuxes an MPEG-TS byte stream (an HLS `.ts` segment) into PES payloads: finds the PAT and PMT, follows the
 * elementary streams it knows (H.264, H.265, ADTS AAC), reassembles PES packets across TS packets (bounded by
 * PES_packet_length, or by the next payload_unit_start for unbounded video PES) and reads their PTS/DTS.
 * Resynchronises on the 0x47 byte after junk, counts continuity-counter gaps. A stream stage: feed any chunking,
 * then {@link TsDemuxer.flush} at the end of a segment.
 *
 * @example
 * ```ts
 * const demuxer = new TsDemuxer();
 * for (const pes of [...demuxer.process(segment), ...demuxer.flush()]) console.log(pes.streamType, pes.pts, pes.data.length);
 * ```
 */
export class TsDemuxer {
  readonly #endpoint: string;
  readonly #maxPes: number;
  #pmtPid: number | undefined;
  readonly #streams = new Map<number, PesState>();
  readonly #sections = new Map<number, SectionState>();
  #rest: Uint8Array = new Uint8Array(0);
  readonly #stats: TsDemuxerStats = { packets: 0, pes: 0, discontinuities: 0, resyncBytes: 0 };

  constructor(options: TsDemuxerOptions = {}) {
    this.#endpoint = options.endpoint ?? 'HLS origin';
    this.#maxPes = options.maxPesBytes ?? 16 * 1024 * 1024;
  }

  /** The elementary streams of the last PMT. */
  get streams(): TsStream[] {
    return [...this.#streams.values()].map((s) => s.stream);
  }

  /**
   * Takes the next chunk; returns the PES packets it completed.
   *
   * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a malformed PAT/PMT or PES header, or a PES over the limit.
   */
  process(chunk: Uint8Array): TsPes[] {
    const out: TsPes[] = [];
    let buf = chunk;
    if (this.#rest.length > 0) {
      buf = new Uint8Array(this.#rest.length + chunk.length);
      buf.set(this.#rest);
      buf.set(chunk, this.#rest.length);
    }
    let offset = 0;
    while (offset + PACKET <= buf.length) {
      if (buf[offset] !== SYNC || (offset + PACKET < buf.length && buf[offset + PACKET] !== SYNC)) {
        const next = this.#findSync(buf, offset + 1);
        this.#stats.resyncBytes += next - offset;
        offset = next;
        continue;
      }
      this.#packet(buf.subarray(offset, offset + PACKET), out);
      offset += PACKET;
    }
    this.#rest = buf.slice(offset);
    return out;
  }

  /** Ends the segment: returns the pending (unbounded) PES packets and forgets partial data; keeps the PMT. */
  flush(): TsPes[] {
    const out: TsPes[] = [];
    for (const state of this.#streams.values()) this.#finish(state, out);
    this.#rest = new Uint8Array(0);
    this.#sections.clear();
    return out;
  }

  /** Counters since construction. */
  toJSON(): TsDemuxerStats {
    return { ...this.#stats };
  }

  #bad(reason: string): never {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#endpoint, reason: `bad MPEG-TS: ${reason}` });
  }

  #findSync(buf: Uint8Array, from: number): number {
    for (let i = from; i + PACKET <= buf.length; i++) {
      if (buf[i] === SYNC && (i + PACKET >= buf.length || buf[i + PACKET] === SYNC)) return i;
    }
    return Math.max(from, buf.length - PACKET + 1);
  }

  #packet(p: Uint8Array, out: TsPes[]): void {
    this.#stats.packets += 1;
    const b1 = p[1] as number;
    const b3 = p[3] as number;
    if ((b1 & 0x80) !== 0) return; // transport_error_indicator: the packet is known bad
    const start = (b1 & 0x40) !== 0;
    const pid = ((b1 & 0x1f) << 8) | (p[2] as number);
    const control = (b3 >> 4) & 0x03;
    const continuity = b3 & 0x0f;
    if ((control & 0x01) === 0) return; // adaptation field only
    let offset = 4;
    if ((control & 0x02) !== 0) offset += 1 + (p[4] as number);
    if (offset >= PACKET) return;
    const payload = p.subarray(offset);
    if (pid === 0 || pid === this.#pmtPid) {
      this.#section(pid, start, payload);
      return;
    }
    const state = this.#streams.get(pid);
    if (state === undefined) return;
    if (state.continuity >= 0 && continuity !== ((state.continuity + 1) & 0x0f) && continuity !== state.continuity) {
      this.#stats.discontinuities += 1;
    }
    state.continuity = continuity;
    if (start) {
      this.#finish(state, out);
      if (payload.length < 6 || payload[0] !== 0 || payload[1] !== 0 || payload[2] !== 1) this.#bad(`PES of PID ${pid} without a start code`);
      const length = ((payload[4] as number) << 8) | (payload[5] as number);
      state.expected = length === 0 ? 0 : length + 6;
    } else if (state.bytes === 0) {
      return; // the middle of a PES whose start we did not see
    }
    state.chunks.push(payload);
    state.bytes += payload.length;
    if (state.bytes > this.#maxPes) this.#bad(`PES of PID ${pid} over ${this.#maxPes} bytes`);
    if (state.expected > 0 && state.bytes >= state.expected) this.#finish(state, out);
  }

  #finish(state: PesState, out: TsPes[]): void {
    if (state.bytes === 0) return;
    const bytes = joinChunks(state.chunks);
    state.chunks = [];
    state.bytes = 0;
    const expected = state.expected;
    state.expected = 0;
    const pes = this.#pes(state.stream, expected > 0 ? bytes.subarray(0, Math.min(expected, bytes.length)) : bytes);
    if (pes !== undefined) {
      this.#stats.pes += 1;
      out.push(pes);
    }
  }

  #pes(stream: TsStream, bytes: Uint8Array): TsPes | undefined {
    if (bytes.length < 9) this.#bad(`PES of PID ${stream.pid} shorter than its header`);
    const flags = bytes[7] as number;
    const headerLength = bytes[8] as number;
    const dataStart = 9 + headerLength;
    if (dataStart > bytes.length) this.#bad(`PES header of PID ${stream.pid} longer than the packet`);
    let pts: number | undefined;
    let dts: number | undefined;
    const timing = flags >> 6;
    if (timing === 2 || timing === 3) {
      if (headerLength < (timing === 3 ? 10 : 5)) this.#bad(`PES of PID ${stream.pid} announces timestamps it does not have`);
      pts = timestamp(bytes, 9);
      if (timing === 3) dts = timestamp(bytes, 14);
    }
    const data = bytes.subarray(dataStart);
    if (data.length === 0) return undefined;
    return { pid: stream.pid, streamType: stream.streamType, ...(pts === undefined ? {} : { pts }), ...(dts === undefined ? {} : { dts }), data };
  }

  #section(pid: number, start: boolean, payload: Uint8Array): void {
    let state = this.#sections.get(pid);
    if (start) {
      const pointer = payload[0] as number;
      if (1 + pointer > payload.length) this.#bad(`pointer_field past the packet on PID ${pid}`);
      state = { chunks: [payload.subarray(1 + pointer)], bytes: payload.length - 1 - pointer };
      this.#sections.set(pid, state);
    } else if (state !== undefined) {
      state.chunks.push(payload);
      state.bytes += payload.length;
    } else {
      return;
    }
    if (state.bytes < 3) return;
    const joined = joinChunks(state.chunks);
    const sectionLength = (((joined[1] as number) & 0x0f) << 8) | (joined[2] as number);
    if (state.bytes < 3 + sectionLength) return;
    const section = joined.subarray(0, 3 + sectionLength);
    this.#sections.delete(pid);
    if (pid === 0) this.#pat(section);
    else this.#pmt(section);
  }

  #pat(section: Uint8Array): void {
    if (section[0] !== 0x00) this.#bad(`PAT with table_id ${section[0]}`);
    const end = section.length - 4;
    if (end < 8) this.#bad('PAT shorter than its header');
    for (let i = 8; i + 4 <= end; i += 4) {
      const program = ((section[i] as number) << 8) | (section[i + 1] as number);
      const pid = (((section[i + 2] as number) & 0x1f) << 8) | (section[i + 3] as number);
      if (program !== 0) {
        this.#pmtPid = pid;
        return;
      }
    }
    this.#bad('PAT without a program');
  }

  #pmt(section: Uint8Array): void {
    if (section[0] !== 0x02) this.#bad(`PMT with table_id ${section[0]}`);
    const end = section.length - 4;
    if (end < 12) this.#bad('PMT shorter than its header');
    const infoLength = (((section[10] as number) & 0x0f) << 8) | (section[11] as number);
    let i = 12 + infoLength;
    const seen = new Set<number>();
    while (i + 5 <= end) {
      const streamType = section[i] as number;
      const pid = (((section[i + 1] as number) & 0x1f) << 8) | (section[i + 2] as number);
      const esInfo = (((section[i + 3] as number) & 0x0f) << 8) | (section[i + 4] as number);
      i += 5 + esInfo;
      if (streamType !== TS_STREAM_TYPE.H264 && streamType !== TS_STREAM_TYPE.H265 && streamType !== TS_STREAM_TYPE.AAC) continue;
      seen.add(pid);
      const existing = this.#streams.get(pid);
      if (existing === undefined || existing.stream.streamType !== streamType) {
        this.#streams.set(pid, { stream: { pid, streamType }, chunks: [], bytes: 0, expected: 0, continuity: -1 });
      }
    }
    for (const pid of [...this.#streams.keys()]) if (!seen.has(pid)) this.#streams.delete(pid);
  }
}

/** A 33-bit PES timestamp from its 5-byte field. */
function timestamp(b: Uint8Array, at: number): number {
  const high = ((b[at] as number) >> 1) & 0x07;
  const low = ((b[at + 1] as number) << 22) | (((b[at + 2] as number) >> 1) << 15) | ((b[at + 3] as number) << 7) | ((b[at + 4] as number) >> 1);
  return high * 2 ** 30 + (low >>> 0);
}
