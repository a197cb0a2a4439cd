/**
 * `@argus/driver-onvif/emulator`: an ONVIF Profile S/T device emulator (device, media, PTZ and event services,
 * WS-Security and HTTP Digest, PullPoint events, WS-Discovery) for tests and demos.
 *
 * @packageDocumentation
 */
export { OnvifEmulator, ONVIF_EMULATOR_PATHS } from './onvif-emulator.js';
export type { OnvifEmulatorAuth, OnvifEmulatorMedia1H265, OnvifEmulatorOptions } from './onvif-emulator.js';
export type { EmulatedProfile } from './onvif-replies.js';
export { WsDiscoveryResponder, probeMatchesEnvelope } from './ws-discovery-responder.js';
export type { ProbeMatchInfo, WsDiscoveryResponderOptions } from './ws-discovery-responder.js';
export { WsseVerifier } from './wsse-verifier.js';
export type { WsseVerdict, WsseVerifierOptions } from './wsse-verifier.js';
