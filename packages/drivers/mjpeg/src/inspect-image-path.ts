import { ArgusError, hasErrorCode } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { pathForMessages, type DeviceHttpClient, type DeviceStreamResponse } from '@argus/driver-kit';
import { parseJpegSize, type JpegSize } from './jpeg-size.js';
import { IMAGE_ACCEPT, MAX_JPEG_PART_BYTES, mjpegBoundary, mjpegFrames } from './mjpeg-frames.js';

/** What an HTTP path serves, as far as these drivers care. */
export type ImageEndpointKind = 'mjpeg' | 'jpeg';

/** A path that serves MJPEG or a JPEG, with the size of its (first) picture. */
export interface ImagePathFound {
  /** What the path serves. */
  readonly kind: ImageEndpointKind;
  /** The path. */
  readonly path: string;
  /** Its Content-Type as sent. */
  readonly contentType: string;
  /** Size of the (first) JPEG. */
  readonly size: JpegSize;
}

/** A path that claims MJPEG or a JPEG by its content type but sends a broken one (truncated JPEG, bad framing). */
export interface ImagePathBroken {
  /** Always `broken`. */
  readonly kind: 'broken';
  /** What the content type promised. */
  readonly intended: ImageEndpointKind;
  /** The path. */
  readonly path: string;
  /** What is wrong, for the protocol error. */
  readonly reason: string;
}

/** What {@link inspectImagePath} found at a path. */
export type ImagePathVerdict =
  | ImagePathFound
  | ImagePathBroken
  /** The device wants credentials (none given, or those given were rejected): what is there cannot be known. */
  | { readonly kind: 'locked'; readonly path: string }
  /** The device answered another non-2xx status (404...). */
  | { readonly kind: 'absent'; readonly path: string; readonly status: number }
  /** Something else is there (HTML, an event stream). */
  | { readonly kind: 'other'; readonly path: string; readonly contentType: string; readonly reason: string };

/** Options of {@link inspectImagePath}. */
export interface InspectImagePathOptions {
  readonly signal?: AbortSignal;
  /** Time for the response headers. */
  readonly timeoutMs?: number;
  /** Time without a byte, once the response started, before the path counts as "other"; default 3000 ms. */
  readonly idleTimeoutMs?: number;
}

/**
 * Where a path is likely to lead, judged from its spelling alone; used to decide whose credentials problem a 401 on
 * an explicit path is. Rows are data: first match wins; a path matching neither is "unknown" (either driver).
 */
export const PATH_HINTS: readonly { readonly pattern: RegExp; readonly kind: ImageEndpointKind }[] = [
  { pattern: /mjpe?g|videostream|nphmotionjpeg|action=stream|faststream|video\.cgi/i, kind: 'mjpeg' },
  { pattern: /snapshot|oneshot|still|\.jpe?g(\?|$)|jpg\/image|image\.cgi|action=snapshot/i, kind: 'jpeg' },
];

/** The kind a path's spelling suggests (see {@link PATH_HINTS}), or `undefined`. */
export function pathHint(path: string): ImageEndpointKind | undefined {
  return PATH_HINTS.find((hint) => hint.pattern.test(path))?.kind;
}

/** Reads a whole body up to `limit` bytes; `undefined` when it is larger. */
async function readAll(body: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) return undefined;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * GETs `path` and tells what it serves: an MJPEG stream (multipart with a JPEG part: its first JPEG is read for the
 * size), a single JPEG, a lock (401), nothing (other non-2xx) or something else. Network failures are thrown
 * (typed by the client); nothing else is. The connection is closed before returning.
 *
 * @example
 * ```ts
 * const verdict = await inspectImagePath(http, '/mjpg/video.mjpg', { signal });
 * if (verdict.kind === 'mjpeg') console.log(verdict.size.width);
 * ```
 */
export async function inspectImagePath(http: DeviceHttpClient, path: string, options: InspectImagePathOptions = {}): Promise<ImagePathVerdict> {
  const endpoint = `${http.endpoint}${pathForMessages(path)}`;
  let response: DeviceStreamResponse;
  try {
    response = await http.stream({ path, headers: { accept: IMAGE_ACCEPT }, idleTimeoutMs: options.idleTimeoutMs ?? 3000, signal: options.signal, timeoutMs: options.timeoutMs });
  } catch (err) {
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) return { kind: 'locked', path };
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) {
      return { kind: 'absent', path, status: Number((err as ArgusError).details?.['status'] ?? 0) };
    }
    throw err;
  }
  // The client closes the response when `signal` aborts.
  const contentType = response.headers['content-type'] ?? '';
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  const intended: ImageEndpointKind | undefined = type.startsWith('multipart/') ? 'mjpeg' : type.startsWith('image/') ? 'jpeg' : undefined;
  try {
    if (intended === 'mjpeg') {
      const boundary = mjpegBoundary(contentType, endpoint);
      for await (const frame of mjpegFrames(response.body, boundary, { endpoint, maxBadParts: 2 })) {
        return { kind: 'mjpeg', path, contentType, size: parseJpegSize(frame.jpeg, endpoint) };
      }
      return { kind: 'other', path, contentType, reason: 'the multipart stream ended without a JPEG part' };
    }
    if (intended === 'jpeg') {
      const body = await readAll(response.body, MAX_JPEG_PART_BYTES);
      if (body === undefined) return { kind: 'broken', intended, path, reason: `the image is larger than ${MAX_JPEG_PART_BYTES} bytes` };
      if (!isJpeg(body)) return { kind: 'broken', intended, path, reason: `the ${type} body is not a whole JPEG (${body.byteLength} bytes)` };
      return { kind: 'jpeg', path, contentType, size: parseJpegSize(body, endpoint) };
    }
    return { kind: 'other', path, contentType, reason: `the content type is "${contentType}"` };
  } catch (err) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) {
      const { reason, partType } = (err as ArgusError).details;
      // Parts of another type: an event stream or the like, not a broken camera.
      if (typeof partType === 'string') return { kind: 'other', path, contentType, reason: String(reason) };
      if (intended !== undefined) return { kind: 'broken', intended, path, reason: String(reason) };
    }
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT') && intended !== undefined) {
      return { kind: 'other', path, contentType, reason: 'no complete image arrived in time' };
    }
    throw err;
  } finally {
    response.close();
  }
}

/** Options of {@link findImagePath}. */
export interface FindImagePathOptions extends InspectImagePathOptions {
  /** True when the paths came from the user (one explicit URL) rather than the default list. */
  readonly explicit: boolean;
  /** The user name given, to word the auth error. */
  readonly username?: string;
}

/**
 * Tries `paths` in order and returns the first that serves `kind`, or `undefined` when none does. When none does:
 * a path whose content type promised `kind` but whose image or framing was broken throws
 * `ARGUS_ERR_DRIVER_PROTOCOL`; else a path that answered 401 throws `ARGUS_ERR_DRIVER_AUTH` (behind a 401 the
 * content type cannot be known, so the lock is claimed, except for an explicit path whose spelling names the other
 * kind, see {@link pathHint}).
 */
export async function findImagePath(
  http: DeviceHttpClient,
  kind: ImageEndpointKind,
  paths: readonly string[],
  options: FindImagePathOptions,
): Promise<ImagePathFound | undefined> {
  const { explicit, username, ...inspect } = options;
  let locked: string | undefined;
  let broken: ImagePathBroken | undefined;
  for (const path of paths) {
    inspect.signal?.throwIfAborted();
    const verdict = await inspectImagePath(http, path, inspect);
    if (verdict.kind === kind) return verdict as ImagePathFound;
    if (verdict.kind === 'broken' && verdict.intended === kind) broken ??= verdict;
    const hint = pathHint(path);
    if (verdict.kind === 'locked' && !(explicit && hint !== undefined && hint !== kind)) locked ??= path;
  }
  if (broken !== undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: `${http.endpoint}${pathForMessages(broken.path)}`, reason: broken.reason });
  }
  if (locked === undefined) return undefined;
  throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', {
    endpoint: http.endpoint,
    path: pathForMessages(locked),
    reason: username === undefined || username === '' ? 'credentials required' : 'credentials rejected',
  });
}
