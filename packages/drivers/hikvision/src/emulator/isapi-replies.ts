import { createHash } from 'node:crypto';
import type { PtzVector } from '@argus/core';
import { xmlEscape } from '@argus/driver-kit';
import { ISAPI_NAMESPACE } from '../isapi-document.js';

/** Namespace of the alerts in the captured alertStream (older firmware writes the 1.0 schema on alerts). */
export const ISAPI_NAMESPACE_V10 = 'http://www.hikvision.com/ver10/XMLSchema';

/** The multipart boundary of the alertStream (`Content-Type: multipart/mixed; boundary=boundary`). */
export const ALERT_STREAM_BOUNDARY = 'boundary';

/** Content type of each alertStream part, as captured. */
export const ALERT_PART_CONTENT_TYPE = 'application/xml; charset="UTF-8"';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>\n`;
}

/** What `GET /ISAPI/System/deviceInfo` reports. */
export interface DeviceInfoFields {
  readonly deviceName: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly macAddress: string;
  readonly firmwareVersion: string;
  readonly firmwareReleasedDate?: string;
  readonly hardwareVersion?: string;
  /** `IPCamera`, `IPDome`, `NVR`, `DVR`... */
  readonly deviceType: string;
  /** Written as `<manufacturer>` (newer firmware); omitted when undefined. */
  readonly manufacturer?: string;
  /** Default `http://www.hikvision.com/ver20/XMLSchema`. */
  readonly namespace?: string;
}

/** A stable UUID-shaped `deviceID` derived from the serial number. */
export function deviceIdOf(serial: string): string {
  const hex = createHash('sha1').update(serial).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `<DeviceInfo>`, shaped like current Hikvision firmware's. */
export function deviceInfoXml(fields: DeviceInfoFields): string {
  return (
    DECLARATION +
    `<DeviceInfo version="2.0" xmlns="${fields.namespace ?? ISAPI_NAMESPACE}">\n` +
    element('deviceName', fields.deviceName) +
    element('deviceID', deviceIdOf(fields.serialNumber)) +
    element('deviceDescription', fields.deviceType) +
    element('model', fields.model) +
    element('serialNumber', fields.serialNumber) +
    element('macAddress', fields.macAddress) +
    element('firmwareVersion', fields.firmwareVersion) +
    element('firmwareReleasedDate', fields.firmwareReleasedDate ?? 'build 240101') +
    element('encoderVersion', 'V7.3') +
    element('encoderReleasedDate', 'build 240101') +
    element('hardwareVersion', fields.hardwareVersion) +
    element('deviceType', fields.deviceType) +
    element('telecontrolID', 88) +
    element('manufacturer', fields.manufacturer) +
    '</DeviceInfo>\n'
  );
}

/** One streaming channel as the emulator reports it. */
export interface StreamingChannelFields {
  /** `101`, `102`, `N01`... */
  readonly id: string;
  readonly channelName: string;
  /** `H.264` or `H.265`. */
  readonly codec: 'h264' | 'h265';
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bitrateKbps: number;
  readonly inputChannel: number;
}

function streamingChannelBody(c: StreamingChannelFields): string {
  return (
    element('id', c.id) +
    element('channelName', c.channelName) +
    element('enabled', true) +
    '<Transport>\n' +
    element('maxPacketSize', 1000) +
    '<ControlProtocolList>\n<ControlProtocol>\n' +
    element('streamingTransport', 'RTSP') +
    '</ControlProtocol>\n<ControlProtocol>\n' +
    element('streamingTransport', 'HTTP') +
    '</ControlProtocol>\n</ControlProtocolList>\n' +
    '<Unicast>\n' +
    element('enabled', true) +
    element('rtpTransportType', 'RTP/TCP') +
    '</Unicast>\n' +
    '</Transport>\n' +
    '<Video>\n' +
    element('enabled', true) +
    element('videoInputChannelID', c.inputChannel) +
    element('videoCodecType', c.codec === 'h265' ? 'H.265' : 'H.264') +
    element('videoScanType', 'progressive') +
    element('videoResolutionWidth', c.width) +
    element('videoResolutionHeight', c.height) +
    element('videoQualityControlType', 'VBR') +
    element('constantBitRate', c.bitrateKbps) +
    element('fixedQuality', 60) +
    element('vbrUpperCap', c.bitrateKbps) +
    element('vbrLowerCap', 32) +
    element('maxFrameRate', Math.round(c.fps * 100)) +
    element('keyFrameInterval', 1000) +
    element('snapShotImageType', 'JPEG') +
    element('GovLength', Math.round(c.fps)) +
    '</Video>\n'
  );
}

/** `<StreamingChannelList>` of `GET /ISAPI/Streaming/channels`. */
export function streamingChannelListXml(channels: readonly StreamingChannelFields[]): string {
  return (
    DECLARATION +
    `<StreamingChannelList version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    channels.map((c) => `<StreamingChannel version="2.0" xmlns="${ISAPI_NAMESPACE}">\n${streamingChannelBody(c)}</StreamingChannel>\n`).join('') +
    '</StreamingChannelList>\n'
  );
}

/** One `<StreamingChannel>` of `GET /ISAPI/Streaming/channels/<id>`. */
export function streamingChannelXml(channel: StreamingChannelFields): string {
  return DECLARATION + `<StreamingChannel version="2.0" xmlns="${ISAPI_NAMESPACE}">\n${streamingChannelBody(channel)}</StreamingChannel>\n`;
}

/** `<AdminAccessProtocolList>` of `GET /ISAPI/Security/adminAccesses`. */
export function adminAccessesXml(ports: { readonly http: number; readonly rtsp: number; readonly https?: number; readonly devManage?: number }): string {
  const entries: [string, number][] = [
    ['HTTP', ports.http],
    ['HTTPS', ports.https ?? 443],
    ['DEV_MANAGE', ports.devManage ?? 8000],
    ['RTSP', ports.rtsp],
  ];
  return (
    DECLARATION +
    `<AdminAccessProtocolList version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    entries
      .map(([protocol, port], i) => `<AdminAccessProtocol>\n${element('id', i + 1)}${element('enabled', true)}${element('protocol', protocol)}${element('portNo', port)}</AdminAccessProtocol>\n`)
      .join('') +
    '</AdminAccessProtocolList>\n'
  );
}

/** One IP channel of an emulated recorder. */
export interface InputProxyChannelFields {
  readonly id: number;
  readonly name: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly firmwareVersion: string;
}

/** `<InputProxyChannelList>` of `GET /ISAPI/ContentMgmt/InputProxy/channels` (camera addresses are loopback). */
export function inputProxyChannelsXml(channels: readonly InputProxyChannelFields[]): string {
  return (
    DECLARATION +
    `<InputProxyChannelList version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    channels
      .map(
        (c) =>
          `<InputProxyChannel version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
          element('id', c.id) +
          element('name', c.name) +
          '<sourceInputPortDescriptor>\n' +
          element('proxyProtocol', 'HIKVISION') +
          element('addressingFormatType', 'ipaddress') +
          element('ipAddress', '127.0.0.1') +
          element('managePortNo', 8000) +
          element('srcInputPort', 1) +
          element('userName', 'admin') +
          element('streamType', 'auto') +
          element('model', c.model) +
          element('serialNumber', c.serialNumber) +
          element('firmwareVersion', c.firmwareVersion) +
          '</sourceInputPortDescriptor>\n' +
          '</InputProxyChannel>\n',
      )
      .join('') +
    '</InputProxyChannelList>\n'
  );
}

/** `<ResponseStatus>`: `statusCode` 1 is OK. */
export function responseStatusXml(status: { readonly requestUrl: string; readonly statusCode: number; readonly statusString: string; readonly subStatusCode: string }): string {
  return (
    DECLARATION +
    `<ResponseStatus version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    element('requestURL', status.requestUrl) +
    element('statusCode', status.statusCode) +
    element('statusString', status.statusString) +
    element('subStatusCode', status.subStatusCode) +
    '</ResponseStatus>\n'
  );
}

/** `<PTZChanelCap>` (sic) of `GET /ISAPI/PTZCtrl/channels/<ch>/capabilities`: ISAPI's -100..100 speed spaces. */
export function ptzCapabilitiesXml(maxPresets: number): string {
  const range = (axis: string) => `<${axis}>\n<Min>-100</Min>\n<Max>100</Max>\n</${axis}>\n`;
  return (
    DECLARATION +
    `<PTZChanelCap version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    `<ContinuousPanTiltSpace>\n${range('XRange')}${range('YRange')}</ContinuousPanTiltSpace>\n` +
    `<ContinuousZoomSpace>\n${range('ZRange')}</ContinuousZoomSpace>\n` +
    `<MomentaryPanTiltSpace>\n${range('XRange')}${range('YRange')}</MomentaryPanTiltSpace>\n` +
    element('maxPresetNum', maxPresets) +
    element('controlProtocol', 'HIKVISION') +
    '</PTZChanelCap>\n'
  );
}

/** `<PTZPresetList>` of `GET /ISAPI/PTZCtrl/channels/<ch>/presets`. */
export function ptzPresetListXml(presets: readonly { readonly id: string; readonly name: string; readonly position: PtzVector }[]): string {
  return (
    DECLARATION +
    `<PTZPresetList version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
    presets
      .map(
        (p) =>
          `<PTZPreset version="2.0" xmlns="${ISAPI_NAMESPACE}">\n` +
          element('enabled', true) +
          element('id', p.id) +
          element('presetName', p.name) +
          '<AbsoluteHigh>\n' +
          element('elevation', Math.round(p.position.tilt * 900)) +
          element('azimuth', Math.round(((p.position.pan + 1) / 2) * 3599)) +
          element('absoluteZoom', Math.round(10 + p.position.zoom * 290)) +
          '</AbsoluteHigh>\n' +
          '</PTZPreset>\n',
      )
      .join('') +
    '</PTZPresetList>\n'
  );
}

/**
 * `dateTime` as ISAPI alerts write it: local time of the device and its offset with an unpadded hour, as in the
 * capture (`2019-02-20T15:22:34-8:00`); `+0:00` for UTC.
 */
export function isapiDateTime(ms: number, offsetMinutes = 0): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
}

/** The fields of one `<EventNotificationAlert>`, in the order the device writes them. */
export interface AlertFields {
  readonly ipAddress: string;
  readonly portNo: number;
  readonly protocol?: string;
  readonly macAddress: string;
  readonly channelID?: number;
  /** Written instead of `channelID` for I/O alarms. */
  readonly inputIOPortID?: number;
  readonly dateTime: string;
  readonly activePostCount: number;
  readonly eventType: string;
  readonly eventState: 'active' | 'inactive';
  readonly eventDescription: string;
  /** Default {@link ISAPI_NAMESPACE_V10}, as in the capture. */
  readonly namespace?: string;
}

/**
 * One alert body, line for line as in the captured alertStream: no XML declaration, CRLF after every line
 * including the last (the part's `Content-Length` counts it, and the next boundary follows directly).
 */
export function alertXml(alert: AlertFields): string {
  const line = (name: string, value: string | number | undefined) => (value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>\r\n`);
  return (
    `<EventNotificationAlert version="1.0" xmlns="${alert.namespace ?? ISAPI_NAMESPACE_V10}">\r\n` +
    line('ipAddress', alert.ipAddress) +
    line('portNo', alert.portNo) +
    line('protocol', alert.protocol ?? 'HTTP') +
    line('macAddress', alert.macAddress) +
    line('channelID', alert.channelID) +
    line('inputIOPortID', alert.inputIOPortID) +
    line('dateTime', alert.dateTime) +
    line('activePostCount', alert.activePostCount) +
    line('eventType', alert.eventType) +
    line('eventState', alert.eventState) +
    line('eventDescription', alert.eventDescription) +
    '</EventNotificationAlert>\r\n'
  );
}

/**
 * One alertStream part with the captured framing: `--boundary`, `Content-Type`, `Content-Length` of the body,
 * a blank line, the body (which ends in CRLF); no CRLF before the next boundary and no closing boundary.
 */
export function alertPart(body: string, boundary: string = ALERT_STREAM_BOUNDARY): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  const head = `--${boundary}\r\nContent-Type: ${ALERT_PART_CONTENT_TYPE}\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}
