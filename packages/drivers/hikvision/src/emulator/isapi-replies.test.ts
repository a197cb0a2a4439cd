import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAdminAccesses, rtspPortOf } from '../parse-admin-accesses.js';
import { parseDeviceInfo, toDeviceInfo } from '../parse-device-info.js';
import { parseEventAlert } from '../parse-event-alert.js';
import { parseInputProxyChannels } from '../parse-input-proxy-channels.js';
import { parsePtzCapabilities, parsePtzPresets } from '../parse-ptz.js';
import { parseResponseStatus } from '../parse-response-status.js';
import { parseStreamingChannels } from '../parse-streaming-channels.js';
import { ALERT_STREAM_CAPTURE, fixtureOrSkip } from '../shared-fixtures.test-helper.js';
import {
  adminAccessesXml,
  alertPart,
  alertXml,
  deviceInfoXml,
  inputProxyChannelsXml,
  isapiDateTime,
  ptzCapabilitiesXml,
  ptzPresetListXml,
  responseStatusXml,
  streamingChannelListXml,
} from './isapi-replies.js';

const capturePath = fixtureOrSkip(...ALERT_STREAM_CAPTURE);

describe.skipIf(capturePath === undefined)('alertStream reply builders against the capture', () => {
  const capture = capturePath === undefined ? Buffer.alloc(0) : readFileSync(capturePath);

  it("rebuild the captured stream byte for byte from the capture's values", () => {
    // The capture's own values, including its (never contacted) device address: the builders must frame and lay
    // out an alert exactly as the device did.
    const body = alertXml({
      ipAddress: '192.168.5.106',
      portNo: 80,
      protocol: 'HTTP',
      macAddress: '8c:e7:48:da:94:8f',
      channelID: 1,
      dateTime: isapiDateTime(Date.parse('2019-02-20T23:22:34Z'), -480),
      activePostCount: 0,
      eventType: 'videoloss',
      eventState: 'inactive',
      eventDescription: 'videoloss alarm',
    });
    expect(Buffer.byteLength(body)).toBe(480);
    const rebuilt = Buffer.concat([alertPart(body), alertPart(body)]);
    expect(rebuilt.length).toBe(capture.length);
    expect(rebuilt.equals(capture)).toBe(true);
  });

  it('write dateTime offsets with an unpadded hour, as the device does', () => {
    expect(isapiDateTime(Date.parse('2019-02-20T23:22:34Z'), -480)).toBe('2019-02-20T15:22:34-8:00');
    expect(isapiDateTime(Date.parse('2019-02-20T23:22:34Z'), 330)).toBe('2019-02-21T04:52:34+5:30');
    expect(isapiDateTime(Date.parse('2019-02-20T23:22:34Z'))).toBe('2019-02-20T23:22:34+0:00');
  });

  it('produce alerts the driver parses to the values written', () => {
    const alert = parseEventAlert(
      alertXml({ ipAddress: '127.0.0.1', portNo: 8080, macAddress: '02:00:5e:10:00:01', inputIOPortID: 2, dateTime: '2024-05-01T10:00:00+2:00', activePostCount: 3, eventType: 'IO', eventState: 'active', eventDescription: 'IO alarm' }),
    );
    expect(alert).toMatchObject({ eventType: 'IO', eventState: 'active', ioPort: 2, activePostCount: 3, time: Date.parse('2024-05-01T08:00:00Z'), macAddress: '02:00:5e:10:00:01' });
  });
});

describe('ISAPI document builders parse back with the driver parsers', () => {
  it('deviceInfo', () => {
    const text = deviceInfoXml({
      deviceName: 'IP CAMERA',
      model: 'DS-2DE4425IW-DE',
      serialNumber: 'DS-2DE4425IW-DE20240101AAWRARGUS0009',
      macAddress: '02:00:5e:10:00:09',
      firmwareVersion: 'V5.7.15',
      hardwareVersion: '0x0',
      deviceType: 'IPDome',
      manufacturer: 'Hikvision',
    });
    const info = parseDeviceInfo(text);
    expect(info.isapiNamespace).toBe(true);
    expect(toDeviceInfo(info)).toEqual({ manufacturer: 'Hikvision', model: 'DS-2DE4425IW-DE', firmware: 'V5.7.15', serial: 'DS-2DE4425IW-DE20240101AAWRARGUS0009', hardwareId: '0x0', mac: '02:00:5e:10:00:09' });
  });

  it('streaming channels, admin accesses, input proxy channels, PTZ documents, response status', () => {
    const channels = parseStreamingChannels(
      streamingChannelListXml([
        { id: '101', channelName: 'Camera 01', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 300, inputChannel: 1 },
        { id: '102', channelName: 'Camera 01', codec: 'h265', width: 160, height: 120, fps: 12.5, bitrateKbps: 150, inputChannel: 1 },
      ]),
    );
    expect(channels).toEqual([
      { id: '101', name: 'Camera 01', enabled: true, codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 300, inputChannel: 1 },
      { id: '102', name: 'Camera 01', enabled: true, codec: 'h265', width: 160, height: 120, fps: 12.5, bitrateKbps: 150, inputChannel: 1 },
    ]);
    expect(rtspPortOf(parseAdminAccesses(adminAccessesXml({ http: 8080, rtsp: 8554 })))).toBe(8554);
    expect(parseInputProxyChannels(inputProxyChannelsXml([{ id: 3, name: 'Yard & gate', model: 'DS-2CD2346G2-ISU', serialNumber: 'S3', firmwareVersion: 'V5.7.3' }]))).toEqual([
      { id: 3, name: 'Yard & gate', proxyProtocol: 'HIKVISION', address: '127.0.0.1', model: 'DS-2CD2346G2-ISU', serialNumber: 'S3', firmwareVersion: 'V5.7.3' },
    ]);
    expect(parsePtzCapabilities(ptzCapabilitiesXml(300))).toMatchObject({ maxPresets: 300, momentary: true, pan: { min: -100, max: 100 } });
    expect(parsePtzPresets(ptzPresetListXml([{ id: '4', name: 'Gate', position: { pan: 0.5, tilt: 0, zoom: 0.2 } }]))).toEqual([{ id: '4', name: 'Gate' }]);
    expect(parseResponseStatus(responseStatusXml({ requestUrl: '/x', statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'notSupport' }))).toEqual({
      statusCode: 4,
      statusString: 'Invalid Operation',
      subStatusCode: 'notSupport',
      requestUrl: '/x',
    });
  });
});
