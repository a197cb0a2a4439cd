/**
 * `@argus/driver-mjpeg/emulator`: an MJPEG-over-HTTP camera for tests and demos (multipart stream and snapshot,
 * pictures from a camera farm, Digest/Basic, the framing quirks of real servers, fault injection).
 *
 * @packageDocumentation
 */
export { MJPEG_QUIRKS, MjpegEmulator, mjpegPart } from './mjpeg-emulator.js';
export type { MjpegEmulatorOptions, MjpegPartFraming, MjpegQuirk } from './mjpeg-emulator.js';
