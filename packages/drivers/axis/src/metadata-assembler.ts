import { ArgusError } from '@argus/core';
import type { RtpPacket } from '@argus/core/media';

/** Options of a {@link MetadataAssembler}. */
export interface MetadataAssemblerOptions {
  /** Largest XML document accepted; a bigger one is dropped and reported. Default 1 MiB. */
  readonly maxDocumentBytes?: number;
  /** Device endpoint for error messages. */
  readonly endpoint?: string;
}

/** Counters of a {@link MetadataAssembler}. */
export interface MetadataAssemblerStats {
  /** RTP packets processed. */
  readonly packets: number;
  /** Complete documents returned. */
  readonly documents: number;
  /** Documents dropped: cut by a sequence gap, a new timestamp before the marker, or over the size limit. */
  readonly dropped: number;
}

/**
 * Reassembles ONVIF metadata XML documents from the RTP packets of a `vnd.onvif.metadata` track (ONVIF Streaming
 * spec: a document may span packets that share a timestamp; the marker bit ends it). A stream stage: feed packets
 * with {@link MetadataAssembler.process}, get complete documents back. Gaps in the sequence numbers or a timestamp
 * change before the marker drop the partial document, never a later one.
 *
 * @example
 * ```ts
 * const assembler = new MetadataAssembler();
 * for (const xml of assembler.process(parseRtp(bytes))) handle(parseMetadataStream(xml));
 * ```
 */
export class MetadataAssembler {
  readonly #max: number;
  readonly #endpoint: string;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #timestamp: number | undefined;
  #nextSequence: number | undefined;
  #overflow = false;
  #packets = 0;
  #documents = 0;
  #dropped = 0;

  constructor(options: MetadataAssemblerOptions = {}) {
    this.#max = options.maxDocumentBytes ?? 1024 * 1024;
    this.#endpoint = options.endpoint ?? 'device';
    if (!(this.#max > 0)) throw new RangeError('maxDocumentBytes must be positive');
  }

  /** Complete XML documents (UTF-8 decoded) that `packet` finished; usually zero or one. */
  process(packet: Pick<RtpPacket, 'sequence' | 'timestamp' | 'marker' | 'payload'>): string[] {
    this.#packets += 1;
    if (this.#nextSequence !== undefined && packet.sequence !== this.#nextSequence) this.#drop();
    if (this.#timestamp !== undefined && packet.timestamp !== this.#timestamp && this.#chunks.length > 0) this.#drop();
    this.#nextSequence = (packet.sequence + 1) & 0xffff;
    this.#timestamp = packet.timestamp;
    if (!this.#overflow) {
      if (this.#bytes + packet.payload.byteLength > this.#max) {
        this.#overflow = true;
        this.#chunks = [];
        this.#bytes = 0;
      } else if (packet.payload.byteLength > 0) {
        this.#chunks.push(Uint8Array.from(packet.payload)); // a copy: the packet's bytes may be a view into a reused buffer
        this.#bytes += packet.payload.byteLength;
      }
    }
    if (!packet.marker) return [];
    if (this.#overflow) {
      this.#overflow = false;
      this.#dropped += 1;
      this.#timestamp = undefined;
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#endpoint, reason: `metadata document over ${this.#max} bytes` });
    }
    const text = Buffer.concat(this.#chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))).toString('utf8');
    this.#chunks = [];
    this.#bytes = 0;
    this.#timestamp = undefined;
    if (text.trim() === '') return [];
    this.#documents += 1;
    return [text];
  }

  /** Counters for diagnostics. */
  toJSON(): MetadataAssemblerStats {
    return { packets: this.#packets, documents: this.#documents, dropped: this.#dropped };
  }

  #drop(): void {
    if (this.#chunks.length > 0 || this.#overflow) this.#dropped += 1;
    this.#chunks = [];
    this.#bytes = 0;
    this.#overflow = false;
  }
}
