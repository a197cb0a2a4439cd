/**
 * `@argus/driver-mjpeg`: drivers for MJPEG over HTTP (camera type 27) and JPEG snapshot polling (camera type 28);
 * both deliver H.264 (one ffmpeg per live subscription) so MJPEG-only devices record and play like any camera.
 *
 * @packageDocumentation
 */
export { mjpeg, MjpegCameraOptionsSchema, MjpegDriver, MJPEG_PROBE_SCORE } from './mjpeg-driver.js';
export type { MjpegCameraOptions, MjpegDriverOptions } from './mjpeg-driver.js';
export { jpeg, JpegCameraOptionsSchema, JpegDriver, JPEG_PROBE_SCORE } from './jpeg-driver.js';
export type { JpegCameraOptions, JpegDriverOptions } from './jpeg-driver.js';
export { JPEG_DEFAULT_PATHS, MJPEG_DEFAULT_PATHS } from './default-paths.js';
export type { KnownImagePath } from './default-paths.js';
export { parseJpegSize, startsLikeJpeg } from './jpeg-size.js';
export type { JpegSize } from './jpeg-size.js';
export { MAX_JPEG_PART_BYTES, mjpegFrames, openMjpegFrames } from './mjpeg-frames.js';
export type { JpegFrame, MjpegFramesOptions, OpenMjpegFramesOptions } from './mjpeg-frames.js';
export { jpegStreamSource } from './jpeg-stream-source.js';
export type { JpegStreamSourceOptions } from './jpeg-stream-source.js';
