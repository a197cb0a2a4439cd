/**
 * Writes ISO BMFF boxes into one growing buffer: `begin(type)` ... `end()` back-patches each box's size, so nested
 * boxes cost no intermediate arrays.
 *
 * @example
 * ```ts
 * const w = new BoxWriter();
 * w.begin('ftyp').fourcc('isom').u32(512).fourcc('isom').end();
 * const bytes = w.finish();
 * ```
 */
export class BoxWriter {
  #buf: Uint8Array;
  #view: DataView;
  #length = 0;
  readonly #open: number[] = [];

  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Opens a box; its size is written by the matching {@link end}. */
  begin(type: string): this {
    this.#open.push(this.#length);
    return this.u32(0).fourcc(type);
  }

  /** Opens a full box (version and flags). */
  beginFull(type: string, version: number, flags: number): this {
    return this.begin(type).u8(version).u24(flags);
  }

  /** Closes the innermost open box. */
  end(): this {
    const start = this.#open.pop();
    if (start === undefined) throw new RangeError('end() without begin()');
    this.#view.setUint32(start, this.#length - start);
    return this;
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#view.setUint8(this.#length, value);
    this.#length += 1;
    return this;
  }

  u16(value: number): this {
    this.#reserve(2);
    this.#view.setUint16(this.#length, value);
    this.#length += 2;
    return this;
  }

  u24(value: number): this {
    return this.u8((value >>> 16) & 0xff).u16(value & 0xffff);
  }

  u32(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value >>> 0);
    this.#length += 4;
    return this;
  }

  i32(value: number): this {
    this.#reserve(4);
    this.#view.setInt32(this.#length, value);
    this.#length += 4;
    return this;
  }

  u64(value: number): this {
    return this.u32(Math.floor(value / 2 ** 32)).u32(value % 2 ** 32);
  }

  /** Writes `count` zero bytes. */
  zeros(count: number): this {
    this.#reserve(count);
    this.#buf.fill(0, this.#length, this.#length + count);
    this.#length += count;
    return this;
  }

  fourcc(type: string): this {
    if (type.length !== 4) throw new RangeError(`box type "${type}" must have 4 characters`);
    this.#reserve(4);
    for (let i = 0; i < 4; i++) this.#buf[this.#length + i] = type.charCodeAt(i);
    this.#length += 4;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.#reserve(data.length);
    this.#buf.set(data, this.#length);
    this.#length += data.length;
    return this;
  }

  /** Overwrites a 32-bit value at an absolute offset (e.g. a trun data_offset known only later). */
  patchU32(offset: number, value: number): this {
    this.#view.setUint32(offset, value >>> 0);
    return this;
  }

  /** The written bytes (a view of the internal buffer; the writer must not be used afterwards). */
  finish(): Uint8Array {
    if (this.#open.length > 0) throw new RangeError(`${this.#open.length} box(es) left open`);
    return this.#buf.subarray(0, this.#length);
  }

  #reserve(count: number): void {
    const needed = this.#length + count;
    if (needed <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(needed, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}
