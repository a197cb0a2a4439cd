/**
 * `@argus/driver-dahua/emulator`: a Dahua device emulator (Dahua HTTP API, multipart event stream, PTZ, RTSP at
 * `/cam/realmonitor?channel=N&subtype=S`) for tests and demos.
 *
 * @packageDocumentation
 */
export { DAHUA_EMULATOR_IDENTITY, DahuaEmulator } from './dahua-emulator.js';
export type { DahuaEmulatorEvent, DahuaEmulatorOptions, DahuaSystemInfoExtras } from './dahua-emulator.js';
export { styledJson } from './styled-json.js';
