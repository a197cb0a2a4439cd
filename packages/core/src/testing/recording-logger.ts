import type { Logger } from '../logging/logger.js';

/** One line written to a {@link recordingLogger}. */
export interface LogLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  obj: object | string;
  msg: string | undefined;
}

/**
 * A {@link Logger} that keeps every line in memory (children write to the same list), for tests that assert
 * what was logged, or that a secret was not.
 *
 * @example
 * ```ts
 * const logger = recordingLogger();
 * await host.stop();
 * expect(logger.lines.some((l) => l.level === 'error')).toBe(false);
 * ```
 */
export function recordingLogger(lines: LogLine[] = []): Logger & { readonly lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => recordingLogger(lines),
  };
}
