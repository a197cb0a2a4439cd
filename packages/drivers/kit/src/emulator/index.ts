/**
 * `@argus/driver-kit/emulator`: the base of device emulators (HTTP with Digest/Basic auth, fault injection, restarts,
 * event channels, RTSP from a camera farm) and the PTZ mechanics they share.
 *
 * @packageDocumentation
 */
export { DeviceEmulator } from './device-emulator.js';
export type {
  EmulatorConnection,
  EmulatorEvent,
  EmulatorFamily,
  EmulatorFault,
  EmulatorHttpReply,
  EmulatorHttpRequest,
  EmulatorOptions,
  EmulatorRequestLogEntry,
  EmulatorRtspHandler,
  EmulatorRtspMount,
  EmulatorRtspRequest,
  EmulatorRtspRoute,
  StreamingReply,
} from './device-emulator.js';
export { DEFAULT_EMULATOR_IDENTITY, emulatorIdentity } from './emulator-identity.js';
export type { EmulatorIdentity } from './emulator-identity.js';
export { PtzModel } from './ptz-model.js';
export type { PtzModelOptions, PtzModelPreset } from './ptz-model.js';
