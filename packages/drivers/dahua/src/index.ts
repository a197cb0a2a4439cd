/**
 * `@argus/driver-dahua`: the driver for Dahua devices over the Dahua HTTP API (camera types 5 Dahua/KBVision/Amcrest
 * IP cameras and PTZ, 7 NVR/XVR channels, 8 Imou), and the pure parsers of its replies.
 *
 * @packageDocumentation
 */
export { dahua, DahuaCameraOptionsSchema, DahuaDriver, profileIdOfSubtype, subtypeOfProfileId } from './dahua-driver.js';
export type { DahuaCameraOptions, DahuaDriverOptions } from './dahua-driver.js';
export { DahuaApi, isRequestRefused } from './dahua-api.js';
export { dahuaEvents$ } from './dahua-events.js';
export type { DahuaEventsOptions } from './dahua-events.js';
export { DahuaPtz } from './dahua-ptz.js';
export type { DahuaPtzOptions } from './dahua-ptz.js';
export {
  DAHUA_MAX_SPEED,
  dahuaSpeed,
  isDirectionCode,
  isZoomCode,
  ptzMoveCommands,
  ptzPresetCommand,
  ptzStopCommand,
  velocityOfCommand,
} from './dahua-ptz-codes.js';
export type { DahuaDirectionCode, DahuaPresetCode, DahuaPtzCode, DahuaPtzCommand, DahuaZoomCode } from './dahua-ptz-codes.js';
export { DAHUA_MODEL_RULES, dahuaCameraType, GENERIC_DEVICE_TYPES, isGenericDeviceType } from './dahua-models.js';
export type { DahuaModelRule } from './dahua-models.js';
export {
  dahuaErrorReason,
  dahuaList,
  dahuaNumber,
  dahuaPath,
  dahuaString,
  dahuaTable,
  isDahuaErrorReply,
  parseKeyValueLines,
  parseKeyValueTable,
} from './parse-key-value.js';
export type { DahuaPathStep, DahuaTable, DahuaValue, KeyValueParseOptions } from './parse-key-value.js';
export {
  parseDeviceType,
  parseMachineName,
  parseNetworkMac,
  parseSoftwareVersion,
  parseSystemInfo,
  parseVendor,
} from './parse-system-info.js';
export type { DahuaSoftwareVersion, DahuaSystemInfo } from './parse-system-info.js';
export { codecFromCompression, parseChannelTitles, parseEncodeConfig, parseRtspPort } from './parse-encode-config.js';
export type { DahuaEncodeStream } from './parse-encode-config.js';
export { parsePresets, parsePtzCaps, parsePtzStatus } from './parse-ptz-status.js';
export type { DahuaPtzCaps, DahuaPtzStatus } from './parse-ptz-status.js';
export { DAHUA_EVENT_KINDS, isHeartbeat, parseEventPart, toDeviceEvent } from './parse-event-part.js';
export type { DahuaEvent, EventPartParseOptions } from './parse-event-part.js';
