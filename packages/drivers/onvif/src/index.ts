/**
 * `@argus/driver-onvif`: the driver for ONVIF Profile S/T devices (camera types 16-20, 23, 24), through node-onvif
 * with the kit's SOAP client beside it (Media2 for Profile T), plus WS-Discovery and the parsers of ONVIF replies.
 *
 * @packageDocumentation
 */
export { onvif, OnvifDriver, OnvifCameraOptionsSchema, ONVIF_BRAND_TYPES, onvifCameraType } from './onvif-driver.js';
export type { OnvifBrandType, OnvifCameraOptions, OnvifDriverOptions } from './onvif-driver.js';
export type { OnvifSoapStack } from './onvif-client.js';
export { discoverOnvif, parseProbeMatches, probeEnvelope, WS_DISCOVERY_ADDRESS, WS_DISCOVERY_PORT } from './discover-onvif.js';
export type { DiscoverOnvifOptions, OnvifDiscoveredDevice } from './discover-onvif.js';
export { OnvifEventMapper, ONVIF_TOPIC_RULES, notificationChannel } from './onvif-event-mapper.js';
export type { OnvifEventMapperStats, OnvifTopicRule } from './onvif-event-mapper.js';
export { mapNodeOnvifError, HTTP_UNAUTHORIZED } from './node-onvif-errors.js';
export type { NodeOnvifCallContext } from './node-onvif-errors.js';
export { soapBody } from './soap-body.js';
export { parseDeviceInformation, parseNetworkInterfacesMac } from './parse-device-information.js';
export { parseSystemDateAndTime } from './parse-system-date-and-time.js';
export { parseCapabilities, parseServices } from './parse-capabilities.js';
export type { OnvifServiceAddresses } from './parse-capabilities.js';
export { parseProfiles, onvifCodec } from './parse-profiles.js';
export type { OnvifProfile, OnvifProfilePtz } from './parse-profiles.js';
export { parseMedia2Profiles } from './parse-media2-profiles.js';
export { parseStreamUri, parseSnapshotUri, parseMedia2StreamUri, parseMedia2SnapshotUri } from './parse-media-uri.js';
export type { OnvifMediaUri } from './parse-media-uri.js';
export { parsePresets, parseSetPresetResponse, parsePtzNodes } from './parse-ptz.js';
export type { OnvifPreset, OnvifPtzNode } from './parse-ptz.js';
export { parsePullMessages, parseCreatePullPointSubscription, parseRenewResponse, parseOnvifTime } from './parse-notifications.js';
export type { OnvifNotification, OnvifPullMessages, OnvifPullPointSubscription, OnvifRenewed } from './parse-notifications.js';
export { parseXsDuration, formatXsDuration } from './xs-duration.js';
