import { ERROR_CODES, errorDefinition, type ErrorCode } from './registry.js';

/** Details attached to an error; they fill the message template and travel with the error (never secrets). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

const PLACEHOLDER = /\{(\w+)\}/g;

function formatMessage(template: string, details: ErrorDetails): string {
  return template.replace(PLACEHOLDER, (whole, key: string) =>
    Object.hasOwn(details, key) ? String(details[key]) : whole,
  );
}

/**
 * The one error class of Argus: a stable `code` from the registry, the HTTP `status`, structured `details`
 * and an optional `cause`.
 *
 * Test for a kind of error with {@link hasErrorCode}, not `instanceof`: errors cross package copies and
 * process boundaries.
 *
 * @example
 * ```ts
 * throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id: 'cam-7' });
 * // message: Camera "cam-7" does not exist, status: 404
 * ```
 */
export class ArgusError<C extends ErrorCode = ErrorCode> extends Error {
  /** Stable code from {@link ERROR_CODES}. */
  readonly code: C;
  /** HTTP status from the registry. */
  readonly status: number;
  /** Structured details that filled the message. */
  readonly details: ErrorDetails;

  constructor(code: C, details: ErrorDetails = {}, options: { cause?: unknown } = {}) {
    const definition = ERROR_CODES[code];
    if (definition === undefined) throw new TypeError(`Unknown error code: ${String(code)}`);
    super(formatMessage(definition.message, details), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArgusError';
    this.code = code;
    this.status = definition.status;
    this.details = Object.freeze({ ...details });
  }

  /** The API form of the error: `{ code, message, details }`. */
  toJSON(): { code: C; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Anything carrying a registered `ARGUS_ERR_*` code, whether or not it is an instance of this copy of the class. */
export interface CodedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
  readonly cause?: unknown;
}

/**
 * Type guard by code. With no `code`, true for any error carrying a registered Argus code.
 *
 * @example
 * ```ts
 * if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) askForNewCredentials();
 * ```
 */
export function hasErrorCode<C extends ErrorCode>(err: unknown, code?: C): err is CodedError & { readonly code: C } {
  if (typeof err !== 'object' || err === null) return false;
  const actual = (err as { code?: unknown }).code;
  if (typeof actual !== 'string') return false;
  return code === undefined ? errorDefinition(actual) !== undefined : actual === code;
}

/** Node.js system error codes that mean "the network or peer failed; try again later". */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when retrying the failed operation later may succeed: registry codes marked `transient`, and network
 * failures reported by Node.js. Drives the retries of the plugin host and the stream graph's reconnects.
 */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  const definition = errorDefinition(code);
  if (definition !== undefined) return definition.transient === true;
  return TRANSIENT_SYSTEM_CODES.has(code);
}
