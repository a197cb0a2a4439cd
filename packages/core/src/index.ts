/**
 * `@argus/core`: the contracts and services every Argus package builds on.
 *
 * @packageDocumentation
 */
export { ArgusError, hasErrorCode, isTransient } from './errors/argus-error.js';
export type { CodedError, ErrorDetails } from './errors/argus-error.js';
export { ERROR_CODES, errorDefinition } from './errors/registry.js';
export type { ErrorCode } from './errors/registry.js';
export type { ErrorDefinition } from './errors/definition.js';
export { EventBus } from './events/event-bus.js';
export type { EmitOptions, EventBusOptions, EventBusStats } from './events/event-bus.js';
export type { AnyArgusEvent, ArgusEvent, ArgusEventMap, EventType } from './events/event-map.js';
export { createLogger, silentLogger, REDACTED_PATHS } from './logging/logger.js';
export type { Logger, LoggerOptions } from './logging/logger.js';
export { ManualClock, systemClock } from './time/clock.js';
export type { Clock } from './time/clock.js';
export { packetByteLength } from './stream/media-packet.js';
export type { CodecName, MediaPacket, TrackInfo, TrackKind } from './stream/media-packet.js';
