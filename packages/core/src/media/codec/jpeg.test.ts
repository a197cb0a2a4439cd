import { describe, expect, it } from 'vitest';
import { isJpeg } from './jpeg.js';

const jpeg = (...middle: number[]): Uint8Array => new Uint8Array([0xff, 0xd8, ...middle, 0xff, 0xd9]);

describe('isJpeg', () => {
  it('accepts SOI at the start and EOI as the last two bytes', () => {
    expect(isJpeg(jpeg(0xff, 0xe0, 0x00, 0x10))).toBe(true);
    expect(isJpeg(jpeg(0x00))).toBe(true);
  });

  it('rejects a missing SOI or EOI, bytes after the EOI, and markers with nothing between them', () => {
    expect(isJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0xd9]))).toBe(false);
    expect(isJpeg(jpeg(0x00).subarray(0, 4))).toBe(false);
    expect(isJpeg(new Uint8Array([...jpeg(0x00), 0x0d, 0x0a]))).toBe(false);
    expect(isJpeg(jpeg())).toBe(false);
    expect(isJpeg(new Uint8Array(0))).toBe(false);
  });
});
