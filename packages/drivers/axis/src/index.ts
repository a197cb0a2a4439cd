/**
 * `@argus/driver-axis`: the driver for Axis cameras and encoders over VAPIX (camera type 9), its parsers, and (at
 * `@argus/driver-axis/emulator`) a VAPIX device emulator.
 *
 * @packageDocumentation
 */
export { axis, AxisCameraOptionsSchema, AxisDriver } from './axis-driver.js';
export type { AxisCameraOptions, AxisDriverOptions } from './axis-driver.js';
export { AXIS_TOPIC_RULES, plainTopic, toDeviceEvent } from './axis-device-event.js';
export type { AxisChannelSource, AxisTopicRule } from './axis-device-event.js';
export { AxisPtz } from './axis-ptz.js';
export type { AxisPtzOptions } from './axis-ptz.js';
export { mediaUrl, parseResolution, subResolution } from './axis-streams.js';
export type { Resolution } from './axis-streams.js';
export { EventStateFilter } from './event-state-filter.js';
export type { EventStateFilterStats } from './event-state-filter.js';
export { MetadataAssembler } from './metadata-assembler.js';
export type { MetadataAssemblerOptions, MetadataAssemblerStats } from './metadata-assembler.js';
export { findMetadataTrack, metadataEvents$ } from './metadata-events.js';
export type { MetadataEventsOptions } from './metadata-events.js';
export { normalizeMac, parseBasicDeviceInfo, parseParamDeviceInfo, toDeviceInfo, vapixJsonError } from './parse-device-info.js';
export type { AxisDeviceProperties, ParseDeviceInfoOptions, VapixJsonError } from './parse-device-info.js';
export { parseEventInstances } from './parse-event-instances.js';
export type { AxisEventItemDeclaration, AxisEventTopic } from './parse-event-instances.js';
export { itemValue, parseMetadataStream } from './parse-event-message.js';
export type { AxisEventMessage, AxisSimpleItem, ParseMetadataOptions } from './parse-event-message.js';
export { paramFlag, paramGroup, paramNumber, paramValue, parseParamList } from './parse-param-list.js';
export type { ParamList, ParamTree, ParseParamListOptions } from './parse-param-list.js';
export { parsePresetData, parsePtzParams } from './parse-ptz-params.js';
export type { AxisPtzCamera, AxisPtzLimits, AxisPtzParams, AxisPtzPresetGroup, AxisPtzPresetPosition, AxisPtzSupport } from './parse-ptz-params.js';
export { parsePresetList, parsePtzPosition, throwIfVapixError } from './parse-ptz-replies.js';
export type { AxisPresetEntry, ParsePtzReplyOptions } from './parse-ptz-replies.js';
export { DEFAULT_PTZ_RANGE, fromVapixPosition, fromVapixSpeed, ptzRange, toVapixPosition, toVapixSpeed, toVapixTranslation, VAPIX_MAX_SPEED } from './ptz-scaling.js';
export type { AxisPtzRange, VapixPosition } from './ptz-scaling.js';
