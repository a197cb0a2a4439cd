import type { Subscription } from 'rxjs';
import type { EventBus } from '../events/event-bus.js';
import type { MetricsRegistry } from './metrics-registry.js';

/**
 * Exposes an {@link EventBus} as metrics: `argus_events_total{type}`, counted per event, and
 * `argus_event_handler_errors_total`, read from `bus.stats()` at scrape time. One bus per registry.
 *
 * Unsubscribe the returned subscription to stop counting and remove the handler-error metric.
 *
 * @example
 * ```ts
 * const binding = bindEventBusMetrics(bus, metrics);
 * // on shutdown
 * binding.unsubscribe();
 * ```
 */
export function bindEventBusMetrics(bus: EventBus, metrics: MetricsRegistry): Subscription {
  const events = metrics.counter('argus_events_total', 'Events published on the event bus, by type', ['type']);
  // Registered before subscribing so that binding a second bus fails without leaving a subscription behind.
  const unregister = metrics.registerCollector(
    'argus_event_handler_errors_total',
    'Event handlers that threw (the error was logged and delivery went on)',
    () => bus.stats().handlerErrors,
    { type: 'counter' },
  );
  // A bound child per type spares hashing the label set on every event.
  const byType = new Map<string, { inc(): void }>();
  const subscription = bus.subscribe('*', (event) => {
    let counter = byType.get(event.type);
    if (counter === undefined) {
      counter = events.labels({ type: event.type });
      byType.set(event.type, counter);
    }
    counter.inc();
  });
  subscription.add(unregister);
  return subscription;
}
