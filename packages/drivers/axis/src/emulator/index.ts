/**
 * `@argus/driver-axis/emulator`: an Axis VAPIX device emulator (HTTP API, RTSP video and the metadata event stream)
 * for tests and demos.
 *
 * @packageDocumentation
 */
export { AxisEmulator, DEFAULT_AXIS_IDENTITY } from './axis-emulator.js';
export type { AxisEmulatorOptions, AxisProductInfo } from './axis-emulator.js';
export { listParams } from './axis-param-listing.js';
export { metadataDocument } from './metadata-document.js';
export type { MetadataNotification } from './metadata-document.js';
export { MetadataRtspSession } from './metadata-rtsp-session.js';
export type { MetadataSessionHost } from './metadata-rtsp-session.js';
