import type { PtzVector } from '@argus/core';
import { xmlEscape } from '@argus/driver-kit';
import { formatXsDuration } from './xs-duration.js';

/** WSDL namespaces of the services the driver calls (for SOAP actions; the kit's `soapEnvelope` declares the prefixes). */
const ONVIF_NS = {
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  ptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
} as const;

/** SOAP 1.2 `action` of an operation (the WSDL's input action), for the Content-Type parameter. */
export function onvifAction(service: keyof typeof ONVIF_NS, operation: string): string {
  if (service === 'wsnt') return `http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/${operation}Request`;
  if (service === 'events' && operation === 'PullMessages') return `${ONVIF_NS.events}/PullPointSubscription/PullMessagesRequest`;
  if (service === 'events') return `${ONVIF_NS.events}/EventPortType/${operation}Request`;
  return `${ONVIF_NS[service]}/${operation}`;
}

/** The request element; its prefix (`tds`, `trt`, `tr2`, `tptz`, `tev`, `wsnt`) and `tt` are declared by the kit's `soapEnvelope`. */
function element(prefix: string, operation: string, children = ''): string {
  return children === '' ? `<${prefix}:${operation}/>` : `<${prefix}:${operation}>${children}</${prefix}:${operation}>`;
}

/** A device-service request without arguments (`GetSystemDateAndTime`, `GetDeviceInformation`...). */
export function deviceRequest(operation: string): string {
  if (operation === 'GetCapabilities') return element('tds', operation, '<tds:Category>All</tds:Category>');
  if (operation === 'GetServices') return element('tds', operation, '<tds:IncludeCapability>false</tds:IncludeCapability>');
  return element('tds', operation);
}

/** `GetProfiles` (Media ver10). */
export function getProfilesRequest(): string {
  return element('trt', 'GetProfiles');
}

/** Configuration types of a Media2 `GetProfiles` (`tr2:ConfigurationEnumeration`). */
export type Media2ConfigurationType = 'All' | 'VideoSource' | 'VideoEncoder' | 'AudioSource' | 'AudioEncoder' | 'PTZ' | 'Metadata' | 'Analytics';

/**
 * `GetProfiles` of Media2 (ver20), asking for the configurations of `types` (default `All`: without a Type a
 * Media2 device lists only the profiles' names and tokens).
 */
export function media2GetProfilesRequest(types: readonly Media2ConfigurationType[] = ['All']): string {
  return element('tr2', 'GetProfiles', types.map((type) => `<tr2:Type>${type}</tr2:Type>`).join(''));
}

/**
 * Transport protocols of a Media2 `GetStreamUri` (`tr2:TransportProtocol`): `RtspUnicast` (RTP over UDP, set up
 * by RTSP), `RTSP` (RTP interleaved in the RTSP connection), `RtspOverHttp`, and the multicast/secure variants.
 */
export type Media2StreamProtocol = 'RtspUnicast' | 'RTSP' | 'RtspOverHttp' | 'RtspMulticast' | 'RtspsUnicast' | 'RtspsMulticast';

/** `GetStreamUri` of Media2 (ver20): `Protocol` then `ProfileToken`, no StreamSetup. */
export function media2GetStreamUriRequest(profileToken: string, protocol: Media2StreamProtocol = 'RtspUnicast'): string {
  return element('tr2', 'GetStreamUri', `<tr2:Protocol>${protocol}</tr2:Protocol><tr2:ProfileToken>${xmlEscape(profileToken)}</tr2:ProfileToken>`);
}

/** `GetSnapshotUri` of Media2 (ver20). */
export function media2GetSnapshotUriRequest(profileToken: string): string {
  return element('tr2', 'GetSnapshotUri', `<tr2:ProfileToken>${xmlEscape(profileToken)}</tr2:ProfileToken>`);
}

/** `GetStreamUri` for RTP unicast over RTSP. */
export function getStreamUriRequest(profileToken: string): string {
  return element(
    'trt',
    'GetStreamUri',
    `<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>` +
      `<trt:ProfileToken>${xmlEscape(profileToken)}</trt:ProfileToken>`,
  );
}

/** `GetSnapshotUri`. */
export function getSnapshotUriRequest(profileToken: string): string {
  return element('trt', 'GetSnapshotUri', `<trt:ProfileToken>${xmlEscape(profileToken)}</trt:ProfileToken>`);
}

function vector(name: string, v: PtzVector): string {
  return `<tptz:${name}><tt:PanTilt x="${v.pan}" y="${v.tilt}"/><tt:Zoom x="${v.zoom}"/></tptz:${name}>`;
}

function profile(token: string): string {
  return `<tptz:ProfileToken>${xmlEscape(token)}</tptz:ProfileToken>`;
}

/** `ContinuousMove`, with an xs:duration `Timeout` when given (fractions of a second included). */
export function continuousMoveRequest(profileToken: string, velocity: PtzVector, timeoutMs?: number): string {
  const timeout = timeoutMs === undefined ? '' : `<tptz:Timeout>${formatXsDuration(timeoutMs)}</tptz:Timeout>`;
  return element('tptz', 'ContinuousMove', `${profile(profileToken)}${vector('Velocity', velocity)}${timeout}`);
}

/** `Stop` of pan, tilt and zoom. */
export function stopRequest(profileToken: string): string {
  return element('tptz', 'Stop', `${profile(profileToken)}<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom>`);
}

/** `AbsoluteMove`, with a speed when given. */
export function absoluteMoveRequest(profileToken: string, position: PtzVector, speed?: PtzVector): string {
  return element('tptz', 'AbsoluteMove', `${profile(profileToken)}${vector('Position', position)}${speed === undefined ? '' : vector('Speed', speed)}`);
}

/** `RelativeMove`, with a speed when given. */
export function relativeMoveRequest(profileToken: string, translation: PtzVector, speed?: PtzVector): string {
  return element('tptz', 'RelativeMove', `${profile(profileToken)}${vector('Translation', translation)}${speed === undefined ? '' : vector('Speed', speed)}`);
}

/** `GetPresets`. */
export function getPresetsRequest(profileToken: string): string {
  return element('tptz', 'GetPresets', profile(profileToken));
}

/** `SetPreset`: a new preset, or overwriting `presetToken`. */
export function setPresetRequest(profileToken: string, name?: string, presetToken?: string): string {
  const nameXml = name === undefined ? '' : `<tptz:PresetName>${xmlEscape(name)}</tptz:PresetName>`;
  const tokenXml = presetToken === undefined ? '' : `<tptz:PresetToken>${xmlEscape(presetToken)}</tptz:PresetToken>`;
  return element('tptz', 'SetPreset', `${profile(profileToken)}${nameXml}${tokenXml}`);
}

/** `GotoPreset`. */
export function gotoPresetRequest(profileToken: string, presetToken: string): string {
  return element('tptz', 'GotoPreset', `${profile(profileToken)}<tptz:PresetToken>${xmlEscape(presetToken)}</tptz:PresetToken>`);
}

/** `RemovePreset`. */
export function removePresetRequest(profileToken: string, presetToken: string): string {
  return element('tptz', 'RemovePreset', `${profile(profileToken)}<tptz:PresetToken>${xmlEscape(presetToken)}</tptz:PresetToken>`);
}

/** `GotoHomePosition`. */
export function gotoHomeRequest(profileToken: string): string {
  return element('tptz', 'GotoHomePosition', profile(profileToken));
}

/** `GetNodes` of the PTZ service. */
export function getNodesRequest(): string {
  return element('tptz', 'GetNodes');
}

/** `CreatePullPointSubscription` for every topic, expiring after `terminationMs` unless renewed. */
export function createPullPointSubscriptionRequest(terminationMs: number): string {
  return element('tev', 'CreatePullPointSubscription', `<tev:InitialTerminationTime>${formatXsDuration(terminationMs)}</tev:InitialTerminationTime>`);
}

/** `PullMessages`: wait up to `timeoutMs` for at most `limit` messages. */
export function pullMessagesRequest(timeoutMs: number, limit: number): string {
  return element('tev', 'PullMessages', `<tev:Timeout>${formatXsDuration(timeoutMs)}</tev:Timeout><tev:MessageLimit>${Math.max(1, Math.floor(limit))}</tev:MessageLimit>`);
}

/** WS-BaseNotification `Renew` for `terminationMs` more. */
export function renewRequest(terminationMs: number): string {
  return element('wsnt', 'Renew', `<wsnt:TerminationTime>${formatXsDuration(terminationMs)}</wsnt:TerminationTime>`);
}

/** WS-BaseNotification `Unsubscribe`. */
export function unsubscribeRequest(): string {
  return element('wsnt', 'Unsubscribe');
}
