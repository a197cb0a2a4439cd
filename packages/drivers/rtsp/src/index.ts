/**
 * `@argus/driver-rtsp`: the driver for plain RTSP cameras and any RTSP URL (camera type 26).
 *
 * @packageDocumentation
 */
export { rtsp, RtspCameraOptionsSchema, RtspDriver } from './rtsp-driver.js';
export type { RtspCameraOptions, RtspDriverOptions } from './rtsp-driver.js';
