import { beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { parseJpegSize, startsLikeJpeg } from './jpeg-size.js';
import { testJpeg } from './test/jpeg.test-helper.js';

function protocolError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return String((err as { details?: { reason?: string } }).details?.reason ?? err);
    throw err;
  }
  throw new Error('expected ARGUS_ERR_DRIVER_PROTOCOL');
}

/** Offset of the first SOFn marker byte (the byte after FF) in a JPEG. */
function sofOffset(jpeg: Uint8Array): number {
  for (let i = 2; i < jpeg.byteLength - 1; i++) if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) return i + 1;
  throw new Error('no SOF0 in the test JPEG');
}

describe('parseJpegSize', () => {
  let small: Uint8Array;
  let hd: Uint8Array;
  beforeAll(async () => {
    [small, hd] = await Promise.all([testJpeg(352, 288), testJpeg(1920, 1080)]);
  });

  it('reads the size of real baseline JPEGs (SOF0) written by ffmpeg', () => {
    expect(parseJpegSize(small)).toEqual({ width: 352, height: 288, progressive: false, components: 3 });
    // Both dimensions above 255 check the byte order of the 16-bit fields.
    expect(parseJpegSize(hd)).toMatchObject({ width: 1920, height: 1080 });
    expect(isJpeg(hd)).toBe(true);
  });

  it('reads SOF2 as progressive', () => {
    const progressive = small.slice();
    progressive[sofOffset(progressive)] = 0xc2;
    expect(parseJpegSize(progressive)).toEqual({ width: 352, height: 288, progressive: true, components: 3 });
  });

  it('needs only the bytes up to the frame header', () => {
    const prefix = small.subarray(0, sofOffset(small) + 9);
    expect(parseJpegSize(prefix)).toMatchObject({ width: 352, height: 288 });
    expect(isJpeg(prefix)).toBe(false);
    expect(startsLikeJpeg(prefix)).toBe(true);
  });

  it('skips APPn segments and fill bytes before the frame header', () => {
    const app1 = Uint8Array.of(0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0xff, 0xff);
    const withExif = new Uint8Array([...small.subarray(0, 2), ...app1, ...small.subarray(2)]);
    expect(parseJpegSize(withExif)).toMatchObject({ width: 352, height: 288 });
  });

  it('rejects what is not a JPEG, or one cut before its frame header, with ARGUS_ERR_DRIVER_PROTOCOL', () => {
    expect(protocolError(() => parseJpegSize(new TextEncoder().encode('<html>401</html>'), 'http://127.0.0.1:1/x'))).toMatch(/SOI/);
    expect(protocolError(() => parseJpegSize(small.subarray(0, sofOffset(small) - 3)))).toMatch(/ends before/);
    expect(protocolError(() => parseJpegSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0x00, 0x02)))).toMatch(/no frame header/);
    expect(protocolError(() => parseJpegSize(Uint8Array.of(0xff, 0xd8, 0x12, 0x34)))).toMatch(/expected a JPEG marker/);
    expect(protocolError(() => parseJpegSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01)))).toMatch(/invalid length/);
    const zeroWidth = small.slice();
    const sof = sofOffset(zeroWidth);
    zeroWidth[sof + 6] = 0;
    zeroWidth[sof + 7] = 0;
    expect(protocolError(() => parseJpegSize(zeroWidth))).toMatch(/size of 0x288/);
  });
});
