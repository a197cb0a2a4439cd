import { ArgusError, systemClock, type Clock } from '@argus/core';
import { multipartBoundary, multipartParts, pathForMessages, type DeviceHttpClient } from '@argus/driver-kit';
import { startsLikeJpeg } from './jpeg-size.js';

/** One JPEG read from an MJPEG stream. */
export interface JpegFrame {
  /** The whole JPEG, SOI to EOI. */
  readonly jpeg: Uint8Array;
  /** When its last byte arrived, ms since epoch: the frame's capture time. */
  readonly capturedAt: number;
}

/** Options of {@link mjpegFrames}. */
export interface MjpegFramesOptions {
  /** For error messages: where the stream comes from (no credentials). */
  readonly endpoint: string;
  /** Source of capture times; default the system clock. */
  readonly clock?: Clock;
  /** Largest part accepted; beyond it `ARGUS_ERR_DRIVER_PROTOCOL`. Default {@link MAX_JPEG_PART_BYTES}. */
  readonly maxPartBytes?: number;
  /**
   * Consecutive corrupt JPEG parts (no SOI or no EOI) tolerated before the stream fails with
   * `ARGUS_ERR_DRIVER_PROTOCOL`; one glitched frame is skipped, a stream of them is an error. Default 5.
   */
  readonly maxBadParts?: number;
  /** Called for every skipped part, with why. */
  readonly onSkipped?: (reason: string) => void;
}

/** Default bound of one MJPEG part: 8 MiB, above any camera JPEG (a 4K JPEG at high quality is ~3 MiB). */
export const MAX_JPEG_PART_BYTES = 8 * 1024 * 1024;

/** Accept header of requests for an MJPEG stream or a JPEG. */
export const IMAGE_ACCEPT = 'multipart/x-mixed-replace, image/jpeg;q=0.9, */*;q=0.1';

const JPEG_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/x-jpeg']);

/** Bytes after EOI that servers leave inside a part (line ends, NUL padding); more than this is not a JPEG. */
const MAX_TRAILER = 16;

/** The media type of a part without parameters (`image/jpeg;size=123` -> `image/jpeg`), or `undefined`. */
function partType(headers: Readonly<Record<string, string>>): string | undefined {
  const value = headers['content-type'];
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/** The JPEG inside a part body (trailing line ends and padding after EOI removed), or why it is not one. */
export function jpegOfPart(body: Uint8Array): { jpeg: Uint8Array } | { bad: string } {
  if (!startsLikeJpeg(body)) return { bad: 'a part does not start with the JPEG SOI marker' };
  let end = body.byteLength;
  const floor = Math.max(2, end - MAX_TRAILER);
  while (end > floor && !(body[end - 2] === 0xff && body[end - 1] === 0xd9)) {
    const byte = body[end - 1];
    if (byte !== 0x0d && byte !== 0x0a && byte !== 0x00 && byte !== 0x20) break;
    end--;
  }
  if (!(end >= 4 && body[end - 2] === 0xff && body[end - 1] === 0xd9)) return { bad: 'a JPEG part is truncated (no EOI marker)' };
  return { jpeg: end === body.byteLength ? body : body.subarray(0, end) };
}

/**
 * The multipart boundary of an MJPEG response, checking its type: `multipart/x-mixed-replace` (or another
 * `multipart/*`) with a `boundary` parameter. Throws `ARGUS_ERR_DRIVER_PROTOCOL` otherwise.
 */
export function mjpegBoundary(contentType: string | undefined, endpoint: string): string {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!type.startsWith('multipart/')) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: `expected a multipart/x-mixed-replace stream, got "${contentType ?? 'no content type'}"` });
  }
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: `the multipart stream has no boundary: "${contentType}"` });
  }
  return boundary;
}

/**
 * The JPEGs of an MJPEG body, parsed with the kit's {@link multipartParts} (which copes with a dashed boundary
 * parameter, a missing first delimiter, parts without Content-Length and `image/jpeg;size=`). Empty and heartbeat
 * parts are skipped; a part of another type (text, XML: an event stream, not video) fails at once with
 * `ARGUS_ERR_DRIVER_PROTOCOL` (`details.partType` names the type); corrupt JPEG parts are skipped up to
 * `maxBadParts` in a row. Each frame's capture time is the moment its part completed.
 *
 * @example
 * ```ts
 * for await (const { jpeg, capturedAt } of mjpegFrames(response.body, boundary, { endpoint })) show(jpeg, capturedAt);
 * ```
 */
export async function* mjpegFrames(body: AsyncIterable<Uint8Array>, boundary: string, options: MjpegFramesOptions): AsyncGenerator<JpegFrame> {
  const { endpoint, clock = systemClock, maxBadParts = 5 } = options;
  let badInARow = 0;
  for await (const part of multipartParts(body, boundary, { maxPartBytes: options.maxPartBytes ?? MAX_JPEG_PART_BYTES, endpoint })) {
    const capturedAt = clock.now();
    if (part.body.byteLength === 0) continue;
    const type = partType(part.headers);
    if (type !== undefined && !JPEG_TYPES.has(type)) {
      if (type === 'text/plain' && isHeartbeat(part.body)) continue;
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: `the stream carries ${type} parts, not JPEG`, partType: type });
    }
    const found = jpegOfPart(part.body);
    if ('bad' in found) {
      badInARow++;
      options.onSkipped?.(found.bad);
      if (badInARow >= maxBadParts) {
        throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: `${found.bad}; ${badInARow} corrupt parts in a row` });
      }
      continue;
    }
    badInARow = 0;
    yield { jpeg: found.jpeg, capturedAt };
  }
}

function isHeartbeat(body: Uint8Array): boolean {
  return body.byteLength < 32 && /^\s*heartbeat\s*$/i.test(Buffer.from(body).toString('latin1'));
}

/** Options of {@link openMjpegFrames}. */
export interface OpenMjpegFramesOptions extends Omit<MjpegFramesOptions, 'endpoint'> {
  /** Stops reading and closes the connection. */
  readonly signal?: AbortSignal;
  /** Time allowed for the response headers; default the client's. */
  readonly timeoutMs?: number;
  /** Fails the stream with `ARGUS_ERR_DRIVER_TIMEOUT` when no byte arrived for this long; default 0 (never). */
  readonly idleTimeoutMs?: number;
}

/**
 * GETs an MJPEG stream with the device client (Digest/Basic as the device asks) and yields its JPEGs; ending the
 * iteration, or aborting `signal`, closes the connection. HTTP failures come typed from the client (401 ->
 * `ARGUS_ERR_DRIVER_AUTH`, other statuses -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`); a reply that is not a multipart
 * stream of JPEGs -> `ARGUS_ERR_DRIVER_PROTOCOL`.
 */
export async function* openMjpegFrames(http: DeviceHttpClient, path: string, options: OpenMjpegFramesOptions = {}): AsyncGenerator<JpegFrame> {
  const { signal, timeoutMs, idleTimeoutMs, ...rest } = options;
  // The client closes the response when `signal` aborts.
  const response = await http.stream({ path, headers: { accept: IMAGE_ACCEPT }, signal, timeoutMs, idleTimeoutMs });
  try {
    const endpoint = `${http.endpoint}${pathForMessages(path)}`;
    const boundary = mjpegBoundary(response.headers['content-type'], endpoint);
    yield* mjpegFrames(response.body, boundary, { ...rest, endpoint });
  } finally {
    response.close();
  }
}
