// bench/core: events per second through the event bus, and packets per second through one stream hub fanned
// out to 100 consumers. Each figure is printed beside a baseline measured in the same run:
// - the bus against Node's EventEmitter delivering the same payloads to the same number of listeners;
// - the hub (GOP cache, stats meter, per-consumer policy) against a bare RxJS Subject multicasting the same packets.
// Rates are medians of 5 rounds after a warm-up round. Run: npm run bench:core
import { EventEmitter } from 'node:events';
import { EventBus, StreamHub, type MediaPacket, type TrackInfo } from '@argus/core';
import { syntheticPacket } from '@argus/core/testing';
import { Subject, type Observable } from 'rxjs';
import { formatRate, measure, medianRate, printMachine, printTable } from '../lib/measure.js';

declare module '@argus/core' {
  interface ArgusEventMap {
    benchTicked: { n: number };
  }
}

const EVENTS = 500_000;
const PACKETS = 20_000;
const CONSUMERS = 100;

async function benchBus(listeners: number): Promise<[string, string, string, string]> {
  const bus = new EventBus();
  let seen = 0;
  for (let i = 0; i < listeners; i++) bus.subscribe('benchTicked', () => void seen++);
  const busRounds = await measure(() => {
    for (let n = 0; n < EVENTS; n++) bus.emit('benchTicked', { n });
    return EVENTS;
  });

  const emitter = new EventEmitter();
  emitter.setMaxListeners(listeners + 1);
  for (let i = 0; i < listeners; i++) emitter.on('benchTicked', () => void seen++);
  const baseRounds = await measure(() => {
    for (let n = 0; n < EVENTS; n++) emitter.emit('benchTicked', { type: 'benchTicked', payload: { n }, at: Date.now(), seq: n, source: 'core' });
    return EVENTS;
  });
  if (seen === 0) throw new Error('no event was delivered');
  const bus$ = medianRate(busRounds);
  const base$ = medianRate(baseRounds);
  return [`${listeners}`, formatRate(bus$), formatRate(base$), (bus$ / base$).toFixed(2)];
}

function packets(count: number): MediaPacket[] {
  const track: TrackInfo = { id: 0, kind: 'video', codec: 'synthetic', timescale: 90_000, fps: 25 };
  return Array.from({ length: count }, (_, i) => syntheticPacket(track, i, 50, 1000));
}

async function benchHub(): Promise<[string, string, string, string, string]> {
  const input = packets(PACKETS);

  // Argus hub: one upstream, CONSUMERS live viewers.
  const hubRounds = await measure(() => {
    const upstream = new Subject<MediaPacket>();
    const hub = new StreamHub({ id: 'bench/main', upstream: () => upstream as Observable<MediaPacket> });
    let delivered = 0;
    const subs = Array.from({ length: CONSUMERS }, () => hub.live$().subscribe(() => void delivered++));
    for (const packet of input) upstream.next(packet);
    for (const sub of subs) sub.unsubscribe();
    hub.close();
    if (delivered !== PACKETS * CONSUMERS) throw new Error(`hub delivered ${delivered}, expected ${PACKETS * CONSUMERS}`);
    return PACKETS;
  });

  // Baseline: a bare Subject multicasting to the same consumers.
  const baseRounds = await measure(() => {
    const upstream = new Subject<MediaPacket>();
    let delivered = 0;
    const subs = Array.from({ length: CONSUMERS }, () => upstream.subscribe(() => void delivered++));
    for (const packet of input) upstream.next(packet);
    for (const sub of subs) sub.unsubscribe();
    if (delivered !== PACKETS * CONSUMERS) throw new Error('baseline lost packets');
    return PACKETS;
  });
  const hub$ = medianRate(hubRounds);
  const base$ = medianRate(baseRounds);
  return [
    `${CONSUMERS}`,
    formatRate(hub$),
    formatRate(hub$ * CONSUMERS),
    formatRate(base$),
    (hub$ / base$).toFixed(2),
  ];
}

printMachine('bench/core');
console.log(`\nEvent bus: ${EVENTS.toLocaleString('en-US')} events per round, median of 5 rounds`);
printTable(['listeners', 'bus events/s', 'EventEmitter events/s', 'ratio'], [await benchBus(1), await benchBus(10)]);
console.log(`\nStream hub: ${PACKETS.toLocaleString('en-US')} packets per round fanned out to ${CONSUMERS} live consumers, median of 5 rounds`);
printTable(['consumers', 'hub packets/s', 'hub deliveries/s', 'Subject packets/s', 'ratio'], [await benchHub()]);
