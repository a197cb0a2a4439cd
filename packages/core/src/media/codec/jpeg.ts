/**
 * True when `bytes` is one whole JPEG: the SOI marker (FF D8) at the start and the EOI marker (FF D9) as the last
 * two bytes, with something in between (`FF D8 FF D9` alone holds no picture). The markers are all it checks:
 * the segments between them are not parsed.
 *
 * @example
 * ```ts
 * if (!isJpeg(reply.body)) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'not a whole JPEG' });
 * ```
 */
export function isJpeg(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  return n > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}
