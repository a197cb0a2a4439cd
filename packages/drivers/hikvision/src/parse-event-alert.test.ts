import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { MultipartParser, multipartBoundary, multipartParts, type MultipartPart } from '@argus/driver-kit';
import { AlertTracker } from './alert-tracker.js';
import { alertToDeviceEvent, parseEventAlert, parseIsapiTime } from './parse-event-alert.js';
import { ALERT_STREAM_CAPTURE, fixtureOrSkip } from './shared-fixtures.test-helper.js';

const capturePath = fixtureOrSkip(...ALERT_STREAM_CAPTURE);
const RECEIVED = Date.parse('2030-01-01T00:00:00Z');

function protocolError(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    return hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL');
  }
  return false;
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe.skipIf(capturePath === undefined)('the captured alertStream (multipart-stream-rs, byte-exact)', () => {
  const capture = capturePath === undefined ? Buffer.alloc(0) : readFileSync(capturePath);
  const bodyStart = (n: number) => capture.indexOf('<EventNotificationAlert', n === 0 ? 0 : capture.indexOf('--boundary', 10));

  it.each([1, 7, 64, 1 << 20])('splits into its two parts, bodies byte-exact, in chunks of %i bytes', async (size) => {
    const parts: MultipartPart[] = [];
    for await (const part of multipartParts(chunked(capture, size), 'boundary', { endpoint: 'capture' })) parts.push(part);
    expect(parts).toHaveLength(2);
    for (const [i, part] of parts.entries()) {
      expect(part.headers['content-type']).toBe('application/xml; charset="UTF-8"');
      expect(part.headers['content-length']).toBe('480');
      const start = bodyStart(i);
      expect(Buffer.from(part.body).equals(capture.subarray(start, start + 480)), `part ${i} body`).toBe(true);
    }
  });

  it('parses every event in it to the same alert and DeviceEvent (videoloss inactive: the heartbeat)', () => {
    const parser = new MultipartParser({ boundary: 'boundary', endpoint: 'capture' });
    const parts = [...parser.push(capture), ...parser.end()];
    expect(parts).toHaveLength(2);
    const at = Date.parse('2019-02-20T23:22:34Z');
    for (const part of parts) {
      const alert = parseEventAlert(Buffer.from(part.body).toString('utf8'), 'capture');
      expect(alert).toEqual({
        eventType: 'videoloss',
        eventState: 'inactive',
        channel: 1,
        dateTime: '2019-02-20T15:22:34-8:00',
        time: at,
        activePostCount: 0,
        description: 'videoloss alarm',
        macAddress: '8c:e7:48:da:94:8f',
      });
      expect(alertToDeviceEvent(alert, RECEIVED)).toEqual({
        kind: 'videoLoss',
        state: 'stop',
        channel: 1,
        at,
        data: { eventType: 'videoloss', eventState: 'inactive', description: 'videoloss alarm', activePostCount: 0 },
      });
    }
    // Through the session's tracker both are heartbeats: no video loss was going on, so nothing is emitted.
    const tracker = new AlertTracker();
    for (const part of parts) expect(tracker.process({ alert: parseEventAlert(Buffer.from(part.body).toString('utf8')), receivedAt: RECEIVED })).toEqual([]);
    expect(tracker.toJSON()).toMatchObject({ alerts: 2, heartbeats: 2, emitted: 0 });
  });

  it('gives a typed error, not a crash, for the capture cut off mid-part', async () => {
    const cut = capture.subarray(0, capture.length - 100);
    let caught: unknown;
    const parts: MultipartPart[] = [];
    try {
      for await (const part of multipartParts(chunked(cut, 64), 'boundary', { endpoint: 'capture' })) parts.push(part);
    } catch (err) {
      caught = err;
    }
    expect(parts).toHaveLength(1);
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL'), String(caught)).toBe(true);
  });

  it('gives a typed error for a part whose XML is broken', () => {
    const start = bodyStart(0);
    const broken = capture.subarray(start, start + 300).toString('utf8');
    expect(protocolError(() => parseEventAlert(broken))).toBe(true);
  });

  it('finds the boundary in the response content type', () => {
    expect(multipartBoundary('multipart/mixed; boundary=boundary')).toBe('boundary');
  });
});

describe('parseEventAlert on ISAPI alert shapes', () => {
  it('reads a current-firmware VMD alert (ver20, dynChannelID)', () => {
    const text = `<EventNotificationAlert version="1.0"
  xmlns="http://www.hikvision.com/ver20/XMLSchema">
  <ipAddress>192.0.2.1</ipAddress>
  <portNo>80</portNo>
  <protocol>HTTP</protocol>
  <macAddress>a6:63:9e:00:00:09</macAddress>
  <dynChannelID>1</dynChannelID>
  <dateTime>2025-03-05T10:47:40+00:00</dateTime>
  <activePostCount>1</activePostCount>
  <eventType>VMD</eventType>
  <eventState>active</eventState>
  <eventDescription>Motion alarm</eventDescription>
</EventNotificationAlert>`;
    const alert = parseEventAlert(text);
    expect(alert).toMatchObject({ eventType: 'VMD', eventState: 'active', channel: 1, time: Date.parse('2025-03-05T10:47:40Z'), activePostCount: 1 });
    expect(alertToDeviceEvent(alert, RECEIVED)).toMatchObject({ kind: 'motion', state: 'start', channel: 1, at: Date.parse('2025-03-05T10:47:40Z') });
  });

  it('reads a recorder channel alert in the PSIA namespace with extensions', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="1.0"
  xmlns="urn:psialliance-org">
  <channelID>34</channelID>
  <dateTime>2023-01-13T19:16:39+01:00</dateTime>
  <activePostCount>174</activePostCount>
  <eventType>fielddetection</eventType>
  <eventState>active</eventState>
  <Extensions>
    <serialNumber xmlns="urn:selfextension:psiaext-ver10-xsd">DS-7608NXI-I2/8P/S0000</serialNumber>
    <eventPush xmlns="urn:selfextension:psiaext-ver10-xsd">fielddetection&amp;&amp;DS-7608NXI,2023-01-13T19:16:39+01:00,34,1.0</eventPush>
  </Extensions>
</EventNotificationAlert>`;
    const event = alertToDeviceEvent(parseEventAlert(text), RECEIVED);
    expect(event).toMatchObject({ kind: 'intrusion', state: 'start', channel: 34, at: Date.parse('2023-01-13T18:16:39Z') });
  });

  it('reads line detection with its region and target type', () => {
    const text = `<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<channelID>1</channelID><dateTime>2024-06-01T12:00:00+02:00</dateTime><activePostCount>1</activePostCount>
<eventType>linedetection</eventType><eventState>active</eventState><eventDescription>linedetection alarm</eventDescription>
<DetectionRegionList><DetectionRegionEntry><regionID>2</regionID><sensitivityLevel>50</sensitivityLevel>
<TargetRect><X>0.1</X><Y>0.2</Y></TargetRect></DetectionRegionEntry></DetectionRegionList>
<targetType>human</targetType>
</EventNotificationAlert>`;
    expect(alertToDeviceEvent(parseEventAlert(text), RECEIVED)).toEqual({
      kind: 'lineCrossing',
      state: 'pulse',
      channel: 1,
      at: Date.parse('2024-06-01T10:00:00Z'),
      data: { eventType: 'linedetection', eventState: 'active', description: 'linedetection alarm', activePostCount: 1, targetType: 'human', regions: ['2'] },
    });
  });

  it('reads an ANPR read with its plate', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
  <channelID>1</channelID>
  <dateTime>2023-08-11T13:49:00+01:00</dateTime>
  <activePostCount>1</activePostCount>
  <eventType>ANPR</eventType>
  <eventState>active</eventState>
  <eventDescription>ANPR</eventDescription>
  <channelName>Camera 01</channelName>
  <ANPR>
    <country>5</country>
    <licensePlate>AB12CDE</licensePlate>
    <line>1</line>
    <direction>forward</direction>
    <confidenceLevel>97</confidenceLevel>
    <vehicleType>vehicle</vehicleType>
    <pictureInfoList><pictureInfo><fileName>licensePlatePicture.jpg</fileName></pictureInfo></pictureInfoList>
  </ANPR>
  <picNum>1</picNum>
</EventNotificationAlert>`;
    const event = alertToDeviceEvent(parseEventAlert(text), RECEIVED);
    expect(event).toMatchObject({ kind: 'anpr', state: 'pulse', channel: 1, data: { plate: 'AB12CDE', channelName: 'Camera 01', anpr: { licensePlate: 'AB12CDE', confidence: 97, direction: 'forward', country: '5', vehicleType: 'vehicle' } } });
  });

  it('uses the time of receipt when the device time has no zone, and keeps the device text', () => {
    const text = '<EventNotificationAlert><channelID>2</channelID><dateTime>2024-01-01T08:00:00</dateTime><eventType>tamperdetection</eventType><eventState>active</eventState></EventNotificationAlert>';
    expect(alertToDeviceEvent(parseEventAlert(text), RECEIVED)).toMatchObject({ kind: 'tamper', state: 'start', channel: 2, at: RECEIVED, data: { deviceTime: '2024-01-01T08:00:00' } });
  });

  it('reads device times with one-digit offsets, Z and fractions; rejects garbage', () => {
    expect(parseIsapiTime('2019-02-20T15:22:34-8:00')).toBe(Date.parse('2019-02-20T23:22:34Z'));
    expect(parseIsapiTime('2019-02-20T15:22:34+0530')).toBe(Date.parse('2019-02-20T09:52:34Z'));
    expect(parseIsapiTime('2019-02-20T15:22:34.250Z')).toBe(Date.parse('2019-02-20T15:22:34.250Z'));
    expect(parseIsapiTime('yesterday')).toBeUndefined();
    expect(parseIsapiTime(undefined)).toBeUndefined();
  });

  it.each([
    ['broken XML', '<EventNotificationAlert><eventType>VMD</eventType'],
    ['no eventType', '<EventNotificationAlert><eventState>active</eventState></EventNotificationAlert>'],
    ['another root', '<ResponseStatus><statusCode>1</statusCode></ResponseStatus>'],
    ['an empty body', '   '],
  ])('throws ARGUS_ERR_DRIVER_PROTOCOL for %s', (_what, text) => {
    expect(protocolError(() => parseEventAlert(text))).toBe(true);
  });
});
