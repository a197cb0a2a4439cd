/**
 * `@argus/driver-hls/emulator`: an HLS origin fed by the camera farm, for tests and demos of the HLS driver.
 *
 * @packageDocumentation
 */
export { HlsEmulator } from './hls-emulator.js';
export type { HlsEmulatorOptions, HlsEmulatorSegment } from './hls-emulator.js';
export { crc32Mpeg2, TsSegmentMuxer } from './ts-segment-muxer.js';
