import type { StreamChoice } from '../catalogue/records.js';

/**
 * A camera id as one safe path component (a segment folder, an export file): percent-encoded like a URI component
 * (no `/`, `\`, `:`...), with a leading dot encoded too so that no id can become `.`, `..` or a hidden file; distinct
 * ids give distinct names.
 */
export function cameraFileName(camera: string): string {
  if (camera === '') throw new RangeError('camera id must not be empty');
  return encodeURIComponent(camera).replace(/^\./, '%2E');
}

/**
 * Where a segment starting at `start` (ms, UTC) lives under its tier's root, `/`-separated:
 * `<camera>/<YYYY-MM-DD>/<HHmmss-SSS>-<stream>.mp4`.
 *
 * @example
 * ```ts
 * segmentFilePath('gate 1', 'main', Date.parse('2026-11-21T08:30:05.250Z')); // 'gate%201/2026-11-21/083005-250-main.mp4'
 * ```
 */
export function segmentFilePath(camera: string, stream: StreamChoice, start: number): string {
  const iso = new Date(start).toISOString();
  const day = iso.slice(0, 10);
  const time = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  return `${cameraFileName(camera)}/${day}/${time}-${stream}.mp4`;
}
