import { ArgusError } from '@argus/core';

/** Picture size and coding of a JPEG, read from its start-of-frame (SOFn) segment. */
export interface JpegSize {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** True for a progressive JPEG (SOF2, SOF6, SOF10, SOF14). */
  readonly progressive: boolean;
  /** Number of colour components (1 grey, 3 YCbCr). */
  readonly components: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** SOFn markers that carry a frame header: C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function isProgressive(marker: number): boolean {
  return marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
}

/** Markers without a length field: TEM and RST0..RST7. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/** True when `bytes` starts with the JPEG SOI marker (FF D8). */
export function startsLikeJpeg(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0xff && bytes[1] === SOI;
}

/**
 * Reads width and height from a JPEG's frame header (SOF0 baseline, SOF1 extended, SOF2 progressive and the other
 * SOFn), walking the marker segments from SOI up to the first SOFn. Throws `ARGUS_ERR_DRIVER_PROTOCOL` when the
 * bytes are not a JPEG, a segment runs past the end, or the scan starts before any frame header.
 *
 * @param bytes - the JPEG (a prefix up to the SOF segment is enough).
 * @param endpoint - where the bytes came from, for the error message.
 *
 * @example
 * ```ts
 * const { width, height } = parseJpegSize(jpeg, 'http://127.0.0.1:8080/snapshot.jpg');
 * ```
 */
export function parseJpegSize(bytes: Uint8Array, endpoint = 'jpeg'): JpegSize {
  const fail = (reason: string): never => {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason });
  };
  if (!startsLikeJpeg(bytes)) fail('the image does not start with the JPEG SOI marker');
  let offset = 2;
  while (offset < bytes.byteLength) {
    if (bytes[offset] !== 0xff) fail(`expected a JPEG marker at byte ${offset}`);
    // Any number of 0xFF fill bytes may precede a marker.
    while (offset < bytes.byteLength && bytes[offset] === 0xff) offset++;
    if (offset >= bytes.byteLength) break;
    const marker = bytes[offset]!;
    offset++;
    if (isStandalone(marker)) continue;
    if (marker === EOI || marker === SOS) fail('the JPEG has no frame header (SOFn) before its scan');
    if (offset + 2 > bytes.byteLength) break;
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (length < 2) fail(`JPEG segment FF${marker.toString(16).toUpperCase()} has an invalid length ${length}`);
    if (isStartOfFrame(marker)) {
      if (length < 8 || offset + 8 > bytes.byteLength) break;
      const height = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
      const width = (bytes[offset + 5]! << 8) | bytes[offset + 6]!;
      const components = bytes[offset + 7]!;
      // Height 0 means "defined by a DNL segment later", which no camera sends; width 0 is invalid.
      if (width === 0 || height === 0) fail(`the JPEG frame header gives a size of ${width}x${height}`);
      return { width, height, progressive: isProgressive(marker), components };
    }
    offset += length;
  }
  return fail('the JPEG ends before its frame header (SOFn)');
}
