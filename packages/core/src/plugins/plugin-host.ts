import semver from 'semver';
import type { ArgusContainer } from '../di/argus-container.js';
import { describeToken, type Token } from '../di/token.js';
import { ArgusError, hasErrorCode, isTransient } from '../errors/argus-error.js';
import { errorMessage } from '../errors/error-message.js';
import type { EventBus } from '../events/event-bus.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { ArgusPlugin, PluginContext } from './argus-plugin.js';
import { sortPlugins } from './sort-plugins.js';
import { validatePluginManifest } from './validate-plugin-manifest.js';

/** Lifecycle state of one plugin. `retrying` is the backoff wait between two start attempts. */
export type PluginState = 'registered' | 'starting' | 'retrying' | 'running' | 'failed' | 'stopping' | 'stopped';

/** An error as the health API shows it. */
export interface PluginErrorInfo {
  /** The `ARGUS_ERR_*` (or Node.js) code, when the error had one. */
  readonly code?: string;
  readonly message: string;
}

/** A snapshot of one plugin's lifecycle, as {@link PluginHost.state} reports it. */
export interface PluginStatus {
  readonly name: string;
  readonly version: string;
  readonly state: PluginState;
  /** Start attempts made so far. */
  readonly attempts: number;
  /** Why the plugin failed, the start error it is retrying after, or the error its `stop` threw. */
  readonly error?: PluginErrorInfo;
  /** When the plugin entered `state`, in clock milliseconds. */
  readonly since: number;
}

/** Payload of the `pluginStateChanged` event. */
export interface PluginStateChange {
  readonly plugin: string;
  readonly from: PluginState;
  readonly to: PluginState;
  readonly error?: PluginErrorInfo;
}

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /** A plugin moved from one lifecycle state to another (not emitted for the initial `registered`). */
    pluginStateChanged: PluginStateChange;
  }
}

/** Exponential backoff of start retries. */
export interface PluginRetryOptions {
  /** Start attempts in all, including the first; default 3. */
  attempts?: number;
  /** Wait before the second attempt; default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of any wait; default 10 000 ms. */
  maxDelayMs?: number;
  /** Multiplier from one wait to the next; default 2. */
  factor?: number;
}

/** Options of {@link PluginHost}. */
export interface PluginHostOptions {
  /** The root container; each plugin gets a child of it. The host does not dispose it. */
  container: ArgusContainer;
  /** Version of the running `@argus/core`, checked against each plugin's `core` range. */
  coreVersion: string;
  bus: EventBus;
  logger?: Logger;
  clock?: Clock;
  retry?: PluginRetryOptions;
  /** Waits between start attempts; resolves early when `signal` aborts. Tests inject one that returns at once. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type HostPhase = 'idle' | 'starting' | 'started' | 'stopping' | 'stopped';

interface PluginRecord {
  readonly plugin: ArgusPlugin;
  readonly container: ArgusContainer;
  readonly abort: AbortController;
  readonly ctx: PluginContext;
  state: PluginState;
  attempts: number;
  error: PluginErrorInfo | undefined;
  since: number;
}

const DEFAULT_RETRY = { attempts: 3, initialDelayMs: 500, maxDelayMs: 10_000, factor: 2 } as const;

/**
 * Registers, orders, starts and stops plugins, and isolates their failures.
 *
 * Registration checks each manifest, the supported core range and the dependencies (registered first, at a
 * version in range), then runs the plugin's `register` hook in its own child container. `start` starts plugins
 * in dependency order; a plugin whose `start` keeps failing is retried with exponential backoff, then marked
 * `failed` together with every plugin that depends on it, while the others run. `stop` stops running plugins in
 * reverse start order. Every state change is published as `pluginStateChanged`.
 *
 * Errors whose registered `ARGUS_ERR_*` code is not transient (e.g. `ARGUS_ERR_CONFIG_INVALID`) fail a plugin at
 * once: retrying cannot fix them. Any other error is retried.
 *
 * @example
 * ```ts
 * const host = new PluginHost({ container: root, coreVersion: CORE_VERSION, bus, logger });
 * await host.registerAll([recorder, storage]); // any order: sorted by dependencies
 * await host.start();
 * host.states(); // [{ name: 'storage', state: 'running', ... }, { name: 'recorder', ... }]
 * await host.stop();
 * ```
 */
export class PluginHost {
  readonly #root: ArgusContainer;
  readonly #coreVersion: string;
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #retry: Required<PluginRetryOptions>;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #records = new Map<string, PluginRecord>();
  /** Who provided each token to the root container. */
  readonly #provided = new Map<symbol, string>();
  readonly #startOrder: PluginRecord[] = [];
  readonly #registering = new Set<Promise<void>>();
  #phase: HostPhase = 'idle';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: PluginHostOptions) {
    if (semver.valid(options.coreVersion) === null) {
      throw new TypeError(`coreVersion must be a semver version, got ${JSON.stringify(options.coreVersion)}`);
    }
    this.#root = options.container;
    this.#coreVersion = options.coreVersion;
    this.#bus = options.bus;
    this.#logger = options.logger ?? silentLogger();
    this.#clock = options.clock ?? systemClock;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#sleep = options.sleep ?? abortableSleep;
    const { attempts, initialDelayMs, maxDelayMs, factor } = this.#retry;
    if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('retry.attempts must be an integer >= 1');
    if (!(initialDelayMs >= 0) || !(maxDelayMs >= 0)) throw new RangeError('retry delays must be >= 0');
    if (!(factor >= 1)) throw new RangeError('retry.factor must be >= 1');
  }

  /**
   * Checks and registers one plugin, then runs its `register` hook. Its dependencies must be registered already;
   * use {@link registerAll} to register a batch in any order.
   */
  register(plugin: ArgusPlugin): Promise<void> {
    try {
      this.#assertPhase('register');
      validatePluginManifest(plugin);
      this.#check(plugin, this.#registeredVersions());
    } catch (err) {
      return Promise.reject(err);
    }
    const record = this.#createRecord(plugin);
    this.#records.set(plugin.name, record);
    const registering = this.#runRegisterHook(record);
    // start() waits for hooks still running, so no plugin starts half-registered.
    this.#registering.add(registering);
    return registering.finally(() => this.#registering.delete(registering));
  }

  async #runRegisterHook(record: PluginRecord): Promise<void> {
    const { plugin } = record;
    try {
      await plugin.register?.(record.ctx);
    } catch (err) {
      this.#records.delete(plugin.name);
      record.abort.abort();
      await record.container.dispose();
      throw new ArgusError(
        'ARGUS_ERR_PLUGIN_REGISTER_FAILED',
        { plugin: plugin.name, reason: errorInfo(err).message },
        { cause: err },
      );
    }
    this.#logger.debug({ plugin: plugin.name, version: plugin.version }, 'plugin registered');
  }

  /**
   * Registers a batch in dependency order, whatever the input order. Every manifest, dependency and cycle is
   * checked before any `register` hook runs.
   */
  async registerAll(plugins: readonly ArgusPlugin[]): Promise<void> {
    this.#assertPhase('register');
    for (const plugin of plugins) validatePluginManifest(plugin);
    const seen = new Set<string>();
    for (const { name } of plugins) {
      if (seen.has(name)) throw new ArgusError('ARGUS_ERR_PLUGIN_DUPLICATE', { plugin: name });
      seen.add(name);
    }
    const sorted = sortPlugins(plugins);
    const known = this.#registeredVersions();
    for (const plugin of sorted) {
      this.#check(plugin, known);
      known.set(plugin.name, plugin.version);
    }
    for (const plugin of sorted) await this.register(plugin);
  }

  /**
   * Starts every registered plugin in dependency order and resolves with their states. Never throws for a
   * plugin's failure: see {@link states}.
   */
  async start(): Promise<PluginStatus[]> {
    if (this.#phase !== 'idle') {
      throw new ArgusError('ARGUS_ERR_PLUGIN_STATE', { action: 'start', state: this.#phase });
    }
    this.#phase = 'starting';
    this.#starting = Promise.allSettled([...this.#registering]).then(() => this.#startAll());
    await this.#starting;
    return this.states();
  }

  /**
   * Stops running plugins in reverse start order: aborts each one's signal, calls `stop` (a failure is logged and
   * the others still stop) and disposes its container. Interrupts a `start` in progress. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  /** The status of one plugin, or `undefined` when no plugin has that name. */
  state(name: string): PluginStatus | undefined {
    const record = this.#records.get(name);
    return record === undefined ? undefined : snapshot(record);
  }

  /** The status of every plugin, in registration order. */
  states(): PluginStatus[] {
    return [...this.#records.values()].map(snapshot);
  }

  #assertPhase(action: string): void {
    if (this.#phase !== 'idle') throw new ArgusError('ARGUS_ERR_PLUGIN_STATE', { action, state: this.#phase });
  }

  #registeredVersions(): Map<string, string> {
    return new Map([...this.#records.values()].map(({ plugin }) => [plugin.name, plugin.version]));
  }

  /** Duplicates, core range and dependencies, against the plugins known so far (name -> version). */
  #check(plugin: ArgusPlugin, known: ReadonlyMap<string, string>): void {
    const { name } = plugin;
    if (known.has(name)) throw new ArgusError('ARGUS_ERR_PLUGIN_DUPLICATE', { plugin: name });
    if (!semver.satisfies(this.#coreVersion, plugin.core, { includePrerelease: true })) {
      throw new ArgusError('ARGUS_ERR_PLUGIN_CORE_RANGE', {
        plugin: name,
        range: plugin.core,
        version: this.#coreVersion,
      });
    }
    for (const [dependency, range] of Object.entries(plugin.dependencies ?? {})) {
      if (dependency === name) {
        throw new ArgusError('ARGUS_ERR_PLUGIN_DEPENDENCY_CYCLE', { cycle: `${name} -> ${name}` });
      }
      const version = known.get(dependency);
      if (version === undefined) {
        throw new ArgusError('ARGUS_ERR_PLUGIN_DEPENDENCY_MISSING', { plugin: name, dependency });
      }
      if (!semver.satisfies(version, range, { includePrerelease: true })) {
        throw new ArgusError('ARGUS_ERR_PLUGIN_DEPENDENCY_RANGE', { plugin: name, dependency, range, version });
      }
    }
  }

  #createRecord(plugin: ArgusPlugin): PluginRecord {
    const container = this.#root.createChild(`plugin:${plugin.name}`);
    const abort = new AbortController();
    const ctx: PluginContext = {
      name: plugin.name,
      container,
      logger: this.#logger.child({ plugin: plugin.name }),
      bus: this.#bus,
      signal: abort.signal,
      provide: (token, value) => this.#provide(plugin.name, token, value),
    };
    return { plugin, container, abort, ctx, state: 'registered', attempts: 0, error: undefined, since: this.#clock.now() };
  }

  #provide<T>(plugin: string, token: Token<T>, value: T): void {
    if (this.#root.isRegistered(token)) {
      const owner = this.#provided.get(token);
      throw new ArgusError('ARGUS_ERR_PLUGIN_PROVIDE_CONFLICT', {
        plugin,
        token: describeToken(token),
        owner: owner === undefined ? 'the core' : `plugin "${owner}"`,
      });
    }
    this.#root.registerValue(token, value);
    this.#provided.set(token, plugin);
  }

  async #startAll(): Promise<void> {
    // Registration order is a dependency order: a plugin is only accepted once its dependencies are registered.
    for (const record of this.#records.values()) {
      if (this.#phase !== 'starting') break;
      const failed = Object.keys(record.plugin.dependencies ?? {}).find(
        (dependency) => this.#records.get(dependency)?.state !== 'running',
      );
      if (failed !== undefined) {
        const error = new ArgusError('ARGUS_ERR_PLUGIN_DEPENDENCY_FAILED', {
          plugin: record.plugin.name,
          dependency: failed,
        });
        this.#logger.error({ plugin: record.plugin.name, dependency: failed }, error.message);
        this.#transition(record, 'failed', errorInfo(error));
        record.abort.abort();
        continue;
      }
      await this.#startOne(record);
    }
    if (this.#phase === 'starting') this.#phase = 'started';
  }

  async #startOne(record: PluginRecord): Promise<void> {
    const { plugin, ctx, abort } = record;
    const log = ctx.logger;
    for (;;) {
      this.#transition(record, 'starting');
      record.attempts += 1;
      try {
        await plugin.start?.(ctx);
        this.#startOrder.push(record);
        this.#transition(record, 'running');
        log.info({ attempts: record.attempts }, 'plugin started');
        return;
      } catch (err) {
        const error = errorInfo(err);
        const retryable = isTransient(err) || !hasErrorCode(err);
        if (!retryable || record.attempts >= this.#retry.attempts || abort.signal.aborted) {
          const failure = new ArgusError(
            'ARGUS_ERR_PLUGIN_START_FAILED',
            { plugin: plugin.name, attempts: record.attempts },
            { cause: err },
          );
          log.error({ err: failure }, failure.message);
          this.#transition(record, abort.signal.aborted ? 'stopped' : 'failed', error);
          abort.abort();
          return;
        }
        const delay = this.#backoff(record.attempts);
        log.warn({ err, attempt: record.attempts, retryInMs: delay }, 'plugin failed to start; retrying');
        this.#transition(record, 'retrying', error);
        await this.#sleep(delay, abort.signal);
        if (abort.signal.aborted) {
          this.#transition(record, 'stopped', error);
          return;
        }
      }
    }
  }

  /** Wait after the `attempt`-th failure: initial * factor^(attempt-1), capped. */
  #backoff(attempt: number): number {
    const { initialDelayMs, factor, maxDelayMs } = this.#retry;
    return Math.min(initialDelayMs * factor ** (attempt - 1), maxDelayMs);
  }

  async #stopAll(): Promise<void> {
    const interrupted = this.#phase === 'starting';
    this.#phase = 'stopping';
    if (interrupted) {
      for (const record of this.#records.values()) {
        if (record.state === 'starting' || record.state === 'retrying') record.abort.abort();
      }
      await this.#starting;
    }
    for (const record of [...this.#startOrder].reverse()) await this.#stopOne(record);
    // Plugins that never ran (failed, or never started) still own a container with their registrations.
    for (const record of this.#records.values()) {
      record.abort.abort();
      await record.container.dispose();
    }
    this.#phase = 'stopped';
  }

  async #stopOne(record: PluginRecord): Promise<void> {
    const { plugin, ctx, abort } = record;
    this.#transition(record, 'stopping');
    abort.abort();
    let error: PluginErrorInfo | undefined;
    try {
      await plugin.stop?.(ctx);
    } catch (err) {
      error = errorInfo(err);
      ctx.logger.error({ err }, 'plugin failed to stop cleanly');
    }
    await record.container.dispose();
    this.#transition(record, 'stopped', error);
  }

  #transition(record: PluginRecord, to: PluginState, error?: PluginErrorInfo): void {
    const from = record.state;
    record.state = to;
    record.error = error;
    record.since = this.#clock.now();
    if (from === to) return;
    this.#bus.emit('pluginStateChanged', {
      plugin: record.plugin.name,
      from,
      to,
      ...(error === undefined ? {} : { error }),
    });
  }
}

function snapshot(record: PluginRecord): PluginStatus {
  return {
    name: record.plugin.name,
    version: record.plugin.version,
    state: record.state,
    attempts: record.attempts,
    ...(record.error === undefined ? {} : { error: record.error }),
    since: record.since,
  };
}

function errorInfo(err: unknown): PluginErrorInfo {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = errorMessage(err);
  return typeof code === 'string' ? { code, message } : { message };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
