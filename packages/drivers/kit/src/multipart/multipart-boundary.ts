/**
 * The `boundary` parameter of a multipart Content-Type (unquoted; a leading `--` that some devices put in the
 * parameter is kept and tolerated by {@link MultipartParser}); undefined when there is none.
 *
 * @example
 * ```ts
 * multipartBoundary('multipart/x-mixed-replace; boundary=--myboundary'); // '--myboundary'
 * multipartBoundary('multipart/mixed; boundary="a b"'); // 'a b'
 * ```
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const match = /(?:^|[;,\s])boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]+))/i.exec(contentType);
  if (match === null) return undefined;
  const value = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '');
  return value === '' ? undefined : value;
}
