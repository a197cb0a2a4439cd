/**
 * `@argus/driver-hikvision/emulator`: an ISAPI device emulator (camera, PTZ dome, recorder) on the driver kit's
 * `DeviceEmulator`, and the pure builders of its replies.
 *
 * @packageDocumentation
 */
export { HIKVISION_EMULATOR_IDENTITY, HikvisionEmulator } from './hikvision-emulator.js';
export type { HikvisionEmulatorOptions } from './hikvision-emulator.js';
export {
  ALERT_PART_CONTENT_TYPE,
  ALERT_STREAM_BOUNDARY,
  ISAPI_NAMESPACE_V10,
  adminAccessesXml,
  alertPart,
  alertXml,
  deviceIdOf,
  deviceInfoXml,
  inputProxyChannelsXml,
  isapiDateTime,
  ptzCapabilitiesXml,
  ptzPresetListXml,
  responseStatusXml,
  streamingChannelListXml,
  streamingChannelXml,
} from './isapi-replies.js';
export type { AlertFields, DeviceInfoFields, InputProxyChannelFields, StreamingChannelFields } from './isapi-replies.js';
