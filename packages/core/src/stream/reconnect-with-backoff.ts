import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { hasErrorCode, isTransient } from '../errors/argus-error.js';

/** Options of {@link reconnectWithBackoff}. */
export interface ReconnectWithBackoffOptions {
  /** Delay before the first retry, ms; default 500. */
  initialDelayMs?: number;
  /** Ceiling of the delay, ms; default 30 000. */
  maxDelayMs?: number;
  /** Growth of the delay per failed attempt; default 2. */
  factor?: number;
  /** Spread of the delay, 0..1: the delay is scaled by a random factor in `1 ± jitter`; default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1); default `Math.random` (tests pass a constant). */
  random?: () => number;
  /** Scheduler of the delays; default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /**
   * Whether an error is worth a retry. Default: anything but an Argus error that is not transient (bad
   * credentials, unsupported device...), which no retry will fix.
   */
  shouldRetry?: (err: unknown) => boolean;
  /** Called before each wait; `err` is `undefined` when the source completed. */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

/** The default retry policy: retry all but non-transient Argus errors. */
export function isRetryable(err: unknown): boolean {
  return !(hasErrorCode(err) && !isTransient(err));
}

/**
 * The delay before retry `attempt` (from 1): exponential from `initialDelayMs` by `factor`, capped at
 * `maxDelayMs`, scaled by `1 + jitter * (2 * random() - 1)` so that many cameras dropped at once do not
 * reconnect in step.
 */
export function backoffDelay(attempt: number, options: ReconnectWithBackoffOptions = {}): number {
  const { initialDelayMs, maxDelayMs, factor, jitter, random } = withDefaults(options);
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  return Math.round(Math.min(maxDelayMs, base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Keeps a connection-like Observable alive: on an error worth retrying, and on completion (an upstream that
 * ends is a dropped connection), it resubscribes to the source after an exponential delay with jitter. A value
 * from the source resets the attempt count, so a camera that drops now and then reconnects quickly each time.
 * An error not worth retrying is passed on.
 *
 * @example
 * ```ts
 * const packets$ = defer(() => rtsp.connect(url)).pipe(
 *   reconnectWithBackoff({ onRetry: (attempt, delayMs) => log.warn({ attempt, delayMs }, 'reconnecting') }),
 * );
 * ```
 */
export function reconnectWithBackoff<T>(options: ReconnectWithBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const settings = withDefaults(options);
  return (source) =>
    new Observable<T>((subscriber) => {
      let attempt = 0;
      let connection: Subscription | undefined;
      let wait: Subscription | undefined;
      let stopped = false;

      const retry = (err: unknown, completed: boolean): void => {
        if (!completed && !settings.shouldRetry(err)) {
          subscriber.error(err);
          return;
        }
        attempt += 1;
        const delayMs = backoffDelay(attempt, settings);
        settings.onRetry?.(attempt, delayMs, completed ? undefined : err);
        if (stopped) return;
        wait = settings.scheduler.schedule(connect, delayMs);
      };

      function connect(): void {
        connection?.unsubscribe();
        connection = source.subscribe({
          next: (value) => {
            attempt = 0;
            subscriber.next(value);
          },
          error: (err: unknown) => retry(err, false),
          complete: () => retry(undefined, true),
        });
      }

      connect();
      return () => {
        stopped = true;
        wait?.unsubscribe();
        connection?.unsubscribe();
      };
    });
}

type Settings = Required<Omit<ReconnectWithBackoffOptions, 'onRetry'>> & Pick<ReconnectWithBackoffOptions, 'onRetry'>;

function withDefaults(options: ReconnectWithBackoffOptions): Settings {
  const settings = {
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.2,
    random: options.random ?? Math.random,
    scheduler: options.scheduler ?? asyncScheduler,
    shouldRetry: options.shouldRetry ?? isRetryable,
    onRetry: options.onRetry,
  };
  if (!(settings.initialDelayMs >= 0)) throw new RangeError(`initialDelayMs must be >= 0, got ${settings.initialDelayMs}`);
  if (!(settings.maxDelayMs >= settings.initialDelayMs)) {
    throw new RangeError(`maxDelayMs must be >= initialDelayMs, got ${settings.maxDelayMs}`);
  }
  if (!(settings.factor >= 1)) throw new RangeError(`factor must be >= 1, got ${settings.factor}`);
  if (!(settings.jitter >= 0 && settings.jitter <= 1)) throw new RangeError(`jitter must be within 0..1, got ${settings.jitter}`);
  return settings;
}
