import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { silentLogger, type Logger } from '../logging/logger.js';

/** `argus_` then lower-case snake case, e.g. `argus_stream_packets_total`. */
const METRIC_NAME = /^argus_[a-z0-9]+(?:_[a-z0-9]+)*$/;
/** Prometheus label names; a leading `__` is reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricKind = 'counter' | 'gauge' | 'histogram' | 'collector';

interface Entry {
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
  readonly metric: Metric<string>;
}

/** Label values of a sample, by label name. */
export type MetricLabels<L extends string = string> = Partial<Record<L, string | number>>;

/** One value computed by a collector at scrape time. */
export interface CollectedSample<L extends string = string> {
  readonly labels?: MetricLabels<L>;
  readonly value: number;
}

/** What a collector returns: one unlabelled value, or one value per label set (label sets absent are dropped). */
export type CollectedValue<L extends string = string> = number | readonly CollectedSample<L>[];

/** Options of {@link MetricsRegistry.registerCollector}. */
export interface CollectorOptions<L extends string = string> {
  /** Label names the samples use. */
  labelNames?: readonly L[];
  /** `counter` for monotonic totals kept elsewhere (e.g. a `_total` read from a stats object); default `gauge`. */
  type?: 'gauge' | 'counter';
}

/** Options of {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Where failing collectors are reported; default silent. */
  logger?: Logger;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const sorted = [...b].sort();
  return a.length === b.length && [...a].sort().every((name, i) => name === sorted[i]);
}

function checkName(name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw new RangeError(`Metric name "${name}" must be "argus_" followed by lower-case snake case`);
  }
}

function checkLabelNames(name: string, labelNames: readonly string[]): void {
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label)) throw new RangeError(`Metric "${name}" has an invalid label name "${label}"`);
  }
  if (new Set(labelNames).size !== labelNames.length) throw new RangeError(`Metric "${name}" repeats a label name`);
}

/**
 * The Prometheus metrics of one Argus process, on a private prom-client `Registry` (never the global one, so
 * several hosts or tests never share series).
 *
 * `counter`, `gauge` and `histogram` are get-or-create: modules ask for a metric by name and share it; asking
 * with another type or other labels is a programming error (`TypeError`). Values that already live elsewhere
 * (stream-graph stats, queue lengths) are read at scrape time with {@link MetricsRegistry.registerCollector}
 * rather than pushed from the hot path.
 *
 * @example
 * ```ts
 * const metrics = new MetricsRegistry();
 * metrics.collectDefaultMetrics();
 * const packets = metrics.counter('argus_stream_packets_total', 'Packets received', ['camera']);
 * packets.inc({ camera: 'cam-1' });
 * metrics.registerCollector('argus_stream_hubs', 'Open stream hubs', () => graph.stats().hubs);
 * reply.type(metrics.contentType).send(await metrics.render());
 * ```
 */
export class MetricsRegistry {
  readonly #registry = new Registry();
  readonly #entries = new Map<string, Entry>();
  readonly #logger: Logger;
  #defaultMetrics = false;

  constructor(options: MetricsRegistryOptions = {}) {
    this.#logger = options.logger ?? silentLogger();
  }

  /** The HTTP `Content-Type` of {@link render}'s output. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The counter `name`, created on first use. Counter names should end in `_total`. */
  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.#getOrCreate(name, 'counter', labelNames, undefined, () => {
      return new Counter<L>({ name, help, labelNames, registers: [this.#registry] });
    }) as Counter<L>;
  }

  /** The gauge `name`, created on first use. */
  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.#getOrCreate(name, 'gauge', labelNames, undefined, () => {
      return new Gauge<L>({ name, help, labelNames, registers: [this.#registry] });
    }) as Gauge<L>;
  }

  /**
   * The histogram `name`, created on first use; `buckets` are upper bounds (prom-client's defaults, in seconds,
   * when omitted). Asking again with other explicit buckets is a `TypeError`.
   */
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: readonly number[],
  ): Histogram<L> {
    const increasing = (bound: number, i: number): boolean =>
      Number.isFinite(bound) && bound > (buckets?.[i - 1] ?? -Infinity);
    if (buckets !== undefined && !buckets.every(increasing)) {
      throw new RangeError(`Histogram "${name}" buckets must be finite and strictly increasing`);
    }
    return this.#getOrCreate(name, 'histogram', labelNames, buckets, () => {
      return new Histogram<L>({
        name,
        help,
        labelNames,
        registers: [this.#registry],
        ...(buckets === undefined ? {} : { buckets: [...buckets] }),
      });
    }) as Histogram<L>;
  }

  /**
   * Registers a metric whose values `collect` computes at each scrape. Label sets not returned by a scrape
   * disappear from it (a removed camera stops being reported). A collector that throws is logged and counted in
   * `argus_metrics_collect_errors_total{metric}`, and the rest of the scrape still succeeds: a failing gauge
   * reports no samples (`NaN` when unlabelled), a failing counter its last good values.
   *
   * Returns a function that removes the metric (call it when its owner stops). A name can have one collector.
   *
   * @example
   * ```ts
   * const stop = metrics.registerCollector(
   *   'argus_stream_consumers', 'Consumers per stream hub',
   *   () => graph.hubs().map((hub) => ({ labels: { camera: hub.cameraId }, value: hub.consumers })),
   *   { labelNames: ['camera'] },
   * );
   * ```
   */
  registerCollector<L extends string = string>(
    name: string,
    help: string,
    collect: () => CollectedValue<L> | Promise<CollectedValue<L>>,
    options: CollectorOptions<L> = {},
  ): () => void {
    const labelNames = options.labelNames ?? [];
    checkName(name);
    checkLabelNames(name, labelNames);
    if (this.#entries.has(name) || this.#registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(`Metric "${name}" is already registered`);
    }
    const report = (error: unknown): void => this.#collectFailed(name, error);
    let lastGood: CollectedValue<L> = [];
    const metric =
      options.type === 'counter'
        ? new Counter<L>({
            name,
            help,
            labelNames,
            registers: [this.#registry],
            async collect() {
              const apply = (value: CollectedValue<L>): void => {
                this.reset();
                if (typeof value === 'number') this.inc(value);
                else for (const sample of value) this.inc(sample.labels ?? {}, sample.value);
              };
              try {
                const collected = await collect();
                apply(collected);
                lastGood = collected;
              } catch (error) {
                // A total kept elsewhere is not unknown when a read fails: keep the last good reading, as a drop
                // to 0 would look like a counter reset to Prometheus.
                apply(lastGood);
                report(error);
              }
            },
          })
        : new Gauge<L>({
            name,
            help,
            labelNames,
            registers: [this.#registry],
            async collect() {
              this.reset();
              try {
                const collected = await collect();
                if (typeof collected === 'number') this.set(collected);
                else for (const sample of collected) this.set(sample.labels ?? {}, sample.value);
              } catch (error) {
                // prom-client always reports an unlabelled gauge; NaN says "unknown" where 0 would lie.
                this.reset();
                if (labelNames.length === 0) this.set(Number.NaN);
                report(error);
              }
            },
          });
    this.#entries.set(name, { kind: 'collector', labelNames, metric });
    return () => {
      if (this.#entries.get(name)?.metric !== metric) return;
      this.#entries.delete(name);
      this.#registry.removeSingleMetric(name);
    };
  }

  /**
   * Adds Node.js process metrics (CPU, resident memory, heap, event loop lag, GC...) with the `argus_` prefix,
   * e.g. `argus_process_cpu_seconds_total`. Opt-in because it keeps an event-loop monitor running; calling
   * it again does nothing.
   */
  collectDefaultMetrics(): void {
    if (this.#defaultMetrics) return;
    this.#defaultMetrics = true;
    collectDefaultMetrics({ register: this.#registry, prefix: 'argus_' });
  }

  /** Every metric in the Prometheus text exposition format, collectors evaluated now. */
  async render(): Promise<string> {
    return this.#registry.metrics();
  }

  #getOrCreate(
    name: string,
    kind: MetricKind,
    labelNames: readonly string[],
    buckets: readonly number[] | undefined,
    create: () => Metric<string>,
  ): Metric<string> {
    checkName(name);
    checkLabelNames(name, labelNames);
    const existing = this.#entries.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new TypeError(`Metric "${name}" is a ${existing.kind}, not a ${kind}`);
      if (!sameNames(existing.labelNames, labelNames)) {
        throw new TypeError(
          `Metric "${name}" has labels [${existing.labelNames.join(', ')}], not [${labelNames.join(', ')}]`,
        );
      }
      if (buckets !== undefined && !(existing.buckets !== undefined && sameBuckets(existing.buckets, buckets))) {
        throw new TypeError(`Histogram "${name}" already exists with other buckets`);
      }
      return existing.metric;
    }
    if (this.#registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(`Metric "${name}" is already registered (default metrics)`);
    }
    const metric = create();
    const entry: Entry = {
      kind,
      labelNames: [...labelNames],
      metric,
      ...(buckets === undefined ? {} : { buckets: [...buckets] }),
    };
    this.#entries.set(name, entry);
    return metric;
  }

  #collectFailed(name: string, err: unknown): void {
    this.#logger.warn({ err, metric: name }, 'metrics collector failed');
    this.counter('argus_metrics_collect_errors_total', 'Metric collectors that threw during a scrape', ['metric']).inc({
      metric: name,
    });
  }
}

function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((bound, i) => bound === b[i]);
}
