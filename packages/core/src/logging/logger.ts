import { pino, type DestinationStream, type LevelWithSilent } from 'pino';

/** The logging surface Argus code depends on (a subset of pino's `Logger`). */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  fatal(obj: object | string, msg?: string): void;
  /** A logger whose every line carries `bindings` (e.g. `{ plugin: 'storage' }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; default `info`, or `ARGUS_LOG_LEVEL`. */
  level?: LevelWithSilent;
  /** Name on every line. */
  name?: string;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

/**
 * Paths whose values are replaced by `[redacted]` in every log line, so secrets never reach a log: passwords,
 * tokens, credentials and authorisation headers, at the top level and one or two levels down.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  'pass',
  'secret',
  'token',
  'apiKey',
  'credentials',
  'authorization',
  '*.password',
  '*.pass',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.credentials',
  '*.authorization',
  '*.*.password',
  '*.*.token',
  '*.*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Creates the structured JSON logger (pino) with secret redaction.
 *
 * @example
 * ```ts
 * const log = createLogger({ name: 'argus', level: 'debug' });
 * log.child({ camera: 'cam-1' }).info({ password: 'x' }, 'connected'); // password is [redacted]
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env['ARGUS_LOG_LEVEL'] as LevelWithSilent | undefined) ?? 'info';
  const settings = {
    level,
    name: options.name,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/** A logger that writes nothing; the default where no logger was injected. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
