import { ArgusError } from '@argus/core';
import { jpegEnd, type JpegWalk } from './jpeg-end.js';

/** One part of a multipart stream. */
export interface MultipartPart {
  /** Part headers with lower-case names (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  /** The part's body (a copy; safe to keep). */
  readonly body: Uint8Array;
}

/** Options of {@link MultipartParser}. */
export interface MultipartParserOptions {
  /** The `boundary` parameter of the response's Content-Type, as sent (a leading `--` is tolerated). */
  readonly boundary: string;
  /** Largest part body; beyond it `ARGUS_ERR_DRIVER_PROTOCOL`. Default 8 MiB. */
  readonly maxPartBytes?: number;
  /** The device, for error messages. */
  readonly endpoint?: string;
  /** Emit heartbeat parts (empty body or the text `Heartbeat`) instead of skipping them; default false. */
  readonly keepHeartbeats?: boolean;
}

/** Stats of a {@link MultipartParser}. */
export interface MultipartParserStats {
  /** Parts emitted. */
  parts: number;
  /** Bytes pushed. */
  bytes: number;
  /** Heartbeats, empty parts and junk segments skipped. */
  skipped: number;
}

type State = 'between' | 'headers' | 'bodyLength' | 'bodyJpeg' | 'bodyScan' | 'done' | 'ended' | 'failed';

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_JUNK_LINE = 8 * 1024;
const DEFAULT_MAX_PART = 8 * 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*(.*)$/;

/**
 * Push-based parser of `multipart/x-mixed-replace` (and `multipart/mixed`) streams: device event streams
 * (Hikvision alertStream, Dahua eventManager) and MJPEG. A stream stage with no framework: feed it chunks as
 * they arrive, get the completed parts back.
 *
 * Survives the quirks of real devices: a boundary parameter that already starts with `--`; a missing first
 * boundary; delimiter lines with extra dashes or following the body without a line break; parts without
 * Content-Length (found by the next delimiter line, or for `image/jpeg` by walking the JPEG to its `FFD9`);
 * `Content-Length:9` without a space; `image/jpeg;size=...`; CRLF or bare LF; preamble and inter-part junk; stray
 * `--` lines; heartbeats (empty bodies or `Heartbeat`, skipped unless `keepHeartbeats`). Memory is bounded: a part
 * over `maxPartBytes` or a header block over 16 KiB -> `ARGUS_ERR_DRIVER_PROTOCOL`; a stream that ends inside a
 * part -> `ARGUS_ERR_DRIVER_PROTOCOL` from {@link MultipartParser.end}.
 *
 * @example
 * ```ts
 * const parser = new MultipartParser({ boundary: multipartBoundary(res.headers['content-type']) ?? 'boundary' });
 * for await (const chunk of res.body) {
 *   for (const part of parser.push(chunk)) handle(part.headers['content-type'], part.body);
 * }
 * for (const part of parser.end()) handle(part.headers['content-type'], part.body);
 * ```
 */
export class MultipartParser {
  readonly #core: Buffer;
  readonly #maxPart: number;
  readonly #endpoint: string;
  readonly #keepHeartbeats: boolean;
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  #end = 0;
  #state: State = 'between';
  #headers: Record<string, string> = {};
  #headerCount = 0;
  #headerBytes = 0;
  #remaining = 0;
  #scanFrom = 0;
  #jpeg: JpegWalk = { pos: 2, inScan: false };
  #error: unknown;
  #parts = 0;
  #bytes = 0;
  #skipped = 0;

  constructor(options: MultipartParserOptions) {
    const core = options.boundary.trim().replace(/^"(.*)"$/, '$1').replace(/^-+/, '');
    if (core === '') throw new TypeError(`not a usable multipart boundary: ${JSON.stringify(options.boundary)}`);
    this.#core = Buffer.from(core, 'latin1');
    this.#maxPart = options.maxPartBytes ?? DEFAULT_MAX_PART;
    this.#endpoint = options.endpoint ?? 'the device';
    this.#keepHeartbeats = options.keepHeartbeats ?? false;
  }

  /** Feeds the next chunk; returns the parts it completed (possibly none). */
  push(chunk: Uint8Array): MultipartPart[] {
    this.#usable();
    this.#bytes += chunk.byteLength;
    this.#append(chunk);
    const out: MultipartPart[] = [];
    this.#run(out);
    return out;
  }

  /**
   * The stream ended: returns a trailing part that needs no closing delimiter (one without Content-Length that
   * is not a JPEG), or throws `ARGUS_ERR_DRIVER_PROTOCOL` when the stream stopped inside a part.
   */
  end(): MultipartPart[] {
    this.#usable();
    const out: MultipartPart[] = [];
    if (this.#state === 'between' || this.#state === 'headers' || this.#state === 'bodyScan') {
      // A last line without its line break (`--b--` at the very end): finish it as if the break had come.
      if (this.#end > this.#start && this.#buf[this.#end - 1] !== LF) {
        this.#append(Buffer.from([LF]));
        this.#run(out);
      }
    }
    const state = this.#state;
    this.#state = 'ended';
    if (state === 'bodyScan') {
      let bodyEnd = this.#end;
      if (bodyEnd > this.#start && this.#buf[bodyEnd - 1] === LF) bodyEnd--;
      if (bodyEnd > this.#start && this.#buf[bodyEnd - 1] === CR) bodyEnd--;
      this.#emit(this.#start, bodyEnd, out);
      return out;
    }
    const pendingText = this.#buf.subarray(this.#start, this.#end).toString('latin1').trim();
    if (state === 'bodyLength' || state === 'bodyJpeg' || (state === 'headers' && (this.#headerCount > 0 || pendingText !== ''))) {
      const reason =
        state === 'headers'
          ? 'multipart stream ended inside part headers'
          : `multipart stream ended inside a part (${this.#end - this.#start} bytes of ${state === 'bodyLength' ? this.#end - this.#start + this.#remaining : 'a JPEG'})`;
      const err = new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#endpoint, reason });
      this.#state = 'failed';
      this.#error = err;
      throw err;
    }
    return out;
  }

  /** Counters for monitoring. */
  toJSON(): MultipartParserStats {
    return { parts: this.#parts, bytes: this.#bytes, skipped: this.#skipped };
  }

  #usable(): void {
    if (this.#state === 'failed') throw this.#error;
    if (this.#state === 'ended') throw new TypeError('MultipartParser.end() was already called');
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#end - this.#start + chunk.byteLength;
    if (this.#end + chunk.byteLength > this.#buf.length) {
      if (needed <= this.#buf.length && this.#start > 0) {
        this.#buf.copy(this.#buf, 0, this.#start, this.#end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2, 4096));
        this.#buf.copy(grown, 0, this.#start, this.#end);
        this.#buf = grown;
      }
      this.#scanFrom -= this.#start;
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.byteLength;
  }

  #protocol(reason: string): ArgusError {
    return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: this.#endpoint, reason });
  }

  /** Steps over the buffered bytes while they make progress; an error fails the parser for good. */
  #run(out: MultipartPart[]): void {
    try {
      while (this.#step(out)) {
        // Each step consumes what it can; false means more bytes are needed.
      }
    } catch (err) {
      this.#state = 'failed';
      this.#error = err;
      throw err;
    }
  }

  /** One transition; false when more bytes are needed. */
  #step(out: MultipartPart[]): boolean {
    switch (this.#state) {
      case 'between':
        return this.#between();
      case 'headers':
        return this.#headerLine();
      case 'bodyLength': {
        if (this.#end - this.#start < this.#remaining) return false;
        const bodyEnd = this.#start + this.#remaining;
        this.#emit(this.#start, bodyEnd, out);
        this.#start = bodyEnd;
        this.#state = 'between';
        return true;
      }
      case 'bodyJpeg': {
        const length = jpegEnd(this.#buf, this.#start, this.#end, this.#jpeg);
        if (length === -2) {
          this.#state = 'bodyScan';
          this.#scanFrom = this.#start;
          return true;
        }
        if (length === -1) {
          if (this.#end - this.#start > this.#maxPart) throw this.#tooBig();
          return false;
        }
        if (length > this.#maxPart) throw this.#tooBig();
        this.#emit(this.#start, this.#start + length, out);
        this.#start += length;
        this.#state = 'between';
        return true;
      }
      case 'bodyScan':
        return this.#scanBody(out);
      default:
        // done: the epilogue after the closing delimiter is ignored.
        this.#start = this.#end;
        return false;
    }
  }

  #tooBig(): ArgusError {
    return this.#protocol(`multipart part exceeds ${this.#maxPart} bytes`);
  }

  /** Index of the next LF at or after `from`, or -1. */
  #lineEnd(from: number): number {
    const i = this.#buf.indexOf(LF, from);
    return i < 0 || i >= this.#end ? -1 : i;
  }

  /**
   * If the line [from, to) (without its line break) is a delimiter line, possibly preceded on the same line by
   * junk when `allowLead`, returns whether it is the closing one; otherwise undefined.
   */
  #delimiter(from: number, to: number, allowLead: boolean): 'open' | 'close' | undefined {
    let lineEnd = to;
    while (lineEnd > from && (this.#buf[lineEnd - 1] === CR || this.#buf[lineEnd - 1] === 0x20 || this.#buf[lineEnd - 1] === 0x09)) lineEnd--;
    const core = this.#core;
    let close = false;
    let coreEnd = lineEnd;
    if (coreEnd - from >= core.length + 4 && this.#buf[coreEnd - 1] === DASH && this.#buf[coreEnd - 2] === DASH) {
      // Could be the closing `--`, unless the boundary itself ends with dashes.
      if (this.#buf.subarray(coreEnd - 2 - core.length, coreEnd - 2).equals(core)) {
        close = true;
        coreEnd -= 2;
      }
    }
    const coreStart = coreEnd - core.length;
    if (coreStart - from < 2) return undefined;
    if (!this.#buf.subarray(coreStart, coreEnd).equals(core)) return undefined;
    let dashStart = coreStart;
    while (dashStart > from && this.#buf[dashStart - 1] === DASH) dashStart--;
    if (coreStart - dashStart < 2) return undefined;
    if (dashStart !== from && !allowLead) return undefined;
    return close ? 'close' : 'open';
  }

  /** Between parts (and before the first): skip blank and junk lines until a delimiter or a header line. */
  #between(): boolean {
    const lf = this.#lineEnd(this.#start);
    if (lf < 0) {
      const pending = this.#end - this.#start;
      if (pending > MAX_JUNK_LINE + this.#core.length) {
        // A long run without line breaks: keep only a tail that may hold the start of a delimiter.
        this.#start = this.#end - (this.#core.length + 8);
        this.#skipped++;
      }
      return false;
    }
    const kind = this.#delimiter(this.#start, lf, true);
    const lineStart = this.#start;
    if (kind !== undefined) {
      if (!this.#blank(lineStart, this.#delimiterStart(lineStart, lf))) this.#skipped++;
      this.#start = lf + 1;
      this.#state = kind === 'close' ? 'done' : 'headers';
      this.#resetHeaders();
      return true;
    }
    const text = this.#buf.subarray(lineStart, lf).toString('latin1').replace(/\r$/, '');
    if (HEADER_LINE.test(text)) {
      // A part without its delimiter (the first boundary is missing on some devices): read it as headers.
      this.#state = 'headers';
      this.#resetHeaders();
      return true;
    }
    if (text.trim() !== '') this.#skipped++;
    this.#start = lf + 1;
    return true;
  }

  /** Where the dashes of a delimiter line found by #delimiter begin (for junk accounting). */
  #delimiterStart(from: number, to: number): number {
    const at = this.#buf.indexOf(this.#core, from);
    let i = at < 0 || at >= to ? from : at;
    while (i > from && this.#buf[i - 1] === DASH) i--;
    return i;
  }

  #blank(from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
      const b = this.#buf[i];
      if (b !== CR && b !== LF && b !== 0x20 && b !== 0x09) return false;
    }
    return true;
  }

  #resetHeaders(): void {
    this.#headers = {};
    this.#headerCount = 0;
    this.#headerBytes = 0;
  }

  #headerLine(): boolean {
    const lf = this.#lineEnd(this.#start);
    if (lf < 0) {
      if (this.#headerBytes + (this.#end - this.#start) > MAX_HEADER_BYTES) throw this.#protocol('multipart part headers exceed 16 KiB');
      return false;
    }
    this.#headerBytes += lf + 1 - this.#start;
    if (this.#headerBytes > MAX_HEADER_BYTES) throw this.#protocol('multipart part headers exceed 16 KiB');
    const kind = this.#delimiter(this.#start, lf, false);
    if (kind !== undefined) {
      // A delimiter where headers were expected: an empty part, or a doubled delimiter line.
      if (this.#headerCount > 0) this.#skipped++;
      this.#start = lf + 1;
      this.#resetHeaders();
      if (kind === 'close') this.#state = 'done';
      return true;
    }
    const text = this.#buf.subarray(this.#start, lf).toString('utf8').replace(/\r$/, '');
    this.#start = lf + 1;
    if (text.trim() === '') {
      this.#beginBody();
      return true;
    }
    const match = HEADER_LINE.exec(text);
    if (match === null) {
      this.#skipped++; // A stray line (`--` alone, garbage) inside the header block.
      return true;
    }
    const name = (match[1] ?? '').toLowerCase();
    const value = (match[2] ?? '').trim();
    this.#headers[name] = Object.hasOwn(this.#headers, name) ? `${this.#headers[name]}, ${value}` : value;
    this.#headerCount++;
    return true;
  }

  #beginBody(): void {
    const lengthHeader = this.#headers['content-length'];
    const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    if (length !== undefined) {
      if (length > this.#maxPart) throw this.#tooBig();
      this.#remaining = length;
      this.#state = 'bodyLength';
      return;
    }
    const type = (this.#headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('image/jpeg') || type.startsWith('image/jpg')) {
      this.#jpeg = { pos: 2, inScan: false };
      this.#state = 'bodyJpeg';
      return;
    }
    this.#scanFrom = this.#start;
    this.#state = 'bodyScan';
  }

  /** A body without Content-Length: ends before the next delimiter line. */
  #scanBody(out: MultipartPart[]): boolean {
    const pattern = this.#core;
    let from = Math.max(this.#scanFrom, this.#start);
    for (;;) {
      const at = this.#buf.indexOf(pattern, from);
      if (at < 0 || at + pattern.length > this.#end) {
        if (this.#end - this.#start > this.#maxPart) throw this.#tooBig();
        this.#scanFrom = Math.max(this.#start, this.#end - pattern.length - 2);
        return false;
      }
      let lineStart = at;
      while (lineStart > this.#start && this.#buf[lineStart - 1] === DASH) lineStart--;
      const atLineStart = lineStart === this.#start || this.#buf[lineStart - 1] === LF;
      if (at - lineStart < 2 || !atLineStart) {
        from = at + 1;
        continue;
      }
      const lf = this.#lineEnd(at);
      if (lf < 0) {
        // The delimiter line is not complete yet: decide when it is.
        if (this.#end - this.#start > this.#maxPart) throw this.#tooBig();
        this.#scanFrom = lineStart;
        return false;
      }
      const kind = this.#delimiter(lineStart, lf, false);
      if (kind === undefined) {
        from = at + 1;
        continue;
      }
      let bodyEnd = lineStart;
      if (bodyEnd > this.#start && this.#buf[bodyEnd - 1] === LF) bodyEnd--;
      if (bodyEnd > this.#start && this.#buf[bodyEnd - 1] === CR) bodyEnd--;
      if (bodyEnd - this.#start > this.#maxPart) throw this.#tooBig();
      this.#emit(this.#start, bodyEnd, out);
      this.#start = lf + 1;
      this.#resetHeaders();
      this.#state = kind === 'close' ? 'done' : 'headers';
      return true;
    }
  }

  #emit(from: number, to: number, out: MultipartPart[]): void {
    const body = new Uint8Array(to - from);
    body.set(this.#buf.subarray(from, to));
    const headers = this.#headers;
    this.#resetHeaders();
    if (!this.#keepHeartbeats && isHeartbeat(body)) {
      this.#skipped++;
      return;
    }
    this.#parts++;
    out.push({ headers, body });
  }
}

function isHeartbeat(body: Uint8Array): boolean {
  if (body.byteLength === 0) return true;
  if (body.byteLength > 16) return false;
  return Buffer.from(body).toString('latin1').trim().toLowerCase() === 'heartbeat';
}
