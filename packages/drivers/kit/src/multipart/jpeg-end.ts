/** Resumable state of {@link jpegEnd}: where the walk stopped and whether it is inside entropy-coded data. */
export interface JpegWalk {
  /** Offset (from the JPEG's first byte) of the next byte to look at. */
  pos: number;
  /** True between an SOS header and the next marker. */
  inScan: boolean;
}

/**
 * Finds the end of a baseline or progressive JPEG by walking its marker segments (so an `FFD9` inside an EXIF
 * thumbnail or any other length-delimited segment is not mistaken for the end), resuming where a previous call
 * stopped as more bytes arrive.
 *
 * @param data - buffer holding the JPEG from `start`.
 * @param start - offset of the JPEG's `FFD8`.
 * @param end - offset one past the last valid byte in `data`.
 * @param walk - state carried between calls; start with `{ pos: 2, inScan: false }`.
 * @returns the length of the JPEG including `FFD9`; `-1` when more bytes are needed; `-2` when the bytes are not
 *   a JPEG (no marker where one must be), so the caller can fall back to another framing.
 * @internal
 */
export function jpegEnd(data: Uint8Array, start: number, end: number, walk: JpegWalk): number {
  const length = end - start;
  if (length < 2) return -1;
  if (data[start] !== 0xff || data[start + 1] !== 0xd8) return -2;
  let pos = walk.pos;
  for (;;) {
    if (walk.inScan) {
      // Entropy-coded data: 0xFF is followed by 0x00 (stuffing), RST0-7, fill 0xFF, or a real marker.
      let found = -1;
      for (let i = pos; i + 1 < length; i++) {
        if (data[start + i] !== 0xff) continue;
        const next = data[start + i + 1] ?? 0;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
          if (next !== 0xff) i++;
          continue;
        }
        found = i;
        break;
      }
      if (found < 0) {
        // Keep one byte back in case a 0xFF is the last byte available.
        walk.pos = Math.max(pos, length - 1);
        return -1;
      }
      pos = found;
      walk.inScan = false;
    }
    if (pos + 2 > length) {
      walk.pos = pos;
      return -1;
    }
    if (data[start + pos] !== 0xff) return -2;
    const marker = data[start + pos + 1] ?? 0;
    if (marker === 0xff) {
      pos++; // Fill byte before a marker.
      continue;
    }
    if (marker === 0xd9) return pos + 2;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xd8) {
      pos += 2;
      continue;
    }
    if (pos + 4 > length) {
      walk.pos = pos;
      return -1;
    }
    const segment = ((data[start + pos + 2] ?? 0) << 8) | (data[start + pos + 3] ?? 0);
    if (segment < 2) return -2;
    pos += 2 + segment;
    if (marker === 0xda) walk.inScan = true;
    walk.pos = pos;
  }
}
