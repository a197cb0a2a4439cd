import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { parseSoapFault, parseXml } from '@argus/driver-kit';
import { onvifFixtures, readFixture } from './fixtures.test-helper.js';
import {
  OnvifEventMapper,
  parseCapabilities,
  parseCreatePullPointSubscription,
  parseDeviceInformation,
  parseNetworkInterfacesMac,
  parseOnvifTime,
  parsePresets,
  parseProbeMatches,
  parseProfiles,
  parsePtzNodes,
  parsePullMessages,
  parseServices,
  parseSetPresetResponse,
  parseSnapshotUri,
  parseStreamUri,
  parseSystemDateAndTime,
  parseXsDuration,
  formatXsDuration,
  soapBody,
} from './index.js';

const root = onvifFixtures();
const body = (...parts: string[]): ReturnType<typeof soapBody> => soapBody(readFixture(root ?? '', ...parts), 'fixture');

function expectCode(fn: () => unknown, code: 'ARGUS_ERR_DRIVER_PROTOCOL'): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(hasErrorCode(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

describe.skipIf(root === undefined)('ONVIF reply parsers on captured replies', () => {
  it('GetDeviceInformation: Milesight MS-C8165-PE (ex_onvif) and the agsh mockup', () => {
    expect(parseDeviceInformation(body('ex_onvif', 'get_device_information.xml'))).toEqual({
      manufacturer: 'Milesight Technology Co.,Ltd.',
      model: 'MS-C8165-PE',
      firmware: '61.8.0.3-r8',
      serial: 'EM82V102329001403',
      hardwareId: 'V1.0',
    });
    expect(parseDeviceInformation(body('agsh-serverMockup', 'GetDeviceInformation.xml'))).toEqual({
      manufacturer: 'Mockup Manufacturer',
      model: 'Mockup Model',
      firmware: 'Mockup_15_14_13',
      serial: '00000000',
      hardwareId: 'MOCKUP',
    });
  });

  it('GetNetworkInterfaces: the MAC of the agsh capture', () => {
    expect(parseNetworkInterfacesMac(body('agsh-serverMockup', 'device.GetNetworkInterfaces.xml'))).toBe('28:57:be:65:7d:d5');
  });

  it('GetSystemDateAndTime: Axis (ex_onvif, with LocalDateTime) and the agsh mockup, read as UTC', () => {
    expect(parseSystemDateAndTime(body('ex_onvif', 'get_system_date_and_time.xml')).toISOString()).toBe('2024-07-09T19:49:06.000Z');
    expect(parseSystemDateAndTime(body('agsh-serverMockup', 'GetSystemDateAndTime.xml')).toISOString()).toBe('2014-12-24T19:14:37.000Z');
  });

  it('GetCapabilities: agsh (one XAddr for every service) and Dahua compact and pretty (one per service)', () => {
    expect(parseCapabilities(body('agsh-serverMockup', 'GetCapabilities.xml'))).toEqual({
      device: 'http://192.168.68.111/onvif/services',
      media: 'http://192.168.68.111/onvif/services',
      ptz: 'http://192.168.68.111/onvif/services',
      events: 'http://192.168.68.111/onvif/services',
      imaging: 'http://192.168.68.111/onvif/services',
      pullPoint: true,
    });
    const dahua = {
      device: 'http://192.168.1.123/onvif/device_service',
      media: 'http://192.168.1.123/onvif/media_service',
      events: 'http://192.168.1.123/onvif/event_service',
      imaging: 'http://192.168.1.123/onvif/imaging_service',
      pullPoint: true,
    };
    expect(parseCapabilities(body('go2rtc-dahua', 'dahua_GetCapabilities_response_compact.xml'))).toEqual(dahua);
    expect(parseCapabilities(body('go2rtc-dahua', 'dahua_GetCapabilities_response_pretty.xml'))).toEqual(dahua);
  });

  it('GetServices: the agsh capture, keyed by WSDL namespace', () => {
    expect(parseServices(body('agsh-serverMockup', 'GetServices.xml'))).toEqual({
      device: 'http://192.168.68.111/onvif/services',
      media: 'http://192.168.68.111/onvif/services',
      events: 'http://192.168.68.111/onvif/services',
      ptz: 'http://192.168.68.111/onvif/services',
      imaging: 'http://192.168.68.111/onvif/services',
    });
  });

  it('GetProfiles: the agsh profile with its encoder and PTZ configuration', () => {
    expect(parseProfiles(body('agsh-serverMockup', 'GetProfiles.xml'))).toEqual([
      {
        token: 'main',
        name: 'main',
        mediaService: 'media',
        encoding: 'H264',
        codec: 'h264',
        width: 1920,
        height: 1080,
        fps: 5,
        bitrateKbps: 1000,
        videoSourceToken: 'vidsrc0',
        ptz: { configurationToken: 'default', nodeToken: 'default', absolute: true, relative: true },
      },
    ]);
  });

  it('GetStreamUri: agsh and Dahua (compact, and pretty with white space around the URI); nothing rewritten', () => {
    expect(parseStreamUri(body('agsh-serverMockup', 'GetStreamUri.xml'))).toEqual({
      uri: 'rtsp://192.168.68.111/h264main',
      invalidAfterConnect: false,
      invalidAfterReboot: false,
      timeout: 'PT0S',
    });
    const dahua = {
      uri: 'rtsp://192.168.1.123:554/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif',
      invalidAfterConnect: true,
      invalidAfterReboot: true,
      timeout: 'PT0S',
    };
    expect(parseStreamUri(body('go2rtc-dahua', 'dahua_GetStreamUri_response_compact.xml'))).toEqual(dahua);
    expect(parseStreamUri(body('go2rtc-dahua', 'dahua_GetStreamUri_response_pretty.xml'))).toEqual(dahua);
  });

  it('GetSnapshotUri: agsh (an unbound prefix: tolerated) and Dahua pretty (URI on its own line)', () => {
    expect(parseSnapshotUri(body('agsh-serverMockup', 'GetSnapshotUri.xml')).uri).toBe(
      'http://192.168.68.111/onvif-cgi/jpg/image.cgi?resolution=800x600&compression=20&camera=1',
    );
    expect(parseSnapshotUri(body('go2rtc-dahua', 'dahua_GetSnapshotUri_response_pretty.xml')).uri).toBe(
      'http://192.168.1.123/onvifsnapshot/media_service/snapshot?channel=1&subtype=1',
    );
    expect(parseSnapshotUri(body('go2rtc-dahua', 'dahua_GetSnapshotUri_response_compact.xml')).uri).toBe(
      'http://192.168.1.123/onvifsnapshot/media_service/snapshot?channel=1&subtype=1',
    );
  });

  it('PTZ: GetPresets, SetPreset, GotoPreset/RemovePreset (empty responses), GetNodes of two devices', () => {
    expect(parsePresets(body('ex_onvif', 'get_ptz_presets.xml'))).toEqual([
      { token: 'PresetToken001', name: 'Entrance', position: { pan: 0.5, tilt: 0.25, zoom: 0 } },
      { token: 'PresetToken002', name: 'Parking', position: { pan: -0.3, tilt: -0.1, zoom: 0.5 } },
    ]);
    expect(parseSetPresetResponse(body('ex_onvif', 'set_ptz_preset.xml'))).toBe('PresetToken001');
    expect(body('ex_onvif', 'goto_ptz_preset.xml')).toEqual({ GotoPresetResponse: '' });
    expect(body('ex_onvif', 'remove_ptz_preset.xml')).toEqual({ RemovePresetResponse: '' });
    expect(parsePtzNodes(body('agsh-serverMockup', 'GetNodes.xml'))).toEqual([
      { token: 'default', absolute: true, relative: true, continuous: true, maxPresets: 360, home: true },
    ]);
    expect(parsePtzNodes(body('ex_onvif', 'get_ptz_nodes.xml'))).toEqual([
      { token: 'PTZNodeToken', absolute: true, relative: true, continuous: true, maxPresets: 300, home: true },
    ]);
  });

  it('CreatePullPointSubscription: Hikvision and the ONVIF core spec example (times without a zone read as UTC)', () => {
    expect(parseCreatePullPointSubscription(body('ex_onvif', 'create_pull_point_subscription.xml'))).toEqual({
      address: 'http://192.168.8.120/onvif/Events/PullSubManager_20250415T164937Z_0',
      currentTime: Date.parse('2025-04-15T16:49:37Z'),
      terminationTime: Date.parse('2025-04-15T16:50:37Z'),
    });
    expect(parseCreatePullPointSubscription(body('onvif-spec-examples', 'core_L8111_CreatePullPointSubscription_response.xml'))).toEqual({
      address: 'http://160.10.64.10/Subscription?Idx=0',
      currentTime: Date.parse('2008-10-09T13:52:59Z'),
      terminationTime: Date.parse('2008-10-09T13:53:59Z'),
    });
  });

  it('PullMessages: the Hikvision capture (eight Initialized properties) and the spec example (two line crossings)', () => {
    const hik = parsePullMessages(body('ex_onvif', 'pull_messages.xml'));
    expect(hik.notifications.map((n) => n.topicPath)).toEqual([
      'VideoSource/MotionAlarm',
      'RuleEngine/CellMotionDetector/Motion',
      'RuleEngine/TamperDetector/Tamper',
      'VideoSource/ImageTooDark/ImagingService',
      'RuleEngine/FieldDetector/ObjectsInside',
      'Monitoring/OperatingTime/LastReset',
      'Monitoring/OperatingTime/LastReboot',
      'Monitoring/OperatingTime/LastClockSynchronization',
    ]);
    expect(hik.notifications[1]).toEqual({
      topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
      topicPath: 'RuleEngine/CellMotionDetector/Motion',
      at: Date.parse('2025-04-18T20:34:05Z'),
      propertyOperation: 'Initialized',
      source: { VideoSourceConfigurationToken: 'VideoSourceToken', VideoAnalyticsConfigurationToken: 'VideoAnalyticsToken', Rule: 'MyMotionDetectorRule' },
      key: {},
      data: { IsMotion: 'false' },
    });
    expect(hik.notifications[4]?.key).toEqual({ ObjectId: '0' });
    expect(hik.terminationTime).toBe(Date.parse('2025-04-18T20:44:10Z'));

    const spec = parsePullMessages(body('onvif-spec-examples', 'core_L8170_PullMessages_response_LineDetector_Crossed.xml'));
    expect(spec.notifications.map((n) => [n.topic, n.at, n.source['Rule'], n.data['ObjectId']])).toEqual([
      ['tns1:RuleEngine/LineDetector/Crossed', Date.parse('2008-10-10T12:24:57.321Z'), 'MyImportantFence1', '15'],
      ['tns1:RuleEngine/LineDetector/Crossed', Date.parse('2008-10-10T12:24:57.789Z'), 'MyImportantFence2', '19'],
    ]);
  });

  it('maps captured notifications to events: Initialized inactive states are not news; line crossings are pulses', () => {
    const mapper = new OnvifEventMapper();
    const hik = parsePullMessages(body('ex_onvif', 'pull_messages.xml'));
    expect(hik.notifications.flatMap((n) => mapper.process(n, 0))).toEqual([]);
    expect(mapper.toJSON()).toEqual({ notifications: 8, events: 0, unmapped: 4, repeated: 4 });
    const spec = parsePullMessages(body('onvif-spec-examples', 'core_L8170_PullMessages_response_LineDetector_Crossed.xml'));
    const events = spec.notifications.flatMap((n) => mapper.process(n, 0));
    expect(events.map((e) => [e.kind, e.state, e.channel, e.at, e.data?.['Rule']])).toEqual([
      ['lineCrossing', 'pulse', 1, Date.parse('2008-10-10T12:24:57.321Z'), 'MyImportantFence1'],
      ['lineCrossing', 'pulse', 1, Date.parse('2008-10-10T12:24:57.789Z'), 'MyImportantFence2'],
    ]);
  });

  it('WS-Discovery ProbeMatches: the agsh capture (its XAddrs is a placeholder, so no usable URL)', () => {
    const [device, ...rest] = parseProbeMatches(readFixture(root ?? '', 'agsh-serverMockup', 'Probe.xml'), '127.0.0.1');
    expect(rest).toEqual([]);
    expect(device).toEqual({
      endpoint: 'uuid:c9790c3a-701b-464d-a189-0060351c8ada',
      xaddrs: [],
      scopes: [
        'onvif://www.onvif.org/Profile/Streaming',
        'onvif://www.onvif.org/type/video_encoder',
        'onvif://www.onvif.org/type/audio_encoder',
        'onvif://www.onvif.org/type/ptz',
        'onvif://www.onvif.org/hardware/HD_PREDATOR',
        'onvif://www.onvif.org/name/PREDATOR',
        'onvif://www.onvif.org/location/',
      ],
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      name: 'PREDATOR',
      hardware: 'HD_PREDATOR',
      address: '127.0.0.1',
    });
  });

  it('SOAP faults: the ex_onvif NoProfile fault and the core spec template', () => {
    const fault = parseSoapFault(parseXml(readFixture(root ?? '', 'ex_onvif', 'soap_fault.xml')));
    expect(fault).toEqual({ code: 'Sender', subcode: 'NoProfile', subcodes: ['InvalidArgVal', 'NoProfile'], reason: 'Argument Value Invalid' });
    // A fault is a Body without the response element: every parser says so with a typed error.
    expectCode(() => parseStreamUri(body('ex_onvif', 'soap_fault.xml')), 'ARGUS_ERR_DRIVER_PROTOCOL');
    const printed = readFixture(root ?? '', 'onvif-spec-examples', 'core_L1858_soap_fault_http500_placeholder.txt');
    // The whole print (HTTP status line and headers first) is not XML; the envelope alone is read, its
    // typographic-quote declaration ignored.
    expectCode(() => soapBody(printed), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expect(parseSoapFault(soapBody(printed.slice(printed.indexOf('<?xml'))))).toEqual({
      code: 'fault code',
      subcode: 'fault subcode',
      subcodes: ['fault subcode', 'fault subcode'],
      reason: 'fault reason',
    });
  });

  it('not-well-formed captures give ARGUS_ERR_DRIVER_PROTOCOL, never a crash', () => {
    // doT template syntax in the agsh PullMessages; elided parts in the spec's GetServices and GetEventProperties.
    expectCode(() => body('agsh-serverMockup', 'PullMessages.xml'), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => body('onvif-spec-examples', 'core_L9396_GetServices_response_with_capabilities.xml'), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => body('onvif-spec-examples', 'core_L8011_GetEventProperties_response.xml'), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => body('onvif-spec-examples', 'core_L7502_notification_parts_fragment.xml'), 'ARGUS_ERR_DRIVER_PROTOCOL');
  });

  it('a reply for another operation is a protocol error for the parser that expected its own', () => {
    const info = body('ex_onvif', 'get_device_information.xml');
    expectCode(() => parseProfiles(info), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parseSystemDateAndTime(info), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parsePullMessages(info), 'ARGUS_ERR_DRIVER_PROTOCOL');
  });
});

describe('ONVIF parsers on broken input', () => {
  it('malformed, truncated, empty and non-SOAP documents are ARGUS_ERR_DRIVER_PROTOCOL', () => {
    const envelope = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetDeviceInformationResponse xmlns:tds="x"><tds:Model>M</tds:Model>';
    for (const text of ['', '   ', 'garbage', envelope, '<html><body>404</body></html>', '<s:Envelope xmlns:s="x"/>']) {
      expectCode(() => soapBody(text, 'test'), 'ARGUS_ERR_DRIVER_PROTOCOL');
    }
    expectCode(() => parseDeviceInformation({ GetDeviceInformationResponse: { SerialNumber: '1' } }), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parseStreamUri({ GetStreamUriResponse: { MediaUri: { Uri: 'not a uri' } } }), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parseProfiles({ GetProfilesResponse: { Profiles: { Name: 'no token' } } }), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parseSystemDateAndTime({ GetSystemDateAndTimeResponse: { SystemDateAndTime: { UTCDateTime: { Time: { Hour: '25', Minute: '0', Second: '0' }, Date: { Year: '2024', Month: '1', Day: '1' } } } } }), 'ARGUS_ERR_DRIVER_PROTOCOL');
    expectCode(() => parseCreatePullPointSubscription({ CreatePullPointSubscriptionResponse: { SubscriptionReference: { Address: '' } } }), 'ARGUS_ERR_DRIVER_PROTOCOL');
  });

  it('xs:duration and xs:dateTime helpers', () => {
    expect(parseXsDuration('PT5S')).toBe(5000);
    expect(parseXsDuration('PT1M30S')).toBe(90_000);
    expect(parseXsDuration('PT0.5S')).toBe(500);
    expect(parseXsDuration('P1DT1H')).toBe(90_000_000);
    expect(parseXsDuration('PT1093754.348S')).toBe(1_093_754_348);
    for (const bad of [undefined, '', 'P', 'PT', '-PT5S', '5S', 'PTXS']) expect(parseXsDuration(bad)).toBeUndefined();
    expect(formatXsDuration(500)).toBe('PT0.5S');
    expect(formatXsDuration(60_000)).toBe('PT60S');
    expect(() => formatXsDuration(-1)).toThrow(RangeError);
    expect(parseOnvifTime('2008-10-09T13:52:59')).toBe(Date.parse('2008-10-09T13:52:59Z'));
    expect(parseOnvifTime('2025-04-15T18:49:37+02:00')).toBe(Date.parse('2025-04-15T16:49:37Z'));
    expect(parseOnvifTime('yesterday')).toBeUndefined();
  });
});
