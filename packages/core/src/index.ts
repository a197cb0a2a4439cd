/**
 * `@argus/core`: the contracts and services every Argus package builds on: errors, events, DI kernel, plugin
 * host, driver contract and registry, device registry, stream graph, config, logger and metrics.
 *
 * @packageDocumentation
 */

// Errors
export { ArgusError, hasErrorCode, isTransient } from './errors/argus-error.js';
export type { CodedError, ErrorDetails } from './errors/argus-error.js';
export { errorMessage } from './errors/error-message.js';
export { ERROR_CODES, errorDefinition } from './errors/registry.js';
export type { ErrorCode } from './errors/registry.js';
export type { ErrorDefinition } from './errors/definition.js';

// Events
export { EventBus } from './events/event-bus.js';
export type { EmitOptions, EventBusOptions, EventBusStats } from './events/event-bus.js';
export type { AnyArgusEvent, ArgusEvent, ArgusEventMap, EventType } from './events/event-map.js';

// Logging, time, version
export { createLogger, silentLogger, REDACTED_PATHS } from './logging/logger.js';
export type { Logger, LoggerOptions } from './logging/logger.js';
export { loadOrCreateKeyFile } from './security/key-file.js';
export { ManualClock, systemClock } from './time/clock.js';
export type { Clock } from './time/clock.js';
export { CORE_VERSION } from './version.js';

// DI kernel
export { createToken, describeToken } from './di/token.js';
export type { Token } from './di/token.js';
export { ArgusContainer, inject, injectable } from './di/argus-container.js';
export type { ArgusContainerOptions, InjectableClass, ProviderOptions, ValueOptions } from './di/argus-container.js';
export {
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
} from './di/tokens.js';

// Plugins
export { definePlugin } from './plugins/argus-plugin.js';
export type { ArgusPlugin, PluginContext, PluginManifest } from './plugins/argus-plugin.js';
export { PluginHost } from './plugins/plugin-host.js';
export type {
  PluginErrorInfo,
  PluginHostOptions,
  PluginRetryOptions,
  PluginState,
  PluginStateChange,
  PluginStatus,
} from './plugins/plugin-host.js';

// Drivers
export { CAPABILITIES, isCapabilityName } from './drivers/capabilities.js';
export type {
  CapabilityMap,
  CapabilityName,
  DeviceEvent,
  DeviceEventKind,
  DeviceInfo,
  DeviceInfoCapability,
  EdgeRecording,
  EdgeRecordingCapability,
  EventsCapability,
  LiveMediaCapability,
  PtzCapability,
  PtzFeatures,
  PtzPreset,
  PtzVector,
  Snapshot,
  SnapshotCapability,
  StreamProfile,
  StreamsCapability,
  TimeRange,
} from './drivers/capabilities.js';
export { createDeviceSession } from './drivers/device-session.js';
export type { CapabilityImplementations, DeviceSession } from './drivers/device-session.js';
export type {
  ConnectConfig,
  ConnectOptions,
  Driver,
  DriverComponents,
  DriverFactory,
  DriverManifest,
  ProbeEndpoint,
  ProbeMatch,
  ProbeOptions,
} from './drivers/driver.js';
export { formatEndpoint, toDriverError } from './drivers/to-driver-error.js';
export { deviceUrl, hostAuthority } from './drivers/device-url.js';
export type { DeviceUrlParts } from './drivers/device-url.js';
export type { EndpointLike, ToDriverErrorOptions } from './drivers/to-driver-error.js';
export { BaseDriver } from './drivers/base-driver.js';
export { DriverRegistry } from './drivers/driver-registry.js';
export type { DriverRegistryOptions, ProbeFailure, ProbeResult, RegistryProbeOptions } from './drivers/driver-registry.js';

// Devices
export {
  CAMERA_CATEGORIES,
  CameraConnectionSchema,
  CameraInputSchema,
  CameraLocationSchema,
  CameraSchema,
  CameraStreamSchema,
  parseCamera,
  parseCameraInput,
} from './devices/camera-schema.js';
export type {
  Camera,
  CameraCategory,
  CameraConnection,
  CameraInput,
  CameraLocation,
  ValidationIssue,
} from './devices/camera-schema.js';
export { CAMERA_TYPES, DEFAULT_CAMERA_DRIVER, cameraTypeFrom, driverForCameraType } from './devices/camera-types.js';
export type { CameraTypeInfo, CameraTypeStatus } from './devices/camera-types.js';
export { redactCamera } from './devices/redact-camera.js';
export type { CameraEventEnded, CameraEventStarted } from './devices/camera-events.js';
export type { RedactedCamera } from './devices/redact-camera.js';
export { MemoryDeviceStore } from './devices/device-store.js';
export type { DeviceStore } from './devices/device-store.js';
export { DeviceRegistry } from './devices/device-registry.js';
export type {
  CameraFilter,
  CameraPatch,
  DeviceChange,
  DeviceInitResult,
  DeviceRegistryOptions,
  SkippedRecord,
} from './devices/device-registry.js';
export { DeviceSessions } from './devices/device-sessions.js';
export type { DeviceSessionsOptions } from './devices/device-sessions.js';
export { DeviceEventBridge } from './devices/device-event-bridge.js';
export type { DeviceEventBridgeOptions, DeviceEventBridgeStats } from './devices/device-event-bridge.js';

// Stream graph
export { isVideoKeyframe, packetByteLength } from './stream/media-packet.js';
export type { CodecName, MediaPacket, TrackInfo, TrackKind } from './stream/media-packet.js';
export { processWith } from './stream/process-with.js';
export type { StreamStage } from './stream/process-with.js';
export { GopCache, gopCache } from './stream/gop-cache.js';
export type { GopCacheOptions, GopCacheStats } from './stream/gop-cache.js';
export { KeyframeGate, keyframeGate } from './stream/keyframe-gate.js';
export type { KeyframeGateStats } from './stream/keyframe-gate.js';
export { StreamMeter, streamMeter } from './stream/stream-meter.js';
export type { StreamMeterOptions, StreamMeterStats } from './stream/stream-meter.js';
export type { ConsumerQueue, ConsumerQueueStats, QueuedPacket, QueueSignal } from './stream/consumer-queue.js';
export { LiveQueue } from './stream/live-queue.js';
export type { LiveQueueOptions } from './stream/live-queue.js';
export { RecorderQueue } from './stream/recorder-queue.js';
export type { RecorderQueueOptions } from './stream/recorder-queue.js';
export { backoffDelay, isRetryable, reconnectWithBackoff } from './stream/reconnect-with-backoff.js';
export type { ReconnectWithBackoffOptions } from './stream/reconnect-with-backoff.js';
export { StreamHub } from './stream/stream-hub.js';
export type {
  LiveOptions,
  StreamDisconnectReason,
  StreamHubOptions,
  StreamHubState,
  StreamHubStats,
  StreamReconnectOptions,
} from './stream/stream-hub.js';
export type { AttachOptions, ConsumerHandle, ConsumerKind, ConsumerState, ConsumerStats } from './stream/stream-consumer.js';
export { StreamGraph } from './stream/stream-graph.js';
export type { StreamGraphOptions, StreamHubDefaults } from './stream/stream-graph.js';

// Config
export { CameraSettingsOverrideSchema, CameraSettingsSchema, ScheduleWindowSchema } from './config/camera-settings-schema.js';
export type { CameraSettings, CameraSettingsOverride, RecordingMode, ScheduleWindow } from './config/camera-settings-schema.js';
export { ArgusConfigSchema } from './config/argus-config-schema.js';
export type { ArgusConfig, CameraConfig, CameraGroupConfig, ConfigLogLevel } from './config/argus-config-schema.js';
export { parseConfig } from './config/parse-config.js';
export type { ConfigIssue } from './config/parse-config.js';
export { resolveCameraSettings } from './config/resolve-camera-settings.js';
export { CONFIG_ENV_VARIABLES, configFromEnv } from './config/config-from-env.js';
export { mergeConfig } from './config/merge-config.js';
export type { ConfigPatch } from './config/merge-config.js';
export { ConfigStore } from './config/config-store.js';
export type { ConfigSection, ConfigStoreOptions } from './config/config-store.js';

// Metrics
export { MetricsRegistry } from './metrics/metrics-registry.js';
export type {
  CollectedSample,
  CollectedValue,
  CollectorOptions,
  MetricLabels,
  MetricsRegistryOptions,
} from './metrics/metrics-registry.js';
export { bindEventBusMetrics } from './metrics/bind-event-bus-metrics.js';

// Kernel
export { Kernel, createKernel } from './kernel/kernel.js';
export type { KernelOptions } from './kernel/kernel.js';
