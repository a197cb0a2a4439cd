import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { EventBus } from './event-bus.js';

declare module './event-map.js' {
  interface ArgusEventMap {
    testPinged: { n: number };
    testPonged: { text: string };
  }
}

describe('EventBus', () => {
  it('delivers typed events with an envelope in emission order', async () => {
    const clock = new ManualClock(1_000);
    const bus = new EventBus({ clock });
    const received = firstValueFrom(bus.on$('testPinged', 'testPonged').pipe(take(2), toArray()));
    bus.emit('testPinged', { n: 1 }, { source: 'unit', cameraId: 'cam-1' });
    clock.advance(5);
    bus.emit('testPonged', { text: 'x' });
    const [first, second] = await received;
    expect(first).toEqual({ type: 'testPinged', payload: { n: 1 }, at: 1_000, seq: 1, source: 'unit', cameraId: 'cam-1' });
    expect(second).toMatchObject({ type: 'testPonged', payload: { text: 'x' }, at: 1_005, seq: 2, source: 'core' });
  });

  it('filters by type', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.on$('testPinged').subscribe((e) => seen.push(e.payload.n));
    bus.emit('testPonged', { text: 'ignored' });
    bus.emit('testPinged', { n: 7 });
    expect(seen).toEqual([7]);
  });

  it('isolates a throwing handler: the others still receive, the error is counted', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('testPinged', () => {
      throw new Error('boom');
    });
    bus.subscribe('*', (e) => seen.push(e.type));
    bus.emit('testPinged', { n: 1 });
    bus.emit('testPinged', { n: 2 });
    expect(seen).toEqual(['testPinged', 'testPinged']);
    expect(bus.stats()).toEqual({ emitted: 2, handlerErrors: 2, byType: { testPinged: 2 } });
  });

  it('stops delivery on unsubscribe and on complete', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const sub = bus.subscribe('testPinged', (e) => seen.push(e.payload.n));
    bus.emit('testPinged', { n: 1 });
    sub.unsubscribe();
    bus.emit('testPinged', { n: 2 });
    let completed = false;
    bus.events$.subscribe({ complete: () => (completed = true) });
    bus.complete();
    bus.emit('testPinged', { n: 3 });
    expect(seen).toEqual([1]);
    expect(completed).toBe(true);
  });
});
