import { describe, expect, it } from 'vitest';
import { MetricsRegistry, type CollectedSample } from './metrics-registry.js';
import { parseExposition } from './parse-exposition.test.helper.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text exposition format', async () => {
    const metrics = new MetricsRegistry();
    metrics.counter('argus_test_packets_total', 'Packets received', ['camera']).inc({ camera: 'cam-1' }, 3);
    metrics.counter('argus_test_packets_total', 'Packets received', ['camera']).inc({ camera: 'cam-2' });
    metrics.gauge('argus_test_viewers', 'Live viewers').set(7);
    const latency = metrics.histogram('argus_test_seek_seconds', 'Seek latency', ['mode'], [0.1, 1]);
    latency.observe({ mode: 'playback' }, 0.05);
    latency.observe({ mode: 'playback' }, 0.5);

    const text = await metrics.render();
    const parsed = parseExposition(text);
    expect(parsed.help.get('argus_test_packets_total')).toBe('Packets received');
    expect(parsed.type.get('argus_test_packets_total')).toBe('counter');
    expect(parsed.type.get('argus_test_viewers')).toBe('gauge');
    expect(parsed.type.get('argus_test_seek_seconds')).toBe('histogram');
    expect(parsed.samples.get('argus_test_packets_total{camera="cam-1"}')).toBe(3);
    expect(parsed.samples.get('argus_test_packets_total{camera="cam-2"}')).toBe(1);
    expect(parsed.samples.get('argus_test_viewers')).toBe(7);
    expect(parsed.samples.get('argus_test_seek_seconds_bucket{le="0.1",mode="playback"}')).toBe(1);
    expect(parsed.samples.get('argus_test_seek_seconds_bucket{le="1",mode="playback"}')).toBe(2);
    expect(parsed.samples.get('argus_test_seek_seconds_bucket{le="+Inf",mode="playback"}')).toBe(2);
    expect(parsed.samples.get('argus_test_seek_seconds_count{mode="playback"}')).toBe(2);
    expect(parsed.samples.get('argus_test_seek_seconds_sum{mode="playback"}')).toBeCloseTo(0.55);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('returns the same metric for the same name, and keeps registries apart', async () => {
    const metrics = new MetricsRegistry();
    const first = metrics.gauge('argus_test_depth', 'Queue depth', ['queue', 'camera']);
    expect(metrics.gauge('argus_test_depth', 'Queue depth', ['camera', 'queue'])).toBe(first);
    const histogram = metrics.histogram('argus_test_size_bytes', 'Sizes', [], [10, 100]);
    expect(metrics.histogram('argus_test_size_bytes', 'Sizes')).toBe(histogram);
    expect(metrics.histogram('argus_test_size_bytes', 'Sizes', [], [10, 100])).toBe(histogram);

    const other = new MetricsRegistry();
    other.gauge('argus_test_depth', 'Queue depth', ['queue', 'camera']).set({ queue: 'q', camera: 'c' }, 1);
    expect(await metrics.render()).not.toContain('argus_test_depth{');
  });

  it('rejects misuse: another type, other labels, other buckets', () => {
    const metrics = new MetricsRegistry();
    metrics.counter('argus_test_things_total', 'Things', ['kind']);
    metrics.histogram('argus_test_latency_seconds', 'Latency', [], [1, 2]);
    expect(() => metrics.gauge('argus_test_things_total', 'Things', ['kind'])).toThrow(TypeError);
    expect(() => metrics.counter('argus_test_things_total', 'Things', ['type'])).toThrow(TypeError);
    expect(() => metrics.counter('argus_test_things_total', 'Things')).toThrow(/labels \[kind\]/);
    expect(() => metrics.histogram('argus_test_latency_seconds', 'Latency', [], [1, 5])).toThrow(TypeError);
  });

  it.each(['packets_total', 'argus_', 'argus_Packets', 'argus_packets-total', 'argus__double', 'argus_trailing_'])(
    'rejects the metric name %s with a RangeError',
    (name) => {
      expect(() => new MetricsRegistry().counter(name, 'x')).toThrow(RangeError);
    },
  );

  it('rejects bad label names and bad buckets with a RangeError', () => {
    const metrics = new MetricsRegistry();
    expect(() => metrics.counter('argus_test_a_total', 'x', ['__name'])).toThrow(RangeError);
    expect(() => metrics.counter('argus_test_b_total', 'x', ['camera-id'])).toThrow(RangeError);
    expect(() => metrics.counter('argus_test_c_total', 'x', ['a', 'a'])).toThrow(RangeError);
    expect(() => metrics.histogram('argus_test_d_seconds', 'x', [], [2, 1])).toThrow(RangeError);
  });

  it('computes collector values at scrape time and drops label sets no longer reported', async () => {
    const metrics = new MetricsRegistry();
    let hubs = [
      { camera: 'cam-1', consumers: 2 },
      { camera: 'cam-2', consumers: 5 },
    ];
    let reads = 0;
    const unregister = metrics.registerCollector(
      'argus_test_hub_consumers',
      'Consumers per hub',
      () => {
        reads += 1;
        return hubs.map((hub) => ({ labels: { camera: hub.camera }, value: hub.consumers }));
      },
      { labelNames: ['camera'] },
    );
    expect(reads).toBe(0);
    let parsed = parseExposition(await metrics.render());
    expect(parsed.type.get('argus_test_hub_consumers')).toBe('gauge');
    expect(parsed.samples.get('argus_test_hub_consumers{camera="cam-1"}')).toBe(2);
    expect(parsed.samples.get('argus_test_hub_consumers{camera="cam-2"}')).toBe(5);

    hubs = [{ camera: 'cam-2', consumers: 1 }];
    parsed = parseExposition(await metrics.render());
    expect(reads).toBe(2);
    expect(parsed.samples.has('argus_test_hub_consumers{camera="cam-1"}')).toBe(false);
    expect(parsed.samples.get('argus_test_hub_consumers{camera="cam-2"}')).toBe(1);

    expect(() => metrics.registerCollector('argus_test_hub_consumers', 'again', () => 1)).toThrow(TypeError);
    expect(() => metrics.gauge('argus_test_hub_consumers', 'again')).toThrow(TypeError);
    unregister();
    expect(await metrics.render()).not.toContain('argus_test_hub_consumers');
  });

  it('supports async and counter collectors, and survives a failing one', async () => {
    const metrics = new MetricsRegistry();
    metrics.registerCollector('argus_test_async', 'Async value', async () => Promise.resolve(42));
    metrics.registerCollector('argus_test_broken', 'Throws', () => {
      throw new Error('stats unavailable');
    });
    metrics.registerCollector(
      'argus_test_broken_labelled',
      'Throws',
      (): CollectedSample[] => {
        throw new Error('stats unavailable');
      },
      { labelNames: ['camera'] },
    );
    let total: number | (() => never) = 9;
    metrics.registerCollector('argus_test_read_total', 'A total kept elsewhere', () => {
      if (typeof total === 'function') return total();
      return total;
    }, { type: 'counter' });

    const first = parseExposition(await metrics.render());
    expect(first.samples.get('argus_test_async')).toBe(42);
    expect(first.type.get('argus_test_read_total')).toBe('counter');
    expect(first.samples.get('argus_test_read_total')).toBe(9);
    expect(first.samples.get('argus_test_broken')).toBeNaN();
    expect(first.type.get('argus_test_broken_labelled')).toBe('gauge');
    expect([...first.samples.keys()].some((key) => key.startsWith('argus_test_broken_labelled'))).toBe(false);

    total = () => {
      throw new Error('gone');
    };
    const second = parseExposition(await metrics.render());
    expect(second.samples.get('argus_metrics_collect_errors_total{metric="argus_test_broken"}')).toBe(2);
    expect(second.samples.get('argus_metrics_collect_errors_total{metric="argus_test_read_total"}')).toBe(1);
    expect(second.samples.get('argus_test_read_total')).toBe(9);
    total = 12;
    expect(parseExposition(await metrics.render()).samples.get('argus_test_read_total')).toBe(12);
  });

  it('adds prefixed process metrics only when asked', async () => {
    const metrics = new MetricsRegistry();
    expect(await metrics.render()).not.toContain('argus_process_');
    metrics.collectDefaultMetrics();
    metrics.collectDefaultMetrics();
    const parsed = parseExposition(await metrics.render());
    expect(parsed.type.get('argus_process_cpu_seconds_total')).toBe('counter');
    expect(parsed.samples.get('argus_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(parsed.samples.get('argus_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(parsed.type.get('argus_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(() => metrics.gauge('argus_process_resident_memory_bytes', 'clash')).toThrow(TypeError);
  });
});
