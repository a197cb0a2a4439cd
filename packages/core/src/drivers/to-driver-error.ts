import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { hostAuthority } from './device-url.js';

/** The parts of an endpoint shown in messages; credentials are never read. */
export interface EndpointLike {
  readonly host: string;
  readonly port?: number;
  readonly scheme?: string;
  readonly path?: string;
}

/** Writes an endpoint for messages and logs, `scheme://host:port/path`, without credentials. */
export function formatEndpoint(endpoint: EndpointLike | string): string {
  if (typeof endpoint === 'string') return endpoint;
  const scheme = endpoint.scheme === undefined ? '' : `${endpoint.scheme}://`;
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  return `${scheme}${hostAuthority(endpoint.host)}${port}${endpoint.path ?? ''}`;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

type Classified = { kind: 'timeout'; code: string } | { kind: 'unreachable'; code: string };

/** Finds a network failure in an error, its `cause` chain (fetch) and `errors` list (happy-eyeballs AggregateError). */
function classify(err: unknown, depth = 0): Classified | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (name === 'TimeoutError') return { kind: 'timeout', code: 'TimeoutError' };
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', code };
    if (UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', code };
  }
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = classify(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return classify((err as { cause?: unknown }).cause, depth + 1);
}

/** Options of {@link toDriverError}. */
export interface ToDriverErrorOptions {
  /** The time limit that was exceeded, recorded in the timeout error's details. */
  readonly timeoutMs?: number;
}

/**
 * Maps a failure of a driver's network call to the typed error callers act on: connection refused, host or
 * network unreachable, reset and DNS failures become `ARGUS_ERR_DRIVER_UNREACHABLE`; `ETIMEDOUT`, undici
 * timeouts and `AbortSignal.timeout()` become `ARGUS_ERR_DRIVER_TIMEOUT` (both transient, so callers retry).
 * Errors that already carry an Argus code, and anything unrecognised, are returned unchanged (non-errors are
 * wrapped in an `Error`).
 *
 * @example
 * ```ts
 * try {
 *   res = await fetch(url, { signal });
 * } catch (err) {
 *   throw toDriverError(err, endpoint);
 * }
 * ```
 */
export function toDriverError(err: unknown, endpoint: EndpointLike | string, options: ToDriverErrorOptions = {}): Error {
  if (hasErrorCode(err) && err instanceof Error) return err;
  const where = formatEndpoint(endpoint);
  const found = classify(err);
  if (found?.kind === 'timeout') {
    return new ArgusError(
      'ARGUS_ERR_DRIVER_TIMEOUT',
      { endpoint: where, reason: found.code, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
      { cause: err },
    );
  }
  if (found?.kind === 'unreachable') {
    return new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: where, reason: found.code }, { cause: err });
  }
  if (err instanceof Error) return err;
  return new Error(String(err), { cause: err });
}
