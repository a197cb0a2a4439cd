import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { backoffDelay, isRetryable, reconnectWithBackoff } from './reconnect-with-backoff.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('reconnectWithBackoff', () => {
  it('resubscribes after exponential delays with jitter, capped at maxDelayMs, and tears down on unsubscribe', () => {
    const ts = scheduler();
    const retries: [number, number][] = [];
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('---#', undefined, new Error('socket reset'));
      const result = source.pipe(
        reconnectWithBackoff({
          initialDelayMs: 10,
          maxDelayMs: 40,
          factor: 2,
          jitter: 0.2,
          random: () => 0.75, // scales every delay by 1 + 0.2 * 0.5 = 1.1
          scheduler: ts,
          onRetry: (attempt, delayMs) => retries.push([attempt, delayMs]),
        }),
      );
      expectObservable(result, '^ 129ms !').toBe('');
      // errors at 3 -> +11 -> 14; 17 -> +22 -> 39; 42 -> +40 (capped) -> 82; 85 -> +40 -> 125; 128 -> waiting at 130
      expectSubscriptions(source.subscriptions).toBe([
        '^--!',
        '14ms ^--!',
        '39ms ^--!',
        '82ms ^--!',
        '125ms ^--!',
      ]);
    });
    expect(retries).toEqual([
      [1, 11],
      [2, 22],
      [3, 40],
      [4, 40],
      [5, 40],
    ]);
  });

  it('resets the attempt count after a value arrives', () => {
    const ts = scheduler();
    const delays: number[] = [];
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#');
      const result = source.pipe(
        reconnectWithBackoff({ initialDelayMs: 10, jitter: 0, scheduler: ts, onRetry: (_a, delayMs) => delays.push(delayMs) }),
      );
      expectObservable(result, '^ 27ms !').toBe('-a 12ms a 12ms a');
      expectSubscriptions(source.subscriptions).toBe(['^--!', '13ms ^--!', '26ms ^-!']);
    });
    expect(delays).toEqual([10, 10]);
  });

  it('treats completion as a dropped connection', () => {
    const ts = scheduler();
    const errors: unknown[] = [];
    ts.run(({ cold, expectObservable }) => {
      const source = cold('-a|');
      const result = source.pipe(
        reconnectWithBackoff({ initialDelayMs: 5, jitter: 0, scheduler: ts, onRetry: (_a, _d, err) => errors.push(err) }),
      );
      expectObservable(result, '^ 10ms !').toBe('-a 6ms a');
    });
    expect(errors).toEqual([undefined, undefined]); // completed at 2 and at 9
  });

  it('passes a non-transient Argus error on without retrying', () => {
    const ts = scheduler();
    const auth = new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'rtsp://10.0.0.9' });
    let retried = false;
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', undefined, auth);
      const result = source.pipe(reconnectWithBackoff({ scheduler: ts, onRetry: () => (retried = true) }));
      expectObservable(result).toBe('-a-#', undefined, auth);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(retried).toBe(false);
  });

  it('retries transient Argus errors and plain errors, and honours a custom shouldRetry', () => {
    expect(isRetryable(new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: 'x', reason: 'timeout' }))).toBe(true);
    expect(isRetryable(new Error('boom'))).toBe(true);
    expect(isRetryable(new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'x' }))).toBe(false);

    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const err = new Error('fatal');
      const source = cold('-#', undefined, err);
      const result = source.pipe(reconnectWithBackoff({ scheduler: ts, shouldRetry: () => false }));
      expectObservable(result).toBe('-#', undefined, err);
    });
  });

  it('computes delays and rejects bad options', () => {
    const opts = { initialDelayMs: 500, jitter: 0.2, random: () => 0 };
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, opts))).toEqual([400, 800, 1_600]);
    expect(backoffDelay(20, { random: () => 0.5 })).toBe(30_000);
    expect(() => reconnectWithBackoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => reconnectWithBackoff({ factor: 0.5 })).toThrow(RangeError);
    expect(() => reconnectWithBackoff({ initialDelayMs: 100, maxDelayMs: 10 })).toThrow(RangeError);
  });

  it('keeps the error identity so callers can test codes', () => {
    const ts = scheduler();
    const auth = new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'x' });
    let seen: unknown;
    ts.run(({ cold }) => {
      cold('#', undefined, auth).pipe(reconnectWithBackoff({ scheduler: ts })).subscribe({ error: (e: unknown) => (seen = e) });
    });
    expect(hasErrorCode(seen, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });
});
