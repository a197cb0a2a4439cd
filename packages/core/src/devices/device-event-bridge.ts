import { defer, EMPTY, from, retry, switchMap, timer, type Subscription } from 'rxjs';
import type { ConfigStore } from '../config/config-store.js';
import { resolveCameraSettings } from '../config/resolve-camera-settings.js';
import type { CameraSettings } from '../config/camera-settings-schema.js';
import type { DeviceEvent } from '../drivers/capabilities.js';
import type { DriverRegistry } from '../drivers/driver-registry.js';
import { errorMessage } from '../errors/error-message.js';
import { hasErrorCode } from '../errors/argus-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../time/clock.js';
import type { Camera } from './camera-schema.js';
import type { DeviceRegistry } from './device-registry.js';
import type { DeviceSessions } from './device-sessions.js';
import { backoffDelay } from '../stream/reconnect-with-backoff.js';
import './camera-events.js';

/** Options of {@link DeviceEventBridge}. */
export interface DeviceEventBridgeOptions {
  readonly devices: DeviceRegistry;
  readonly drivers: DriverRegistry;
  readonly sessions: DeviceSessions;
  readonly config: ConfigStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Counters of a {@link DeviceEventBridge}. */
export interface DeviceEventBridgeStats {
  /** Cameras whose event channel the bridge keeps open (or is reopening). */
  readonly channels: number;
  /** Device events published on the bus since start. */
  readonly events: number;
  /** Channel failures that led to a retry. */
  readonly retries: number;
}

interface Channel {
  readonly fingerprint: string;
  /** `driver:<id>` of the driver the channel was opened with: the source of its bus events. */
  readonly source: string;
  readonly subscription: Subscription;
  /** Stateful events still open, by kind and channel, with the bus event id that opened them. */
  readonly open: Map<string, { id: string; type: string }>;
}

/**
 * Keeps the event channel (alertStream, eventManager, PullPoint...) of every camera that asks for it open and
 * republishes what the devices report as `cameraEventStarted` / `cameraEventEnded` on the bus, where event recording,
 * the SSE route and rules listen. A camera asks through its `events.subscribe` setting (off by default; on for a
 * group or a camera in the configuration), has a driver that declares `events`, and is enabled. A channel that fails
 * is reopened with exponential backoff (`events.retryInitialDelayMs` .. `retryMaxDelayMs`); events still open when a
 * channel drops or closes are ended then, so nothing waits for a stop that will never come.
 *
 * @example
 * ```ts
 * const bridge = new DeviceEventBridge({ devices, drivers, sessions, config, bus, clock, logger });
 * bridge.start();
 * bus.subscribe('cameraEventStarted', (event) => console.log(event.payload.type));
 * ```
 */
export class DeviceEventBridge {
  readonly #options: DeviceEventBridgeOptions;
  readonly #log: Logger;
  readonly #channels = new Map<string, Channel>();
  readonly #watch: Subscription[] = [];
  #events = 0;
  #retries = 0;
  #seq = 0;

  constructor(options: DeviceEventBridgeOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'device-events' });
  }

  /** Opens the channels the configuration asks for, then follows inventory and configuration changes. */
  start(): void {
    if (this.#watch.length > 0) return;
    const { devices, config } = this.#options;
    // The configuration replays its current value at once: that first pass covers every camera.
    this.#watch.push(config.config$.subscribe(() => this.#reconcileAll()));
    this.#watch.push(devices.changes$.subscribe((change) => this.#reconcile(change.id)));
  }

  /** Closes every channel, ending the events they left open. */
  stop(): void {
    for (const subscription of this.#watch.splice(0)) subscription.unsubscribe();
    for (const id of [...this.#channels.keys()]) this.#close(id);
  }

  /** Channels, events published and retries. */
  stats(): DeviceEventBridgeStats {
    return { channels: this.#channels.size, events: this.#events, retries: this.#retries };
  }

  #reconcileAll(): void {
    const ids = new Set([...this.#channels.keys(), ...this.#options.devices.list().map((camera) => camera.id)]);
    for (const id of ids) this.#reconcile(id);
  }

  #reconcile(id: string): void {
    const camera = this.#options.devices.tryGet(id);
    // The cheap checks first: settings are only resolved for a camera that could have a channel at all.
    const settings = camera !== undefined && this.#couldHaveChannel(camera) ? this.#settingsOf(camera) : undefined;
    const current = this.#channels.get(id);
    if (camera === undefined || settings?.events.subscribe !== true) {
      if (current !== undefined) this.#close(id);
      return;
    }
    const fingerprint = JSON.stringify([camera.driver, camera.connection, settings.events]);
    if (current !== undefined && current.fingerprint !== fingerprint) this.#close(id);
    if (this.#channels.get(id) === undefined) this.#open(camera, settings, fingerprint);
  }

  /** Enabled, with a driver that declares `events`. */
  #couldHaveChannel(camera: Camera): boolean {
    const { drivers } = this.#options;
    return camera.enabled && drivers.has(camera.driver) && drivers.get(camera.driver).manifest.capabilities.includes('events');
  }

  #settingsOf(camera: Camera): CameraSettings | undefined {
    try {
      return resolveCameraSettings(this.#options.config.current, camera.id, camera.groups);
    } catch (err) {
      // A camera in a group the configuration does not define: no channel until the configuration is mended.
      this.#log.warn({ camera: camera.id, code: hasErrorCode(err) ? err.code : undefined, err: errorMessage(err) }, 'camera settings unresolved; event channel closed');
      return undefined;
    }
  }

  #open(camera: Camera, settings: CameraSettings, fingerprint: string): void {
    const { sessions } = this.#options;
    const { retryInitialDelayMs, retryMaxDelayMs } = settings.events;
    const open = new Map<string, { id: string; type: string }>();
    const id = camera.id;
    const source = `driver:${camera.driver}`;
    const subscription = defer(() => from(sessions.get(id)))
      .pipe(
        switchMap((session) => session.capability('events')?.events$ ?? EMPTY),
        retry({
          delay: (err: unknown, attempt: number) => {
            this.#retries += 1;
            this.#endOpen(id, open, source);
            const delayMs = backoffDelay(attempt, { initialDelayMs: retryInitialDelayMs, maxDelayMs: retryMaxDelayMs, jitter: 0 });
            this.#log.warn({ camera: id, attempt, delayMs, code: hasErrorCode(err) ? err.code : undefined, err: errorMessage(err) }, 'device event channel failed; reopening');
            void sessions.invalidate(id);
            return timer(delayMs);
          },
        }),
      )
      .subscribe({
        next: (event) => this.#publish(id, source, open, event),
        complete: () => this.#log.info({ camera: id }, 'device has no event channel'),
      });
    this.#channels.set(id, { fingerprint, source, subscription, open });
  }

  #close(id: string): void {
    const channel = this.#channels.get(id);
    if (channel === undefined) return;
    this.#channels.delete(id);
    channel.subscription.unsubscribe();
    this.#endOpen(id, channel.open, channel.source);
  }

  #publish(cameraId: string, source: string, open: Map<string, { id: string; type: string }>, event: DeviceEvent): void {
    const { bus } = this.#options;
    const key = `${event.kind}:${event.channel ?? 0}`;
    const time = Number.isFinite(event.at) ? event.at : this.#options.clock.now();
    const note = event.channel === undefined ? undefined : `channel ${event.channel}`;
    this.#events += 1;
    if (event.state === 'stop') {
      const started = open.get(key);
      if (started === undefined) return;
      open.delete(key);
      bus.emit('cameraEventEnded', { cameraId, id: started.id, type: started.type, time, source }, { source, cameraId });
      return;
    }
    if (event.state === 'start' && open.has(key)) return;
    const id = `${cameraId}:${event.kind}:${this.#options.clock.now()}:${++this.#seq}`;
    const end = event.state === 'pulse' ? { end: time } : {};
    bus.emit('cameraEventStarted', { cameraId, id, type: event.kind, time, ...end, source, ...(note === undefined ? {} : { note }) }, { source, cameraId });
    if (event.state === 'start') open.set(key, { id, type: event.kind });
  }

  #endOpen(cameraId: string, open: Map<string, { id: string; type: string }>, source: string): void {
    const time = this.#options.clock.now();
    for (const started of open.values()) {
      this.#options.bus.emit('cameraEventEnded', { cameraId, id: started.id, type: started.type, time, source }, { source, cameraId });
    }
    open.clear();
  }
}
