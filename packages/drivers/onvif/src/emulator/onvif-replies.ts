import type { PtzVector } from '@argus/core';
import { xmlEscape } from '@argus/driver-kit';
import type { EmulatorIdentity } from '@argus/driver-kit/emulator';

/** Namespaces declared on every reply, as gSOAP-based cameras (Axis, Milesight, Hikvision) do. */
const NAMESPACES = [
  'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"',
  'xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding"',
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
  'xmlns:wsa5="http://www.w3.org/2005/08/addressing"',
  'xmlns:tt="http://www.onvif.org/ver10/schema"',
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"',
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl"',
  'xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"',
  'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"',
  'xmlns:tev="http://www.onvif.org/ver10/events/wsdl"',
  'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"',
  'xmlns:wstop="http://docs.oasis-open.org/wsn/t-1"',
  'xmlns:wsrfr="http://docs.oasis-open.org/wsrf/r-2"',
  'xmlns:wsrf-rw="http://docs.oasis-open.org/wsrf/rw-2"',
  'xmlns:tns1="http://www.onvif.org/ver10/topics"',
  'xmlns:ter="http://www.onvif.org/ver10/error"',
].join(' ');

/** Content type of every SOAP 1.2 reply. */
export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/** A SOAP 1.2 envelope around `body`, with a `wsa5:Action` header when given. */
export function replyEnvelope(body: string, action?: string): string {
  const header = action === undefined ? '' : `<wsa5:Action SOAP-ENV:mustUnderstand="true">${xmlEscape(action)}</wsa5:Action>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NAMESPACES}><SOAP-ENV:Header>${header}</SOAP-ENV:Header><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** A SOAP fault: `code` is `env:Sender` or `env:Receiver`, `subcodes` ONVIF error codes such as `ter:NotAuthorized`. */
export interface SoapFaultSpec {
  /** `Sender` (the client's mistake, HTTP 400) or `Receiver` (the device's, HTTP 500). */
  readonly code: 'Sender' | 'Receiver';
  /** Nested subcodes, outermost first (`['ter:InvalidArgVal', 'ter:NoProfile']`). */
  readonly subcodes: readonly string[];
  /** Human-readable reason. */
  readonly reason: string;
}

/** The envelope of a SOAP fault, shaped like the ONVIF core specification's (and gSOAP's) faults. */
export function faultEnvelope(fault: SoapFaultSpec): string {
  let subcodes = '';
  for (const subcode of [...fault.subcodes].reverse()) {
    subcodes = `<SOAP-ENV:Subcode><SOAP-ENV:Value>${xmlEscape(subcode)}</SOAP-ENV:Value>${subcodes}</SOAP-ENV:Subcode>`;
  }
  return replyEnvelope(
    `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${fault.code}</SOAP-ENV:Value>${subcodes}</SOAP-ENV:Code>` +
      `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${xmlEscape(fault.reason)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`,
  );
}

/** The faults the emulator answers. */
export const FAULTS = {
  notAuthorized: { code: 'Sender', subcodes: ['ter:NotAuthorized'], reason: 'Sender not Authorized' },
  actionNotSupported: { code: 'Receiver', subcodes: ['ter:ActionNotSupported'], reason: 'Optional Action Not Implemented' },
  noProfile: { code: 'Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoProfile'], reason: 'No such profile' },
  noToken: { code: 'Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoToken'], reason: 'No such preset token' },
  tooManyPresets: { code: 'Receiver', subcodes: ['ter:Action', 'ter:TooManyPresets'], reason: 'Maximum number of presets reached' },
  noPtz: { code: 'Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoPTZProfile'], reason: 'The profile has no PTZ configuration' },
  invalidArgs: { code: 'Sender', subcodes: ['ter:InvalidArgVal'], reason: 'Argument Value Invalid' },
  wellFormed: { code: 'Sender', subcodes: ['ter:WellFormed'], reason: 'The request is not a SOAP envelope' },
  invalidStreamSetup: { code: 'Sender', subcodes: ['ter:InvalidArgVal', 'ter:InvalidStreamSetup'], reason: 'Streaming protocol not supported' },
  unknownSubscription: { code: 'Sender', subcodes: ['wsrf-rw:ResourceUnknownFault'], reason: 'The subscription does not exist or expired' },
} as const satisfies Record<string, SoapFaultSpec>;

function dateTime(ms: number): string {
  const d = new Date(ms);
  return (
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`
  );
}

/** `GetSystemDateAndTimeResponse` for the device clock `nowMs`. */
export function systemDateAndTimeReply(nowMs: number): string {
  return replyEnvelope(
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
      `<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>${dateTime(nowMs)}</tt:UTCDateTime><tt:LocalDateTime>${dateTime(nowMs)}</tt:LocalDateTime>` +
      `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
  );
}

/** `GetDeviceInformationResponse` from the emulator identity. */
export function deviceInformationReply(identity: EmulatorIdentity): string {
  return replyEnvelope(
    `<tds:GetDeviceInformationResponse><tds:Manufacturer>${xmlEscape(identity.manufacturer)}</tds:Manufacturer>` +
      `<tds:Model>${xmlEscape(identity.model)}</tds:Model><tds:FirmwareVersion>${xmlEscape(identity.firmware)}</tds:FirmwareVersion>` +
      `<tds:SerialNumber>${xmlEscape(identity.serial)}</tds:SerialNumber><tds:HardwareId>${xmlEscape(identity.hardwareId ?? '')}</tds:HardwareId>` +
      `</tds:GetDeviceInformationResponse>`,
  );
}

/** `GetNetworkInterfacesResponse` with one interface carrying the identity's MAC and the listen address. */
export function networkInterfacesReply(identity: EmulatorIdentity, host: string): string {
  return replyEnvelope(
    `<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>` +
      `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${xmlEscape(identity.mac)}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
      `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${xmlEscape(host)}</tt:Address><tt:PrefixLength>8</tt:PrefixLength></tt:Manual>` +
      `<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>`,
  );
}

/** Addresses of the emulator's services. */
export interface ServiceUrls {
  /** Device service XAddr. */
  readonly device: string;
  /** Media service XAddr. */
  readonly media: string;
  /** Media2 (ver20) service XAddr, when the emulator offers Profile T. */
  readonly media2?: string;
  /** Event service XAddr. */
  readonly events: string;
  /** PTZ service XAddr, when the emulator has PTZ. */
  readonly ptz?: string;
}

/** `GetCapabilitiesResponse` listing the services (as the agsh mockup and Dahua captures shape it). */
export function capabilitiesReply(urls: ServiceUrls): string {
  const ptz = urls.ptz === undefined ? '' : `<tt:PTZ><tt:XAddr>${xmlEscape(urls.ptz)}</tt:XAddr></tt:PTZ>`;
  return replyEnvelope(
    `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
      `<tt:Device><tt:XAddr>${xmlEscape(urls.device)}</tt:XAddr><tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>` +
      `<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>` +
      `<tt:DiscoveryBye>false</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>` +
      `<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2</tt:Major>` +
      `<tt:Minor>40</tt:Minor></tt:SupportedVersions></tt:System><tt:IO><tt:InputConnectors>1</tt:InputConnectors><tt:RelayOutputs>1</tt:RelayOutputs></tt:IO>` +
      `<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>` +
      `<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>` +
      `<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>` +
      `<tt:Events><tt:XAddr>${xmlEscape(urls.events)}</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
      `<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
      `<tt:Media><tt:XAddr>${xmlEscape(urls.media)}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
      ptz +
      `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
  );
}

/** `GetServicesResponse` listing the services with their namespaces and versions. */
export function servicesReply(urls: ServiceUrls): string {
  const service = (namespace: string, xaddr: string, minor: number): string =>
    `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${xmlEscape(xaddr)}</tds:XAddr>` +
    `<tds:Version><tt:Major>2</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
  return replyEnvelope(
    `<tds:GetServicesResponse>` +
      service('http://www.onvif.org/ver10/device/wsdl', urls.device, 42) +
      service('http://www.onvif.org/ver10/media/wsdl', urls.media, 41) +
      (urls.media2 === undefined ? '' : service('http://www.onvif.org/ver20/media/wsdl', urls.media2, 60)) +
      service('http://www.onvif.org/ver10/events/wsdl', urls.events, 40) +
      (urls.ptz === undefined ? '' : service('http://www.onvif.org/ver20/ptz/wsdl', urls.ptz, 41)) +
      `</tds:GetServicesResponse>`,
  );
}

/** One media profile the emulator serves. */
export interface EmulatedProfile {
  /** Profile token. */
  readonly token: string;
  /** Profile name. */
  readonly name: string;
  /** Which farm camera. */
  readonly stream: 'main' | 'sub';
  /**
   * ONVIF encoding name (`H264`, `H265`); `''` for a profile listed without a video encoder configuration (how
   * some devices show an H.265 stream on Media ver10).
   */
  readonly encoding: string;
  /** Encoder width. */
  readonly width: number;
  /** Encoder height. */
  readonly height: number;
  /** Frame rate. */
  readonly fps: number;
  /** Bitrate limit, kbit/s. */
  readonly bitrateKbps: number;
  /** GOP length in frames. */
  readonly govLength: number;
  /** RTSP path of the stream. */
  readonly rtspPath: string;
}

const PTZ_CONFIGURATION =
  `<tt:PTZConfiguration token="PTZConfig_1"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNode_1</tt:NodeToken>` +
  `<tt:DefaultAbsolutePantTiltPositionSpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace</tt:DefaultAbsolutePantTiltPositionSpace>` +
  `<tt:DefaultAbsoluteZoomPositionSpace>http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace</tt:DefaultAbsoluteZoomPositionSpace>` +
  `<tt:DefaultRelativePanTiltTranslationSpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace</tt:DefaultRelativePanTiltTranslationSpace>` +
  `<tt:DefaultRelativeZoomTranslationSpace>http://www.onvif.org/ver10/tptz/ZoomSpaces/TranslationGenericSpace</tt:DefaultRelativeZoomTranslationSpace>` +
  `<tt:DefaultContinuousPanTiltVelocitySpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>` +
  `<tt:DefaultContinuousZoomVelocitySpace>http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace</tt:DefaultContinuousZoomVelocitySpace>` +
  `<tt:DefaultPTZSpeed><tt:PanTilt space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace" y="1" x="1"></tt:PanTilt>` +
  `<tt:Zoom space="http://www.onvif.org/ver10/tptz/ZoomSpaces/ZoomGenericSpeedSpace" x="1"></tt:Zoom></tt:DefaultPTZSpeed>` +
  `<tt:DefaultPTZTimeout>PT10S</tt:DefaultPTZTimeout></tt:PTZConfiguration>`;

const MULTICAST =
  `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL>` +
  `<tt:AutoStart>false</tt:AutoStart></tt:Multicast>`;

/** The body of a `tt:VideoSourceConfiguration` (the same in ver10 profiles and Media2 configuration sets). */
function videoSourceContent(profile: EmulatedProfile): string {
  return (
    `<tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>` +
    `<tt:Bounds height="${profile.height}" width="${profile.width}" y="0" x="0"></tt:Bounds>`
  );
}

function profileXml(profile: EmulatedProfile, ptz: boolean, element: string): string {
  const codecSettings =
    profile.encoding === 'H264'
      ? `<tt:H264><tt:GovLength>${profile.govLength}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>`
      : '';
  const encoder =
    profile.encoding === ''
      ? ''
      : `<tt:VideoEncoderConfiguration token="VideoEncoder_${xmlEscape(profile.token)}"><tt:Name>${xmlEscape(profile.name)} encoder</tt:Name><tt:UseCount>1</tt:UseCount>` +
        `<tt:Encoding>${profile.encoding}</tt:Encoding><tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
        `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${profile.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
        `<tt:BitrateLimit>${profile.bitrateKbps}</tt:BitrateLimit></tt:RateControl>${codecSettings}` +
        `${MULTICAST}<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>`;
  return (
    `<${element} fixed="true" token="${xmlEscape(profile.token)}"><tt:Name>${xmlEscape(profile.name)}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="VideoSourceConfig_1">${videoSourceContent(profile)}</tt:VideoSourceConfiguration>` +
    encoder +
    (ptz ? PTZ_CONFIGURATION : '') +
    `</${element}>`
  );
}

/** `GetProfilesResponse`; the PTZ configuration is bound to every profile when the emulator has PTZ. */
export function profilesReply(profiles: readonly EmulatedProfile[], ptz: boolean): string {
  return replyEnvelope(`<trt:GetProfilesResponse>${profiles.map((p) => profileXml(p, ptz, 'trt:Profiles')).join('')}</trt:GetProfilesResponse>`);
}

/** `GetProfileResponse` for one profile. */
export function profileReply(profile: EmulatedProfile, ptz: boolean): string {
  return replyEnvelope(`<trt:GetProfileResponse>${profileXml(profile, ptz, 'trt:Profile')}</trt:GetProfileResponse>`);
}

/** Which configurations a Media2 GetProfiles reply carries (the request's `Type` list). */
export interface Media2ProfileContent {
  /** `VideoSource` configurations. */
  readonly videoSource: boolean;
  /** `VideoEncoder` configurations. */
  readonly videoEncoder: boolean;
  /** `PTZ` configurations (when the device has PTZ). */
  readonly ptz: boolean;
}

/**
 * A Media2 `tr2:MediaProfile`: `Name`, then the `Configurations` set (`tr2:ConfigurationSet`) with the requested
 * `VideoSource` (`tt:VideoSourceConfiguration`), `VideoEncoder` (`tt:VideoEncoder2Configuration`: `Encoding` as a
 * MIME subtype, `GovLength` and `Profile` as attributes, `RateControl` with `FrameRateLimit` and `BitrateLimit`)
 * and `PTZ` (`tt:PTZConfiguration`), in the schema's order.
 */
function media2ProfileXml(profile: EmulatedProfile, content: Media2ProfileContent): string {
  const source = content.videoSource ? `<tr2:VideoSource token="VideoSourceConfig_1">${videoSourceContent(profile)}</tr2:VideoSource>` : '';
  const encoder = content.videoEncoder
    ? `<tr2:VideoEncoder token="VideoEncoder_${xmlEscape(profile.token)}" GovLength="${profile.govLength}" Profile="Main">` +
      `<tt:Name>${xmlEscape(profile.name)} encoder</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${profile.encoding}</tt:Encoding>` +
      `<tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
      `<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>${profile.fps}</tt:FrameRateLimit><tt:BitrateLimit>${profile.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
      `${MULTICAST}<tt:Quality>5</tt:Quality></tr2:VideoEncoder>`
    : '';
  // The PTZ configuration's children are the same as ver10's; only the element is tr2:PTZ.
  const ptz = content.ptz ? PTZ_CONFIGURATION.replace('<tt:PTZConfiguration ', '<tr2:PTZ ').replace('</tt:PTZConfiguration>', '</tr2:PTZ>') : '';
  const configurations = source + encoder + ptz;
  return (
    `<tr2:Profiles token="${xmlEscape(profile.token)}" fixed="true"><tr2:Name>${xmlEscape(profile.name)}</tr2:Name>` +
    (configurations === '' ? '' : `<tr2:Configurations>${configurations}</tr2:Configurations>`) +
    `</tr2:Profiles>`
  );
}

/** Media2 `GetProfilesResponse` with the configurations asked for. */
export function media2ProfilesReply(profiles: readonly EmulatedProfile[], content: Media2ProfileContent): string {
  return replyEnvelope(`<tr2:GetProfilesResponse>${profiles.map((p) => media2ProfileXml(p, content)).join('')}</tr2:GetProfilesResponse>`);
}

/** Media2 `GetStreamUriResponse` / `GetSnapshotUriResponse`: a bare `tr2:Uri`. */
export function media2UriReply(kind: 'GetStreamUri' | 'GetSnapshotUri', uri: string): string {
  return replyEnvelope(`<tr2:${kind}Response><tr2:Uri>${xmlEscape(uri)}</tr2:Uri></tr2:${kind}Response>`);
}

/** `GetStreamUriResponse` / `GetSnapshotUriResponse` (`kind` picks which). */
export function mediaUriReply(kind: 'GetStreamUri' | 'GetSnapshotUri', uri: string): string {
  return replyEnvelope(
    `<trt:${kind}Response><trt:MediaUri><tt:Uri>${xmlEscape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
      `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:${kind}Response>`,
  );
}

function vector(element: string, v: PtzVector, space: 'Position' | 'Translation' | 'Velocity'): string {
  const pt = `http://www.onvif.org/ver10/tptz/PanTiltSpaces/${space}GenericSpace`;
  const z = `http://www.onvif.org/ver10/tptz/ZoomSpaces/${space}GenericSpace`;
  return `<${element}><tt:PanTilt x="${v.pan}" y="${v.tilt}" space="${pt}"></tt:PanTilt><tt:Zoom x="${v.zoom}" space="${z}"></tt:Zoom></${element}>`;
}

/** `GetPresetsResponse` (shaped like the ex_onvif capture). */
export function presetsReply(presets: readonly { id: string; name: string; position: PtzVector }[]): string {
  return replyEnvelope(
    `<tptz:GetPresetsResponse>${presets
      .map((p) => `<tptz:Preset token="${xmlEscape(p.id)}"><tt:Name>${xmlEscape(p.name)}</tt:Name>${vector('tt:PTZPosition', p.position, 'Position')}</tptz:Preset>`)
      .join('')}</tptz:GetPresetsResponse>`,
  );
}

/** `SetPresetResponse` with the stored preset's token. */
export function setPresetReply(token: string): string {
  return replyEnvelope(`<tptz:SetPresetResponse><tptz:PresetToken>${xmlEscape(token)}</tptz:PresetToken></tptz:SetPresetResponse>`);
}

/** An empty `<name>Response` of the PTZ service (ContinuousMove, Stop, GotoPreset...). */
export function emptyPtzReply(operation: string): string {
  return replyEnvelope(`<tptz:${operation}Response></tptz:${operation}Response>`);
}

/** `GetStatusResponse` of the PTZ service. */
export function ptzStatusReply(position: PtzVector, moving: boolean, nowMs: number): string {
  const status = moving ? 'MOVING' : 'IDLE';
  return replyEnvelope(
    `<tptz:GetStatusResponse><tptz:PTZStatus>${vector('tt:Position', position, 'Position')}` +
      `<tt:MoveStatus><tt:PanTilt>${status}</tt:PanTilt><tt:Zoom>${status}</tt:Zoom></tt:MoveStatus>` +
      `<tt:UtcTime>${new Date(nowMs).toISOString()}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`,
  );
}

/** The PTZ node (`GetNodesResponse`, or `GetNodeResponse` when `single`). */
export function ptzNodesReply(maxPresets: number, single = false): string {
  const range = (min: number, max: number, y: boolean): string =>
    `<tt:XRange><tt:Min>${min}</tt:Min><tt:Max>${max}</tt:Max></tt:XRange>` + (y ? `<tt:YRange><tt:Min>${min}</tt:Min><tt:Max>${max}</tt:Max></tt:YRange>` : '');
  const space = (element: string, uri: string, min: number, max: number, y: boolean): string =>
    `<tt:${element}><tt:URI>${uri}</tt:URI>${range(min, max, y)}</tt:${element}>`;
  const pt = 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/';
  const zs = 'http://www.onvif.org/ver10/tptz/ZoomSpaces/';
  const node =
    `<tptz:PTZNode token="PTZNode_1" FixedHomePosition="false"><tt:Name>PTZNode</tt:Name><tt:SupportedPTZSpaces>` +
    space('AbsolutePanTiltPositionSpace', `${pt}PositionGenericSpace`, -1, 1, true) +
    space('AbsoluteZoomPositionSpace', `${zs}PositionGenericSpace`, 0, 1, false) +
    space('RelativePanTiltTranslationSpace', `${pt}TranslationGenericSpace`, -1, 1, true) +
    space('RelativeZoomTranslationSpace', `${zs}TranslationGenericSpace`, -1, 1, false) +
    space('ContinuousPanTiltVelocitySpace', `${pt}VelocityGenericSpace`, -1, 1, true) +
    space('ContinuousZoomVelocitySpace', `${zs}VelocityGenericSpace`, -1, 1, false) +
    space('PanTiltSpeedSpace', `${pt}GenericSpeedSpace`, 0, 1, false) +
    space('ZoomSpeedSpace', `${zs}ZoomGenericSpeedSpace`, 0, 1, false) +
    `</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>${maxPresets}</tt:MaximumNumberOfPresets><tt:HomeSupported>true</tt:HomeSupported></tptz:PTZNode>`;
  return single
    ? replyEnvelope(`<tptz:GetNodeResponse>${node}</tptz:GetNodeResponse>`)
    : replyEnvelope(`<tptz:GetNodesResponse>${node}</tptz:GetNodesResponse>`);
}

/** One notification the emulator sends. */
export interface EmulatedNotification {
  /** Topic with the `tns1:` prefix. */
  readonly topic: string;
  /** Device time, ms since epoch. */
  readonly at: number;
  /** `Initialized` or `Changed`. */
  readonly operation: 'Initialized' | 'Changed';
  /** Source simple items. */
  readonly source: Readonly<Record<string, string>>;
  /** Data simple items. */
  readonly data: Readonly<Record<string, string>>;
}

function items(element: string, values: Readonly<Record<string, string>>): string {
  return `<tt:${element}>${Object.entries(values)
    .map(([name, value]) => `<tt:SimpleItem Name="${xmlEscape(name)}" Value="${xmlEscape(value)}"/>`)
    .join('')}</tt:${element}>`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `CreatePullPointSubscriptionResponse` (shaped like the Hikvision capture). */
export function createPullPointReply(address: string, nowMs: number, terminationMs: number): string {
  return replyEnvelope(
    `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>${xmlEscape(address)}</wsa5:Address></tev:SubscriptionReference>` +
      `<wsnt:CurrentTime>${isoSeconds(nowMs)}</wsnt:CurrentTime><wsnt:TerminationTime>${isoSeconds(terminationMs)}</wsnt:TerminationTime>` +
      `</tev:CreatePullPointSubscriptionResponse>`,
    'http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionResponse',
  );
}

/** `PullMessagesResponse` with notifications (shaped like the Hikvision capture). */
export function pullMessagesReply(notifications: readonly EmulatedNotification[], nowMs: number, terminationMs: number): string {
  const messages = notifications
    .map(
      (n) =>
        `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${xmlEscape(n.topic)}</wsnt:Topic>` +
        `<wsnt:Message><tt:Message UtcTime="${isoSeconds(n.at)}" PropertyOperation="${n.operation}">${items('Source', n.source)}${items('Data', n.data)}</tt:Message>` +
        `</wsnt:Message></wsnt:NotificationMessage>`,
    )
    .join('');
  return replyEnvelope(
    `<tev:PullMessagesResponse><tev:CurrentTime>${isoSeconds(nowMs)}</tev:CurrentTime><tev:TerminationTime>${isoSeconds(terminationMs)}</tev:TerminationTime>` +
      `${messages}</tev:PullMessagesResponse>`,
    'http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesResponse',
  );
}

/** `RenewResponse` (WS-BaseNotification). */
export function renewReply(nowMs: number, terminationMs: number): string {
  return replyEnvelope(
    `<wsnt:RenewResponse><wsnt:TerminationTime>${isoSeconds(terminationMs)}</wsnt:TerminationTime><wsnt:CurrentTime>${isoSeconds(nowMs)}</wsnt:CurrentTime></wsnt:RenewResponse>`,
    'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewResponse',
  );
}

/** `UnsubscribeResponse` (WS-BaseNotification). */
export function unsubscribeReply(): string {
  return replyEnvelope('<wsnt:UnsubscribeResponse></wsnt:UnsubscribeResponse>', 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeResponse');
}

/** `SetSynchronizationPointResponse`. */
export function synchronizationPointReply(): string {
  return replyEnvelope('<tev:SetSynchronizationPointResponse></tev:SetSynchronizationPointResponse>');
}

/** `GetEventPropertiesResponse` announcing the topics the emulator sends. */
export function eventPropertiesReply(): string {
  const simple = (name: string, type: string): string => `<tt:SimpleItemDescription Name="${name}" Type="${type}"/>`;
  const topic = (source: string, data: string): string =>
    `<tt:MessageDescription IsProperty="true"><tt:Source>${source}</tt:Source><tt:Data>${data}</tt:Data></tt:MessageDescription>`;
  return replyEnvelope(
    `<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>` +
      `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet><wstop:TopicSet>` +
      `<tns1:VideoSource><MotionAlarm wstop:topic="true">${topic(simple('Source', 'tt:ReferenceToken'), simple('State', 'xsd:boolean'))}</MotionAlarm>` +
      `<SignalLoss wstop:topic="true">${topic(simple('Source', 'tt:ReferenceToken'), simple('State', 'xsd:boolean'))}</SignalLoss></tns1:VideoSource>` +
      `<tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true">${topic(simple('VideoSourceConfigurationToken', 'tt:ReferenceToken'), simple('IsMotion', 'xsd:boolean'))}</Motion></CellMotionDetector>` +
      `<TamperDetector><Tamper wstop:topic="true">${topic(simple('VideoSourceConfigurationToken', 'tt:ReferenceToken'), simple('IsTamper', 'xsd:boolean'))}</Tamper></TamperDetector></tns1:RuleEngine>` +
      `<tns1:Device><Trigger><DigitalInput wstop:topic="true">${topic(simple('InputToken', 'tt:ReferenceToken'), simple('LogicalState', 'xsd:boolean'))}</DigitalInput></Trigger></tns1:Device>` +
      `</wstop:TopicSet><wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>` +
      `<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>` +
      `<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>`,
  );
}
