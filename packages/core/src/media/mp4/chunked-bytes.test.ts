import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkedBytes, joinChunks } from './chunked-bytes.js';

describe('ChunkedBytes', () => {
  it('gives back exactly what was appended, across slab edges, in pieces no larger than a slab', () => {
    const queue = new ChunkedBytes(64);
    const parts = [randomBytes(10), randomBytes(200), randomBytes(0), randomBytes(63), randomBytes(1)];
    const expected: Buffer[] = [];
    for (const part of parts) {
      queue.u32(part.length).append(part);
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(part.length);
      expected.push(prefix, part);
    }
    expect(queue.length).toBe(Buffer.concat(expected).length);
    const chunks = queue.take();
    expect(chunks.every((c) => c.byteLength <= 64 && c.byteLength > 0)).toBe(true);
    expect(Buffer.from(joinChunks(chunks))).toEqual(Buffer.concat(expected));
    expect(queue.length).toBe(0);
    expect(queue.take()).toEqual([]);
  });

  it('keeps filling the last slab after a take without touching the bytes already taken', () => {
    const queue = new ChunkedBytes(32);
    queue.append(Buffer.from('first'));
    const first = queue.take();
    queue.append(Buffer.from('second'));
    const second = queue.take();
    expect(Buffer.from(joinChunks(first)).toString()).toBe('first');
    expect(Buffer.from(joinChunks(second)).toString()).toBe('second');
    // both views share one slab, side by side
    expect(first[0]?.buffer).toBe(second[0]?.buffer);
    expect(second[0]?.byteOffset).toBe((first[0]?.byteOffset ?? 0) + 5);
  });

  it('copies: changing the source afterwards changes nothing', () => {
    const queue = new ChunkedBytes();
    const source = Buffer.from('abcdef');
    queue.append(source);
    source.fill(0);
    expect(Buffer.from(joinChunks(queue.take())).toString()).toBe('abcdef');
  });

  it('refuses a slab too small to hold a length prefix', () => {
    expect(() => new ChunkedBytes(8)).toThrow(RangeError);
  });
});
