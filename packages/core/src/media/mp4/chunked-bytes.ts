/** Default size of one slab of a {@link ChunkedBytes}. */
export const DEFAULT_SLAB_BYTES = 32 * 1024;

/**
 * An append-only byte queue kept in fixed-size slabs, so that a muxer can gather seconds of media without ever
 * allocating one large buffer. V8 answers each large ArrayBuffer with an early mark-compact; many 32 KiB slabs die or
 * age like ordinary objects. {@link take} hands out views of what was appended since the last take and keeps filling
 * the last slab, so no slab space is wasted between fragments.
 *
 * @example
 * ```ts
 * const queue = new ChunkedBytes();
 * queue.u32(nal.length).append(nal);
 * await file.writev(queue.take());
 * ```
 */
export class ChunkedBytes {
  readonly #slabBytes: number;
  #slab: Uint8Array;
  #fill = 0;
  /** Start, in the current slab, of the bytes not yet taken. */
  #start = 0;
  #done: Uint8Array[] = [];
  #length = 0;

  constructor(slabBytes = DEFAULT_SLAB_BYTES) {
    if (!Number.isInteger(slabBytes) || slabBytes < 16) throw new RangeError(`slab size ${slabBytes} must be an integer >= 16`);
    this.#slabBytes = slabBytes;
    this.#slab = Buffer.allocUnsafe(slabBytes);
  }

  /** Bytes appended since the last {@link take}. */
  get length(): number {
    return this.#length;
  }

  /** Appends a copy of `data`. */
  append(data: Uint8Array): this {
    let at = 0;
    while (at < data.byteLength) {
      if (this.#fill === this.#slab.byteLength) this.#nextSlab();
      const n = Math.min(data.byteLength - at, this.#slab.byteLength - this.#fill);
      this.#slab.set(at === 0 && n === data.byteLength ? data : data.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
    }
    this.#length += data.byteLength;
    return this;
  }

  /** Appends a big-endian unsigned 32-bit value (an MP4 NAL length prefix). */
  u32(value: number): this {
    if (this.#slab.byteLength - this.#fill < 4) this.#nextSlab();
    const slab = this.#slab;
    const at = this.#fill;
    slab[at] = (value >>> 24) & 0xff;
    slab[at + 1] = (value >>> 16) & 0xff;
    slab[at + 2] = (value >>> 8) & 0xff;
    slab[at + 3] = value & 0xff;
    this.#fill += 4;
    this.#length += 4;
    return this;
  }

  /** Views of every byte appended since the last take, in order; the queue starts empty again. */
  take(): Uint8Array[] {
    const out = this.#done;
    if (this.#fill > this.#start) out.push(this.#slab.subarray(this.#start, this.#fill));
    this.#done = [];
    this.#start = this.#fill;
    this.#length = 0;
    return out;
  }

  #nextSlab(): void {
    if (this.#fill > this.#start) this.#done.push(this.#slab.subarray(this.#start, this.#fill));
    this.#slab = Buffer.allocUnsafe(this.#slabBytes);
    this.#fill = 0;
    this.#start = 0;
  }
}

/** Joins chunks into one buffer (one copy); a single chunk is returned as it is. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
