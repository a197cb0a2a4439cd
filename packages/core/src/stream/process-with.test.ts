import { lastValueFrom, of, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { processWith, type StreamStage } from './process-with.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Doubles even numbers, drops odd ones, throws on 7. */
class EvenDoubler implements StreamStage<number, number> {
  process(n: number): number[] {
    if (n === 7) throw new Error('seven');
    return n % 2 === 0 ? [n, n] : [];
  }
}

describe('processWith', () => {
  it('emits every output of each input in order, and drops inputs with none', async () => {
    expect(await lastValueFrom(of(2, 3, 4).pipe(processWith(new EvenDoubler()), toArray()))).toEqual([2, 2, 4, 4]);
  });

  it('emits at the time of its input and completes with the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: 4, b: 3, c: 6 });
      const firstOnly = { process: (n: number) => (n % 2 === 0 ? [n] : []) };
      expectObservable(source.pipe(processWith(firstOnly))).toBe('-a---c|', { a: 4, c: 6 });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('unsubscribes from the source when the consumer leaves', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d', { a: 2, b: 4, c: 6, d: 8 });
      const identity = { process: (n: number) => [n] };
      expectObservable(source.pipe(processWith(identity)), '^--!').toBe('-a', { a: 2 });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('turns a throwing stage into a stream error and tears the source down', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: 3, b: 7, c: 4 });
      expectObservable(source.pipe(processWith(new EvenDoubler()))).toBe('---#', undefined, new Error('seven'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
