import { ArgusError } from '../../errors/argus-error.js';

const CREDENTIALS_IN_URL = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;
const AUTH_FAILED = /\b(401 Unauthorized|403 Forbidden|authentication failed|authorization failed)\b/i;
const NOT_FOUND = /\b404 Not Found\b/i;
const UNREACHABLE = /(Connection refused|No route to host|Network is unreachable|Connection timed out|Failed to resolve hostname|Name or service not known|Temporary failure in name resolution)/i;
const STDERR_LINES_KEPT = 8;

/** Replaces the user info of every URL in `text`: `rtsp://user:pass@host` becomes `rtsp://***@host`. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS_IN_URL, '$1***@');
}

/** The last non-empty lines of ffmpeg's stderr, credentials redacted. */
export function lastStderrLines(stderr: string | null | undefined, count = STDERR_LINES_KEPT): string[] {
  if (stderr === null || stderr === undefined) return [];
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.slice(-count).map(redactCredentials);
}

/**
 * Turns a failed ffmpeg/ffprobe run into a typed error: the driver's auth, unreachable and not-found codes when
 * stderr says so plainly, `ARGUS_ERR_MEDIA_FFMPEG_FAILED` (transient) with the last stderr lines otherwise.
 */
export function ffmpegFailure(source: string, stderr: string | null | undefined, fallback: string, cause?: unknown): ArgusError {
  const endpoint = redactCredentials(source);
  const lines = lastStderrLines(stderr);
  const text = lines.join('\n');
  const options = cause === undefined ? {} : { cause };
  if (AUTH_FAILED.test(text)) return new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint, stderr: lines }, options);
  if (NOT_FOUND.test(text)) return new ArgusError('ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND', { url: endpoint, stderr: lines }, options);
  const unreachable = UNREACHABLE.exec(text);
  if (unreachable !== null) {
    return new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint, reason: unreachable[1], stderr: lines }, options);
  }
  const reason = lines.length > 0 ? lines.slice(-3).join(' | ') : redactCredentials(fallback);
  return new ArgusError('ARGUS_ERR_MEDIA_FFMPEG_FAILED', { reason, source: endpoint, stderr: lines }, options);
}
