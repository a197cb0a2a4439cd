import { ArgusError } from '../../errors/argus-error.js';

/**
 * Case-insensitive, multi-valued RTSP headers that remember the spelling they were set with.
 *
 * @example
 * ```ts
 * const headers = new RtspHeaders({ CSeq: 2, Session: 'abc' });
 * headers.get('cseq'); // '2'
 * ```
 */
export class RtspHeaders implements Iterable<[string, string]> {
  readonly #entries: [string, string][] = [];

  constructor(init?: Iterable<readonly [string, string | number]> | Readonly<Record<string, string | number | undefined>>) {
    if (init === undefined) return;
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const [name, value] of pairs as Iterable<readonly [string, string | number | undefined]>) {
      if (value !== undefined) this.append(name, String(value));
    }
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.#entries) if (n.toLowerCase() === lower) return v;
    return undefined;
  }

  /** Every value of `name`, in order (e.g. several `WWW-Authenticate` challenges). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const [n, v] of this.#entries) if (n.toLowerCase() === lower) out.push(v);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every value of `name` by `value`. */
  set(name: string, value: string | number): this {
    this.delete(name);
    return this.append(name, value);
  }

  append(name: string, value: string | number): this {
    const text = String(value);
    if (/[\r\n]/.test(name) || /[\r\n]/.test(text)) throw new TypeError(`RTSP header ${name} contains a line break`);
    this.#entries.push([name, text]);
    return this;
  }

  delete(name: string): this {
    const lower = name.toLowerCase();
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]?.[0].toLowerCase() === lower) this.#entries.splice(i, 1);
    }
    return this;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.#entries[Symbol.iterator]();
  }

  /** Lower-cased names to first values; for logs and assertions. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [n, v] of this.#entries) out[n.toLowerCase()] ??= v;
    return out;
  }

  /** Header folding: a continuation line extends the value of the header before it. */
  #continueLast(text: string): void {
    const last = this.#entries[this.#entries.length - 1];
    if (last !== undefined) last[1] = `${last[1]} ${text}`;
  }

  /** @internal Used by the parser for header folding. */
  static fold(headers: RtspHeaders, text: string): void {
    headers.#continueLast(text);
  }
}

/** An RTSP request (the client's, or one a server receives). */
export interface RtspRequest {
  readonly kind: 'request';
  readonly method: string;
  readonly url: string;
  readonly version: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** An RTSP response. */
export interface RtspResponse {
  readonly kind: 'response';
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** A `$`-framed binary packet interleaved in the TCP stream (RFC 2326 10.12). `data` is a view, not a copy. */
export interface InterleavedFrame {
  readonly kind: 'interleaved';
  readonly channel: number;
  readonly data: Uint8Array;
}

/** What {@link RtspMessageParser} yields. */
export type RtspMessage = RtspRequest | RtspResponse | InterleavedFrame;

/** Bounds of {@link RtspMessageParser}. */
export interface RtspMessageParserOptions {
  /** Named in error messages (host:port, never credentials). */
  readonly endpoint?: string;
  /** Largest start line + headers; default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /** Largest Content-Length; default 1 MiB. */
  readonly maxBodyBytes?: number;
}

const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = new Uint8Array(0);
const REQUEST_LINE = /^([A-Z_][A-Z0-9_-]*) (\S+) (RTSP\/\d\.\d)$/;
const STATUS_LINE = /^(RTSP\/\d\.\d) (\d{3})(?: (.*))?$/;

/**
 * Incremental parser of an RTSP TCP byte stream: requests, responses and interleaved binary frames in any
 * order and split anywhere. Bounded: a start line + headers larger than `maxHeaderBytes`, a Content-Length
 * larger than `maxBodyBytes`, or bytes that are neither throw `ARGUS_ERR_RTSP_MALFORMED` (the connection is then
 * unusable).
 *
 * Zero-copy: interleaved payloads (plain `Uint8Array` views) and bodies are views of the chunk they lie in; only a
 * frame that spans two or more chunks is copied, once, into a buffer of its own of its exact size (a text message
 * that spans chunks, rare and bounded, is joined). Held-back bytes are kept as the received chunks, never re-copied
 * per read. Ownership rule: `process` takes the chunk over, so the caller must not write
 * into it afterwards, for as long as any message handed out may live (Node's socket `'data'` Buffers are fresh per
 * event and never reused, so passing them straight in is safe). The parser itself never writes into a chunk it was
 * given nor into a buffer it has handed out, so a consumer may keep those views (e.g. until a frame is muxed).
 *
 * @example
 * ```ts
 * const parser = new RtspMessageParser({ endpoint: '127.0.0.1:554' });
 * socket.on('data', (chunk) => {
 *   for (const message of parser.process(chunk)) handle(message);
 * });
 * ```
 */
export class RtspMessageParser {
  readonly #endpoint: string;
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the pending data must reach before parsing can make progress. */
  #need = 0;
  #messages = 0;
  #frames = 0;

  constructor(options: RtspMessageParserOptions = {}) {
    this.#endpoint = options.endpoint ?? 'peer';
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  /** Bytes held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds one chunk of the stream; returns every complete message it finished, in order. */
  process(chunk: Uint8Array): RtspMessage[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: RtspMessage[] = [];
    if (this.#pendingBytes === 0) {
      this.#parseFrom(buf, out);
      return out;
    }
    if (buf.length === 0) return out;
    this.#pending.push(buf);
    this.#pendingBytes += buf.length;
    if (this.#pendingBytes < this.#need) return out;
    // Finish the messages that straddle chunks, until what is left lies in one chunk and can be parsed in place.
    while (this.#pending.length > 1) {
      const first = this.#byteAt(0);
      if (first === CR || first === LF) {
        this.#consume(1);
      } else if (first === DOLLAR) {
        if (this.#pendingBytes < 4) {
          this.#need = 4;
          return out;
        }
        const length = (this.#byteAt(2) << 8) | this.#byteAt(3);
        if (this.#pendingBytes < 4 + length) {
          this.#need = 4 + length;
          return out;
        }
        const channel = this.#byteAt(1);
        this.#consume(4);
        this.#frames++;
        out.push({ kind: 'interleaved', channel, data: this.#take(length) });
      } else {
        // Text (a reply or a server's request) is rare and bounded by the header and body limits: join and parse.
        this.#pending = [Buffer.concat(this.#pending, this.#pendingBytes)];
      }
    }
    const rest = this.#pending[0];
    this.#pending = [];
    this.#pendingBytes = 0;
    if (rest !== undefined) this.#parseFrom(rest, out);
    return out;
  }

  /** Counters for diagnostics. */
  toJSON(): { messages: number; frames: number; bufferedBytes: number } {
    return { messages: this.#messages, frames: this.#frames, bufferedBytes: this.#pendingBytes };
  }

  /** Parses `buf` in place; keeps what is left (a view, not a copy) as the pending data. */
  #parseFrom(buf: Buffer, out: RtspMessage[]): void {
    let offset = 0;
    while (offset < buf.length) {
      const consumed = this.#parseOne(buf, offset, out);
      if (consumed === 0) break;
      offset += consumed;
    }
    if (offset < buf.length) {
      this.#pending = [offset === 0 ? buf : buf.subarray(offset)];
      this.#pendingBytes = buf.length - offset;
    } else {
      this.#need = 0;
    }
  }

  /** The pending byte at `index` (< pendingBytes), across chunks. */
  #byteAt(index: number): number {
    for (const part of this.#pending) {
      if (index < part.length) return part[index] ?? 0;
      index -= part.length;
    }
    return 0;
  }

  /** Drops `count` (<= pendingBytes) bytes from the front of the pending chunks. */
  #consume(count: number): void {
    this.#pendingBytes -= count;
    while (count > 0) {
      const first = this.#pending[0];
      if (first === undefined) return;
      if (count < first.length) {
        this.#pending[0] = first.subarray(count);
        return;
      }
      count -= first.length;
      this.#pending.shift();
    }
  }

  /** Removes `count` (<= pendingBytes) bytes from the front: a view when they lie in one chunk, else one copy. */
  #take(count: number): Uint8Array {
    const first = this.#pending[0];
    if (first === undefined || count === 0) return EMPTY;
    if (count <= first.length) {
      const view = new Uint8Array(first.buffer, first.byteOffset, count);
      this.#consume(count);
      return view;
    }
    const copy = Buffer.allocUnsafe(count);
    let at = 0;
    while (at < count) {
      const part = this.#pending[0];
      if (part === undefined) break;
      const n = Math.min(part.length, count - at);
      copy.set(n === part.length ? part : part.subarray(0, n), at);
      at += n;
      this.#consume(n);
    }
    return copy;
  }

  #malformed(reason: string): ArgusError {
    this.#pending = [];
    this.#pendingBytes = 0;
    return new ArgusError('ARGUS_ERR_RTSP_MALFORMED', { endpoint: this.#endpoint, reason });
  }

  /** Parses one message at `start`; returns the bytes consumed, or 0 when more data is needed. */
  #parseOne(buf: Buffer, start: number, out: RtspMessage[]): number {
    const first = buf[start];
    if (first === CR || first === LF) return 1; // Stray line ends between messages are common and harmless.
    if (first === DOLLAR) {
      if (buf.length - start < 4) {
        this.#need = 4;
        return 0;
      }
      const length = buf.readUInt16BE(start + 2);
      if (buf.length - start < 4 + length) {
        this.#need = 4 + length;
        return 0;
      }
      this.#frames++;
      // A plain Uint8Array view: cheaper to create than a Buffer subarray, and no copy.
      out.push({ kind: 'interleaved', channel: buf[start + 1] ?? 0, data: new Uint8Array(buf.buffer, buf.byteOffset + start + 4, length) });
      return 4 + length;
    }
    // The first byte of a start line is a letter of "RTSP/" or of a method name: reject binary garbage early.
    if (first === undefined || first < 0x41 || first > 0x5a) throw this.#malformed('neither an RTSP message nor a $ frame');
    return this.#parseText(buf, start, out);
  }

  #parseText(buf: Buffer, start: number, out: RtspMessage[]): number {
    const limit = Math.min(buf.length, start + this.#maxHeaderBytes);
    const lines: string[] = [];
    let lineStart = start;
    let headerEnd = -1;
    while (lineStart < limit) {
      const lf = buf.indexOf(LF, lineStart);
      if (lf < 0 || lf >= limit) break;
      const lineEnd = lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
      if (lineEnd === lineStart) {
        headerEnd = lf + 1;
        break;
      }
      lines.push(buf.toString('latin1', lineStart, lineEnd));
      lineStart = lf + 1;
    }
    if (headerEnd < 0) {
      if (buf.length - start >= this.#maxHeaderBytes) throw this.#malformed(`headers exceed ${this.#maxHeaderBytes} bytes`);
      this.#need = buf.length - start + 1;
      return 0;
    }
    const startLine = lines[0] ?? '';
    const headers = new RtspHeaders();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      // Lines end at LF: a CR left inside one is not a line end, and header values must not carry it.
      if (line.includes('\r')) throw this.#malformed(`bare CR in header line "${line.slice(0, 40)}"`);
      if (line.startsWith(' ') || line.startsWith('\t')) {
        RtspHeaders.fold(headers, line.trim());
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) throw this.#malformed(`bad header line "${line.slice(0, 40)}"`);
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const lengthText = headers.get('content-length');
    let length = 0;
    if (lengthText !== undefined) {
      if (!/^\d{1,10}$/.test(lengthText)) throw this.#malformed(`bad Content-Length "${lengthText.slice(0, 20)}"`);
      length = Number(lengthText);
      if (length > this.#maxBodyBytes) throw this.#malformed(`body of ${length} bytes exceeds ${this.#maxBodyBytes}`);
    }
    if (buf.length - headerEnd < length) {
      this.#need = headerEnd - start + length;
      return 0;
    }
    const body = length === 0 ? EMPTY : buf.subarray(headerEnd, headerEnd + length);
    const status = STATUS_LINE.exec(startLine);
    if (status !== null) {
      out.push({
        kind: 'response',
        version: status[1] ?? 'RTSP/1.0',
        status: Number(status[2]),
        reason: status[3] ?? '',
        headers,
        body,
      });
    } else {
      const request = REQUEST_LINE.exec(startLine);
      if (request === null) throw this.#malformed(`bad start line "${startLine.slice(0, 60)}"`);
      out.push({
        kind: 'request',
        method: request[1] ?? '',
        url: request[2] ?? '',
        version: request[3] ?? 'RTSP/1.0',
        headers,
        body,
      });
    }
    this.#messages++;
    return headerEnd - start + length;
  }
}

/** Input of the serializers: headers as a {@link RtspHeaders} or a plain record. */
export type RtspHeadersInit = RtspHeaders | Readonly<Record<string, string | number | undefined>>;

function serialize(startLine: string, headersInit: RtspHeadersInit | undefined, body: Uint8Array | string | undefined): Buffer {
  const headers = headersInit instanceof RtspHeaders ? headersInit : new RtspHeaders(headersInit);
  const bodyBytes = body === undefined ? EMPTY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let head = `${startLine}\r\n`;
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'content-length') head += `${name}: ${value}\r\n`;
  }
  if (bodyBytes.length > 0) head += `Content-Length: ${bodyBytes.length}\r\n`;
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return bodyBytes.length === 0 ? headBytes : Buffer.concat([headBytes, bodyBytes]);
}

/**
 * Writes an RTSP request; Content-Length is set from the body.
 *
 * @example
 * ```ts
 * socket.write(serializeRtspRequest({ method: 'OPTIONS', url, headers: { CSeq: 1 } }));
 * ```
 */
export function serializeRtspRequest(request: {
  method: string;
  url: string;
  headers?: RtspHeadersInit;
  body?: Uint8Array | string;
}): Buffer {
  if (!/^[A-Z_][A-Z0-9_-]*$/.test(request.method)) throw new TypeError(`Bad RTSP method ${request.method}`);
  if (/\s/.test(request.url)) throw new TypeError('RTSP URL contains whitespace');
  return serialize(`${request.method} ${request.url} RTSP/1.0`, request.headers, request.body);
}

/** Writes an RTSP response; Content-Length is set from the body. */
export function serializeRtspResponse(response: {
  status: number;
  reason?: string;
  headers?: RtspHeadersInit;
  body?: Uint8Array | string;
}): Buffer {
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 999) {
    throw new RangeError(`Bad RTSP status ${response.status}`);
  }
  return serialize(`RTSP/1.0 ${response.status} ${response.reason ?? 'OK'}`, response.headers, response.body);
}

/** Writes one interleaved frame: `$`, channel, 16-bit length, payload. */
export function serializeInterleavedFrame(channel: number, data: Uint8Array): Buffer {
  if (!Number.isInteger(channel) || channel < 0 || channel > 255) throw new RangeError(`Bad channel ${channel}`);
  if (data.length > 0xffff) throw new RangeError(`Interleaved payload of ${data.length} bytes exceeds 65535`);
  const out = Buffer.allocUnsafe(4 + data.length);
  out[0] = DOLLAR;
  out[1] = channel;
  out.writeUInt16BE(data.length, 2);
  out.set(data, 4);
  return out;
}
