/**
 * `@argus/driver-hikvision`: the driver for Hikvision ISAPI devices (camera types 1 IP camera and PTZ, 3 NVR/DVR
 * channel, 4 Ezviz), its pure ISAPI parsers, and (under `./emulator`) an ISAPI device emulator.
 *
 * @packageDocumentation
 */
export { hikvision, HikvisionDriver, HikvisionCameraOptionsSchema } from './hikvision-driver.js';
export type { HikvisionCameraOptions, HikvisionDriverOptions } from './hikvision-driver.js';
export { ALERT_STREAM_QUIRKS, ISAPI_EVENT_TYPES, alertStreamQuirk, alertTypeRule } from './alert-quirks.js';
export type { AlertMode, AlertQuirkKey, AlertStreamQuirk, AlertTypeRule } from './alert-quirks.js';
export { AlertTracker } from './alert-tracker.js';
export type { AlertTrackerStats, ReceivedAlert } from './alert-tracker.js';
export { ALERT_STREAM_PATH, alertStream$ } from './alert-stream.js';
export type { AlertStreamOptions } from './alert-stream.js';
export { ISAPI_DEVICE_FAMILIES, deviceFamily, manufacturerName } from './device-families.js';
export type { DeviceFamilyKey, IsapiDeviceFamily } from './device-families.js';
export { IsapiClient } from './isapi-client.js';
export { ISAPI_NAMESPACE, ISAPI_NAMESPACES, isIsapiNamespace, parseIsapiDocument, rootNamespace } from './isapi-document.js';
export type { IsapiDocument } from './isapi-document.js';
export { IsapiPtz } from './isapi-ptz.js';
export { parseAdminAccesses, rtspPortOf } from './parse-admin-accesses.js';
export type { IsapiAccessProtocol } from './parse-admin-accesses.js';
export { familyOf, normaliseMac, parseDeviceInfo, toDeviceInfo } from './parse-device-info.js';
export type { IsapiDeviceInfo } from './parse-device-info.js';
export { alertToDeviceEvent, parseEventAlert, parseIsapiTime } from './parse-event-alert.js';
export type { IsapiEventAlert } from './parse-event-alert.js';
export { parseInputProxyChannels } from './parse-input-proxy-channels.js';
export type { IsapiInputProxyChannel } from './parse-input-proxy-channels.js';
export {
  ISAPI_SPEED_RANGE,
  fromIsapiSpeed,
  parsePtzCapabilities,
  parsePtzData,
  parsePtzPresets,
  presetXml,
  ptzDataXml,
  toIsapiSpeed,
} from './parse-ptz.js';
export type { IsapiPtzCapabilities, IsapiPtzData, IsapiRange } from './parse-ptz.js';
export { parseResponseStatus, tryParseResponseStatus } from './parse-response-status.js';
export type { IsapiResponseStatus } from './parse-response-status.js';
export { isapiCodec, parseStreamingChannels, streamingChannelId } from './parse-streaming-channels.js';
export type { IsapiStreamingChannel } from './parse-streaming-channels.js';
export { ISAPI_HINT_RULES, isapiHint } from './probe-hints.js';
export type { IsapiHint, IsapiHintRule } from './probe-hints.js';
