import { DeviceEventBridge } from '../devices/device-event-bridge.js';
import { catchError, defer, from, switchMap, throwError, type SchedulerLike, type Subscription } from 'rxjs';
import { ConfigStore } from '../config/config-store.js';
import { DeviceRegistry } from '../devices/device-registry.js';
import { DeviceSessions } from '../devices/device-sessions.js';
import type { DeviceStore } from '../devices/device-store.js';
import { ArgusContainer } from '../di/argus-container.js';
import {
  CLOCK,
  CONFIG_STORE,
  DEVICE_REGISTRY,
  DEVICE_SESSIONS,
  DRIVER_REGISTRY,
  EVENT_BUS,
  LOGGER,
  METRICS,
  PLUGIN_HOST,
  STREAM_GRAPH,
} from '../di/tokens.js';
import { DriverRegistry } from '../drivers/driver-registry.js';
import { isTransient } from '../errors/argus-error.js';
import { EventBus } from '../events/event-bus.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { bindEventBusMetrics } from '../metrics/bind-event-bus-metrics.js';
import { MetricsRegistry } from '../metrics/metrics-registry.js';
import type { ArgusPlugin } from '../plugins/argus-plugin.js';
import { PluginHost, type PluginRetryOptions, type PluginState } from '../plugins/plugin-host.js';
import { StreamGraph } from '../stream/stream-graph.js';
import { systemClock, type Clock } from '../time/clock.js';
import { CORE_VERSION } from '../version.js';

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** Configuration, validated by `parseConfig` (defaults filled); default all defaults. */
  config?: unknown;
  logger?: Logger;
  clock?: Clock;
  /** Where cameras persist; default in memory. */
  deviceStore?: DeviceStore;
  /** Retry policy of plugin starts. */
  pluginRetry?: PluginRetryOptions;
  /** Sleep used between plugin start attempts (tests pass one that resolves at once). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Scheduler of stream reconnect timers (tests pass a virtual one). */
  scheduler?: SchedulerLike;
  /** Collect process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
  /** Time each driver has to answer a probe; default 5000 ms. */
  probeTimeoutMs?: number;
}

const PLUGIN_STATES: readonly PluginState[] = ['registered', 'starting', 'retrying', 'running', 'failed', 'stopping', 'stopped'];

/**
 * The composition root of an Argus process: every core service, created once, registered in the root DI
 * container under its token, and wired together: the stream graph opens camera streams through device sessions,
 * device changes close stale sessions and hubs, and metrics read the services' stats at scrape time.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ config: { server: { port: 8080 } }, logger });
 * await kernel.use(myPlugin);                     // a plugin that registers a driver, say
 * await kernel.start();
 * await kernel.devices.add(camera);
 * kernel.streams.hub(camera.id).live$().subscribe(render);
 * await kernel.stop();
 * ```
 */
export class Kernel {
  /** The root DI container; each plugin gets a child of it. */
  readonly container: ArgusContainer;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly metrics: MetricsRegistry;
  readonly config: ConfigStore;
  readonly drivers: DriverRegistry;
  readonly devices: DeviceRegistry;
  readonly sessions: DeviceSessions;
  readonly streams: StreamGraph;
  readonly plugins: PluginHost;
  /** Keeps the event channels of cameras whose `events.subscribe` setting is on, and republishes their events. */
  readonly deviceEvents: DeviceEventBridge;
  readonly #subscriptions: Subscription[] = [];
  readonly #unregister: (() => void)[] = [];
  #phase: 'created' | 'starting' | 'started' | 'stopping' | 'stopped' = 'created';

  constructor(options: KernelOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.clock = options.clock ?? systemClock;
    this.bus = new EventBus({ clock: this.clock, logger: this.logger.child({ component: 'bus' }) });
    this.config = new ConfigStore({ initial: options.config ?? {}, bus: this.bus });
    this.metrics = new MetricsRegistry({ logger: this.logger.child({ component: 'metrics' }) });
    this.drivers = new DriverRegistry({
      components: { logger: this.logger.child({ component: 'driver' }), clock: this.clock },
      bus: this.bus,
      ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
    });
    this.devices = new DeviceRegistry({
      bus: this.bus,
      clock: this.clock,
      logger: this.logger.child({ component: 'devices' }),
      ...(options.deviceStore === undefined ? {} : { store: options.deviceStore }),
    });
    this.sessions = new DeviceSessions({ devices: this.devices, drivers: this.drivers, logger: this.logger.child({ component: 'sessions' }) });
    const stream = this.config.current.defaults.stream;
    this.streams = new StreamGraph({
      resolveUpstream: (cameraId, profile) => () =>
        defer(() => from(this.sessions.get(cameraId))).pipe(
          switchMap((session) => session.require('liveMedia').openStream(profile)),
          catchError((err: unknown) => {
            // A session that failed for good (bad credentials, vanished device) is dropped so the next try reconnects it.
            if (!isTransient(err)) void this.sessions.invalidate(cameraId);
            return throwError(() => err);
          }),
        ),
      bus: this.bus,
      clock: this.clock,
      logger: this.logger.child({ component: 'streams' }),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      hubDefaults: {
        reconnect: { initialDelayMs: stream.reconnectInitialDelayMs, maxDelayMs: stream.reconnectMaxDelayMs },
        gopCache: { maxBytes: stream.gopCacheMaxBytes },
      },
    });
    this.deviceEvents = new DeviceEventBridge({
      devices: this.devices,
      drivers: this.drivers,
      sessions: this.sessions,
      config: this.config,
      bus: this.bus,
      clock: this.clock,
      logger: this.logger,
    });
    this.container = new ArgusContainer({ name: 'root', logger: this.logger });
    this.plugins = new PluginHost({
      container: this.container,
      coreVersion: CORE_VERSION,
      bus: this.bus,
      logger: this.logger.child({ component: 'plugins' }),
      clock: this.clock,
      ...(options.pluginRetry === undefined ? {} : { retry: options.pluginRetry }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });

    this.container.registerValue(LOGGER, this.logger);
    this.container.registerValue(CLOCK, this.clock);
    this.container.registerValue(EVENT_BUS, this.bus);
    this.container.registerValue(METRICS, this.metrics);
    this.container.registerValue(CONFIG_STORE, this.config);
    this.container.registerValue(DRIVER_REGISTRY, this.drivers);
    this.container.registerValue(DEVICE_REGISTRY, this.devices);
    this.container.registerValue(DEVICE_SESSIONS, this.sessions);
    this.container.registerValue(STREAM_GRAPH, this.streams);
    this.container.registerValue(PLUGIN_HOST, this.plugins);

    // A camera that is removed, or whose driver or connection changed, loses its hubs: consumers complete and
    // reconnect to the camera as it is now.
    this.#subscriptions.push(
      this.devices.changes$.subscribe((change) => {
        if (change.kind === 'added') return;
        if (change.kind === 'updated' && JSON.stringify([change.previous?.driver, change.previous?.connection]) === JSON.stringify([change.camera?.driver, change.camera?.connection])) return;
        for (const hub of this.streams.hubs()) {
          if (hub.stats().cameraId === change.id) this.streams.remove(change.id, hub.id.slice(change.id.length + 1));
        }
      }),
    );
    if (options.processMetrics !== false) this.metrics.collectDefaultMetrics();
    this.#bindMetrics();
  }

  /**
   * Registers plugins (in any order: dependencies are sorted). Rejects with the plugin host's typed error
   * (`ARGUS_ERR_PLUGIN_CORE_RANGE`, `ARGUS_ERR_PLUGIN_DEPENDENCY_MISSING`...) when one cannot be registered.
   */
  async use(...plugins: ArgusPlugin[]): Promise<void> {
    await this.plugins.registerAll(plugins);
  }

  /** Loads the stored cameras, then starts the plugins in dependency order. A failing plugin does not throw. */
  async start(): Promise<void> {
    if (this.#phase !== 'created') throw new TypeError(`Kernel cannot start when ${this.#phase}`);
    this.#phase = 'starting';
    const { loaded, skipped } = await this.devices.init();
    if (skipped.length > 0) this.logger.warn({ skipped: skipped.length }, 'stored cameras skipped as invalid');
    await this.plugins.start();
    this.deviceEvents.start();
    this.#phase = 'started';
    this.logger.info({ cameras: loaded, plugins: this.plugins.states().length, core: CORE_VERSION }, 'kernel started');
  }

  /** Stops plugins (reverse order), closes streams and sessions, then disposes the container. Idempotent. */
  async stop(): Promise<void> {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return;
    this.#phase = 'stopping';
    this.deviceEvents.stop();
    await this.plugins.stop();
    await this.streams.close();
    await this.sessions.close();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    for (const unregister of this.#unregister) unregister();
    this.config.complete();
    this.bus.complete();
    await this.container.dispose();
    this.#phase = 'stopped';
  }

  #bindMetrics(): void {
    this.#subscriptions.push(bindEventBusMetrics(this.bus, this.metrics));
    const streamSamples = (pick: (s: ReturnType<StreamGraph['stats']>[number]) => number) => () =>
      this.streams.stats().map((s) => ({ labels: { stream: s.id }, value: pick(s) }));
    const register = (...args: Parameters<MetricsRegistry['registerCollector']>) =>
      this.#unregister.push(this.metrics.registerCollector(...args));
    register('argus_cameras', 'Cameras in the inventory', () => this.devices.size);
    register('argus_drivers', 'Registered camera drivers', () => this.drivers.list().length);
    register(
      'argus_plugins',
      'Plugins by state',
      () => {
        const states = this.plugins.states();
        return PLUGIN_STATES.map((state) => ({ labels: { state }, value: states.filter((s) => s.state === state).length }));
      },
      { labelNames: ['state'] },
    );
    register('argus_stream_consumers', 'Consumers attached to each camera stream', streamSamples((s) => s.consumers), { labelNames: ['stream'] });
    register('argus_stream_fps', 'Video frames per second received from each camera stream', streamSamples((s) => s.fps), { labelNames: ['stream'] });
    register('argus_stream_bitrate_bps', 'Bits per second received from each camera stream', streamSamples((s) => s.bitrateBps), { labelNames: ['stream'] });
    register('argus_stream_upstream_connections_total', 'Upstream connections opened per camera stream', streamSamples((s) => s.upstreamConnections), { labelNames: ['stream'], type: 'counter' });
    register('argus_stream_reconnects_total', 'Reconnects per camera stream', streamSamples((s) => s.reconnects), { labelNames: ['stream'], type: 'counter' });
  }
}

/** Creates a {@link Kernel}: the core services of one Argus process, wired and registered in DI. */
export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}
