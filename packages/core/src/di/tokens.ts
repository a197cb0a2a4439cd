import type { ConfigStore } from '../config/config-store.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { DeviceSessions } from '../devices/device-sessions.js';
import type { DriverRegistry } from '../drivers/driver-registry.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { MetricsRegistry } from '../metrics/metrics-registry.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { StreamGraph } from '../stream/stream-graph.js';
import type { Clock } from '../time/clock.js';
import { createToken } from './token.js';

/** The root logger (pino); plugins get a child of it in their context. */
export const LOGGER = createToken<Logger>('Logger');

/** The wall clock; tests register a `ManualClock`. */
export const CLOCK = createToken<Clock>('Clock');

/** The in-process event bus. */
export const EVENT_BUS = createToken<EventBus>('EventBus');

/** The plugin host, for services that report on plugins (health, admin API). */
export const PLUGIN_HOST = createToken<PluginHost>('PluginHost');

/** The Prometheus metrics registry. */
export const METRICS = createToken<MetricsRegistry>('MetricsRegistry');

/** The live, validated configuration. */
export const CONFIG_STORE = createToken<ConfigStore>('ConfigStore');

/** The registry of camera drivers. */
export const DRIVER_REGISTRY = createToken<DriverRegistry>('DriverRegistry');

/** The registry of cameras (the inventory). */
export const DEVICE_REGISTRY = createToken<DeviceRegistry>('DeviceRegistry');

/** One driver session per camera, opened on demand. */
export const DEVICE_SESSIONS = createToken<DeviceSessions>('DeviceSessions');

/** The stream graph: one hub per camera stream. */
export const STREAM_GRAPH = createToken<StreamGraph>('StreamGraph');
