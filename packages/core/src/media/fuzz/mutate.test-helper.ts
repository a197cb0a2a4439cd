// Test-only: a small seeded mutation engine for the media parser fuzz test. Deterministic from a seed, so a
// failure reproduces from the seed printed with it.

/** Deterministic pseudo-random source (mulberry32): same seed, same sequence. */
export class FuzzRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new RangeError('pick from an empty list');
    return list[this.int(list.length)] as T;
  }
}

/** Mixes a base seed, a target name and a case index into one 32-bit case seed (FNV-1a then a finalizer). */
export function caseSeed(base: number, target: string, index: number): number {
  let h = (0x811c9dc5 ^ base) >>> 0;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ index, 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** How {@link mutate} works on an input. */
export interface MutateOptions {
  /** Upper bound of the output size, in bytes. */
  readonly maxBytes: number;
  /** Text input: favour line-break, whitespace and separator injection. */
  readonly text?: boolean;
  /** Other valid inputs to splice with. */
  readonly corpus?: readonly Uint8Array[];
  /** Number of mutations to stack; default 1 to 4. */
  readonly rounds?: number;
}

const BOUNDARY_16 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xfffe, 0xffff];
const BOUNDARY_32 = [0, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0xffff];
const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x24, 0x0a, 0x0d, 0x20, 0x3a, 0x3b, 0x3d];
const encoder = new TextEncoder();
const TEXT_TOKENS = [
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  ' ',
  '\t',
  ';',
  '=',
  ':',
  ',',
  '"',
  '\\',
  '$',
  '/',
  '-',
  '\0',
  '\r\n ',
  '\r\nContent-Length: 99999999\r\n',
  '\r\nContent-Length: 4294967296\r\n',
  '\r\nContent-Length: -1\r\n',
  '\nm=video 0 RTP/AVP 96\n',
  '\na=rtpmap:96 H264/90000\n',
  '\na=fmtp:96 sprop-parameter-sets=,;packetization-mode=\n',
  '\na=control:',
  ';timeout=',
  'timeout=99999999999999999999',
  ';interleaved=0-',
  ';client_port=65536-70000',
  'Digest realm="',
  '4294967295',
  '2147483648',
  '-1',
  'NaN',
  '1e308',
  '0x',
  '%',
  '\u00ff\u00fe',
].map((token) => encoder.encode(token));

/** Random bytes of length `n`. */
function randomBytes(rng: FuzzRandom, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function concat(parts: readonly Uint8Array[], maxBytes: number): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(Math.min(total, maxBytes));
  let at = 0;
  for (const part of parts) {
    if (at >= out.length) break;
    const take = Math.min(part.byteLength, out.length - at);
    out.set(part.subarray(0, take), at);
    at += take;
  }
  return out;
}

function insertAt(input: Uint8Array, at: number, bytes: Uint8Array, maxBytes: number): Uint8Array {
  return concat([input.subarray(0, at), bytes, input.subarray(at)], maxBytes);
}

function writeInt(input: Uint8Array, rng: FuzzRandom): Uint8Array {
  if (input.length < 2) return input;
  const out = input.slice();
  const wide = out.length >= 4 && rng.chance(0.5);
  const value = wide ? rng.pick(BOUNDARY_32) : rng.pick(BOUNDARY_16);
  const bytes = wide ? 4 : 2;
  const at = rng.int(out.length - bytes + 1);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const littleEndian = rng.chance(0.2);
  if (wide) view.setUint32(at, value >>> 0, littleEndian);
  else view.setUint16(at, value & 0xffff, littleEndian);
  return out;
}

/** Replaces a run of ASCII digits by a boundary number (lengths, ports, timeouts, counts). */
function replaceNumber(input: Uint8Array, rng: FuzzRandom, maxBytes: number): Uint8Array {
  const starts: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    const prev = i > 0 ? (input[i - 1] as number) : 0;
    if (c >= 0x30 && c <= 0x39 && !(prev >= 0x30 && prev <= 0x39)) starts.push(i);
  }
  if (starts.length === 0) return input;
  const start = rng.pick(starts);
  let end = start;
  while (end < input.length && (input[end] as number) >= 0x30 && (input[end] as number) <= 0x39) end++;
  const value = rng.pick(['0', '65535', '65536', '2147483647', '4294967295', '4294967296', '99999999999999999999', '-1', '']);
  return concat([input.subarray(0, start), encoder.encode(value), input.subarray(end)], maxBytes);
}

/** Repeats a slice of the input many times, bounded by `maxBytes`. */
function repeat(input: Uint8Array, rng: FuzzRandom, maxBytes: number): Uint8Array {
  if (input.length === 0) return input;
  const start = rng.int(input.length);
  const length = 1 + rng.int(Math.min(64, input.length - start));
  const slice = input.subarray(start, start + length);
  const room = Math.max(0, maxBytes - input.length);
  const times = Math.min(1 + rng.int(4096), Math.floor(room / length));
  const parts: Uint8Array[] = [input.subarray(0, start + length)];
  for (let i = 0; i < times; i++) parts.push(slice);
  parts.push(input.subarray(start + length));
  return concat(parts, maxBytes);
}

function mutateOnce(input: Uint8Array, rng: FuzzRandom, options: MutateOptions): Uint8Array {
  const { maxBytes } = options;
  const n = input.length;
  const op = options.text === true && rng.chance(0.4) ? 100 + rng.int(2) : rng.int(10);
  switch (op) {
    case 0: {
      if (n === 0) return randomBytes(rng, 1 + rng.int(16));
      const out = input.slice();
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips; i++) {
        const at = rng.int(n);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      return out;
    }
    case 1: {
      if (n === 0) return Uint8Array.of(rng.pick(INTERESTING_BYTES));
      const out = input.slice();
      out[rng.int(n)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
      return out;
    }
    case 2:
      return insertAt(input, rng.int(n + 1), randomBytes(rng, 1 + rng.int(16)), maxBytes);
    case 3: {
      if (n === 0) return input;
      const at = rng.int(n);
      const length = 1 + rng.int(Math.min(n - at, 1 + rng.int(64)));
      return concat([input.subarray(0, at), input.subarray(at + length)], maxBytes);
    }
    case 4: {
      if (n === 0) return input;
      const at = rng.int(n);
      const slice = input.subarray(at, at + 1 + rng.int(Math.min(n - at, 256)));
      return insertAt(input, rng.int(n + 1), slice, maxBytes);
    }
    case 5:
      return input.subarray(0, rng.int(n + 1)).slice();
    case 6: {
      const corpus = options.corpus ?? [];
      if (corpus.length === 0) return input;
      const other = rng.pick(corpus);
      return concat([input.subarray(0, rng.int(n + 1)), other.subarray(rng.int(other.length + 1))], maxBytes);
    }
    case 7:
      return writeInt(input, rng);
    case 8:
      return repeat(input, rng, maxBytes);
    case 9:
      return replaceNumber(input, rng, maxBytes);
    case 100:
      return insertAt(input, rng.int(n + 1), rng.pick(TEXT_TOKENS), maxBytes);
    default: {
      // Replace a byte by a separator: shifts field boundaries without changing the length.
      if (n === 0) return input;
      const out = input.slice();
      out[rng.int(n)] = rng.pick([0x0a, 0x0d, 0x20, 0x3b, 0x3d, 0x3a, 0x2c, 0x22, 0x24]);
      return out;
    }
  }
}

/**
 * A mutated copy of `input`: 1 to 4 stacked mutations among bit flips, byte sets, inserts, deletes, duplicates,
 * truncation, splicing with another corpus entry, boundary integers (0xFFFF, 0x7FFFFFFF...) written over
 * length fields, boundary numbers replacing digit runs, bounded repetition and, for text, line-break,
 * whitespace and separator injection. Never longer than `maxBytes`; never modifies `input`.
 */
export function mutate(input: Uint8Array, rng: FuzzRandom, options: MutateOptions): Uint8Array {
  const rounds = options.rounds ?? 1 + rng.int(4);
  let out = input.length > options.maxBytes ? input.subarray(0, options.maxBytes) : input;
  for (let i = 0; i < rounds; i++) out = mutateOnce(out, rng, options);
  return out === input ? input.slice() : out;
}

/** The input as printed in a failure report: hex when short, base64 when long. */
export function describeInput(input: Uint8Array): string {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return bytes.length <= 512 ? `hex:${bytes.toString('hex')}` : `base64:${bytes.toString('base64')}`;
}
