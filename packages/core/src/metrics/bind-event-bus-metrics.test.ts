import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { bindEventBusMetrics } from './bind-event-bus-metrics.js';
import { MetricsRegistry } from './metrics-registry.js';
import { parseExposition } from './parse-exposition.test.helper.js';

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    metricsTestTicked: { n: number };
    metricsTestFailed: { reason: string };
  }
}

describe('bindEventBusMetrics', () => {
  it('counts events by type and reads handler errors at scrape time', async () => {
    const bus = new EventBus();
    const metrics = new MetricsRegistry();
    bus.emit('metricsTestTicked', { n: 0 }); // before binding: not counted
    const binding = bindEventBusMetrics(bus, metrics);
    bus.subscribe('metricsTestFailed', () => {
      throw new Error('handler bug');
    });
    bus.emit('metricsTestTicked', { n: 1 });
    bus.emit('metricsTestTicked', { n: 2 });
    bus.emit('metricsTestTicked', { n: 3 });
    bus.emit('metricsTestFailed', { reason: 'x' });

    const parsed = parseExposition(await metrics.render());
    expect(parsed.type.get('argus_events_total')).toBe('counter');
    expect(parsed.samples.get('argus_events_total{type="metricsTestTicked"}')).toBe(3);
    expect(parsed.samples.get('argus_events_total{type="metricsTestFailed"}')).toBe(1);
    expect(parsed.type.get('argus_event_handler_errors_total')).toBe('counter');
    expect(parsed.samples.get('argus_event_handler_errors_total')).toBe(1);

    bus.emit('metricsTestFailed', { reason: 'y' });
    expect(parseExposition(await metrics.render()).samples.get('argus_event_handler_errors_total')).toBe(2);

    binding.unsubscribe();
    bus.emit('metricsTestTicked', { n: 4 });
    const after = parseExposition(await metrics.render());
    expect(after.samples.get('argus_events_total{type="metricsTestTicked"}')).toBe(3);
    expect(after.samples.has('argus_event_handler_errors_total')).toBe(false);
  });

  it('refuses a second bus on the same registry without leaking a subscription', () => {
    const metrics = new MetricsRegistry();
    bindEventBusMetrics(new EventBus(), metrics);
    const second = new EventBus();
    expect(() => bindEventBusMetrics(second, metrics)).toThrow(TypeError);
    second.emit('metricsTestTicked', { n: 1 });
    expect(second.stats().handlerErrors).toBe(0);
  });
});
