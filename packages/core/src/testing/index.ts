/**
 * `@argus/core/testing`: synthetic cameras and helpers for testing and benchmarking Argus components.
 *
 * @packageDocumentation
 */
export { recordingLogger } from './recording-logger.js';
export type { LogLine } from './recording-logger.js';
export { scriptedRtspCamera } from './scripted-rtsp-camera.js';
export type { ScriptedRtspCamera } from './scripted-rtsp-camera.js';
export { unusedPort } from './unused-port.js';
export { SyntheticDriver, syntheticDriver } from './synthetic-driver.js';
export type { SyntheticDriverOptions, SyntheticDriverStats } from './synthetic-driver.js';
export { syntheticFrameIndex, syntheticPacket, syntheticStream } from './synthetic-stream.js';
export type { SyntheticStreamOptions } from './synthetic-stream.js';
