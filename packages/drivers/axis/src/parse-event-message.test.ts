import { describe, expect, it } from 'vitest';
import { hasErrorCode, type DeviceEvent } from '@argus/core';
import { AXIS_FIXTURES, fixture, fixtureNames } from './axis-fixtures.test-helper.js';
import { plainTopic, toDeviceEvent } from './axis-device-event.js';
import { parseEventInstances } from './parse-event-instances.js';
import { parseMetadataStream, type AxisEventMessage } from './parse-event-message.js';

type Expected = Pick<DeviceEvent, 'kind' | 'state'> & { channel?: number } | null;

/** What each of the 37 captured metadata documents maps to (null: a topic Argus does not map). */
const EXPECTED: Readonly<Record<string, Expected | 'empty'>> = {
  'event_audio_init.xml': { kind: 'audio', state: 'stop', channel: 1 },
  'event_daynight_init.xml': null,
  'event_fence_guard_init.xml': { kind: 'lineCrossing', state: 'stop', channel: 1 },
  'event_first_message.xml': 'empty',
  'event_global_scene_change.xml': { kind: 'tamper', state: 'stop' },
  'event_light_status_changed_init.xml': null,
  'event_light_status_init.xml': null,
  'event_loitering_guard_init.xml': { kind: 'loitering', state: 'stop', channel: 1 },
  'event_motion_guard_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
  'event_object_analytics_any_change.xml': { kind: 'motion', state: 'start', channel: 1 },
  'event_object_analytics_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
  'event_pir_change.xml': { kind: 'motion', state: 'start' },
  'event_pir_init.xml': { kind: 'motion', state: 'stop' },
  'event_port_0_init.xml': { kind: 'io', state: 'stop', channel: 1 },
  'event_port_any_init.xml': { kind: 'io', state: 'stop' },
  'event_ptz_move_end.xml': null,
  'event_ptz_move_init.xml': null,
  'event_ptz_move_start.xml': null,
  'event_ptz_preset_at_1_false.xml': null,
  'event_ptz_preset_at_1_true.xml': null,
  'event_ptz_preset_at_2_false.xml': null,
  'event_ptz_preset_at_2_true.xml': null,
  'event_ptz_preset_at_3_false.xml': null,
  'event_ptz_preset_at_3_true.xml': null,
  'event_ptz_preset_init_1.xml': null,
  'event_ptz_preset_init_2.xml': null,
  'event_ptz_preset_init_3.xml': null,
  'event_relay_init.xml': { kind: 'io', state: 'stop', channel: 3 },
  'event_rule_engine_region_detector_init.xml': { kind: 'motion', state: 'stop' },
  'event_storage_alert_init.xml': null,
  'event_vmd3_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
  'event_vmd4_any_change.xml': { kind: 'motion', state: 'start', channel: 1 },
  'event_vmd4_any_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
  'event_vmd4_c1p1_change.xml': { kind: 'motion', state: 'start', channel: 1 },
  'event_vmd4_c1p1_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
  'event_vmd4_c1p2_change.xml': { kind: 'motion', state: 'start', channel: 1 },
  'event_vmd4_c1p2_init.xml': { kind: 'motion', state: 'stop', channel: 1 },
};

function message(file: string): AxisEventMessage {
  const messages = parseMetadataStream(fixture(`events/metadata-stream/${file}`));
  expect(messages, file).toHaveLength(1);
  return messages[0]!;
}

function protocolError(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    return hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL');
  }
  return false;
}

describe.skipIf(AXIS_FIXTURES === undefined)('the 37 captured metadata-stream messages', () => {
  it('parses every one and maps it as the table says (every motion message to motion start/stop)', () => {
    const files = fixtureNames('events/metadata-stream');
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    for (const file of files) {
      const expected = EXPECTED[file];
      const messages = parseMetadataStream(fixture(`events/metadata-stream/${file}`));
      if (expected === 'empty') {
        expect(messages, file).toEqual([]);
        continue;
      }
      expect(messages, file).toHaveLength(1);
      const event = toDeviceEvent(messages[0]!, 0);
      if (expected === null || expected === undefined) {
        expect(event, file).toBeUndefined();
        continue;
      }
      expect({ kind: event?.kind, state: event?.state, channel: event?.channel }, file).toEqual({ kind: expected.kind, state: expected.state, channel: expected.channel });
      // The device's own time, not the time of receipt.
      expect(event?.at, file).toBe(messages[0]!.utcTime);
      expect(event?.at, file).toBeGreaterThan(Date.UTC(2019, 0, 1));
      expect(event?.data?.['topic'], file).toBe(messages[0]!.topic);
    }
    const motion = files.filter((f) => (EXPECTED[f] as Expected)?.kind === 'motion');
    expect(motion).toHaveLength(13);
  });

  it('reads topic, operation, time, source and data as in the upstream tests', () => {
    expect(message('event_pir_change.xml')).toEqual({
      topic: 'tns1:Device/tnsaxis:Sensor/PIR',
      operation: 'Changed',
      utcTime: Date.UTC(2019, 2, 12, 23, 48, 28, 425),
      source: [{ name: 'sensor', value: '0' }],
      data: [{ name: 'state', value: '1' }],
    });
    expect(message('event_rule_engine_region_detector_init.xml').source).toEqual([
      { name: 'VideoSource', value: '0' },
      { name: 'RuleName', value: 'Profile 1V' },
    ]);
    expect(message('event_storage_alert_init.xml').data.map((i) => i.name)).toEqual(['overall_health', 'alert', 'wear', 'temperature']);
    expect(message('event_vmd4_any_change.xml')).toMatchObject({ operation: 'Changed', source: [], data: [{ name: 'active', value: '1' }] });
  });

  it('reads the pretty-printed Object Analytics message with its extra data items', () => {
    const oa = message('event_object_analytics_any_change.xml');
    expect(oa.topic).toBe('tnsaxis:CameraApplicationPlatform/ObjectAnalytics/Device1Scenario1');
    expect(toDeviceEvent(oa, 0)?.data).toMatchObject({ application: 'ObjectAnalytics', scenario: '1', classTypes: 'human', objectId: '234232', operation: 'Changed' });
  });

  it('keeps the preset and PTZ messages parseable although they are not mapped', () => {
    expect(message('event_ptz_preset_at_2_true.xml')).toMatchObject({ topic: 'tns1:PTZController/tnsaxis:PTZPresets/Channel_1', source: [{ name: 'PresetToken', value: '2' }], data: [{ name: 'on_preset', value: '1' }] });
    expect(message('event_ptz_move_start.xml').data).toEqual([{ name: 'is_moving', value: '1' }]);
  });
});

describe.skipIf(AXIS_FIXTURES === undefined)('the 4 captured GetEventInstances replies', () => {
  it('lists the 44 topics of a full device, with the kinds Argus maps', () => {
    const topics = parseEventInstances(fixture('events/event-instances/GetEventInstances_instances.xml'));
    expect(topics).toHaveLength(44);
    expect(topics.filter((t) => t.kind === 'motion').map((t) => t.topic)).toEqual([
      'RuleEngine/MotionRegionDetector/Motion',
      'RuleEngine/VMD3/vmd3_video_1',
      'CameraApplicationPlatform/VMD/Camera1Profile2',
      'CameraApplicationPlatform/VMD/Camera1ProfileANY',
      'CameraApplicationPlatform/VMD/Camera1Profile1',
      'VideoSource/MotionAlarm',
      'Device/Sensor/PIR',
    ]);
    expect(topics.find((t) => t.topic === 'VideoSource/Tampering')).toEqual({
      topic: 'VideoSource/Tampering',
      niceName: 'Camera tampering',
      isProperty: false,
      source: [{ name: 'channel', type: 'xsd:int', values: ['1'] }],
      data: [{ name: 'tampering', type: 'xsd:int', values: ['1'] }],
      kind: 'tamper',
    });
    expect(topics.find((t) => t.topic === 'RuleEngine/MotionRegionDetector/Motion')?.source).toEqual([
      { name: 'RuleName', type: 'xsd:string', values: ['VMD 4 ACAP 2', 'VMD 4 ACAP'] },
      { name: 'VideoSource', type: 'tt:ReferenceToken', values: ['0'] },
    ]);
    expect(topics.filter((t) => t.kind === 'io').map((t) => t.topic)).toEqual(['Device/Trigger/DigitalInput', 'Device/IO/VirtualPort', 'Device/IO/VirtualInput']);
  });

  it('reads the single-topic replies (PIR sensor, storage alert, VMD 4 profile 1)', () => {
    expect(parseEventInstances(fixture('events/event-instances/GetEventInstances_instance_pir_sensor.xml'))).toEqual([
      {
        topic: 'Device/Sensor/PIR',
        niceName: 'PIR sensor',
        isProperty: true,
        source: [{ name: 'sensor', type: 'xsd:int', values: ['0'] }],
        data: [{ name: 'state', type: 'xsd:boolean', values: [] }],
        kind: 'motion',
      },
    ]);
    const storage = parseEventInstances(fixture('events/event-instances/GetEventInstances_instance_storage_alert.xml'));
    expect(storage.map((t) => [t.topic, t.kind, t.source[0]?.values])).toEqual([['Storage/Alert', undefined, ['SD_DISK', 'NetworkShare']]]);
    const vmd = parseEventInstances(fixture('events/event-instances/GetEventInstances_instance_vmd4_profile1.xml'));
    expect(vmd.map((t) => [t.topic, t.kind, t.niceName])).toEqual([['CameraApplicationPlatform/VMD/Camera1Profile1', 'motion', 'VMD 4: VMD 4 ACAP']]);
  });
});

describe('metadata parsing and mapping without fixtures', () => {
  const doc = (inner: string): string => `<?xml version="1.0"?><tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema">${inner}</tt:MetadataStream>`;
  const event = (topic: string, data: string, source = '', operation = ' PropertyOperation="Changed"'): string =>
    `<tt:Event><wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:Topic>${topic}</wsnt:Topic><wsnt:Message><tt:Message UtcTime="2024-01-02T03:04:05.123456Z"${operation}><tt:Source>${source}</tt:Source><tt:Data>${data}</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event>`;

  it('maps tampering as a pulse, signal loss, digital inputs and relays', () => {
    const map = (xml: string): DeviceEvent | undefined => toDeviceEvent(parseMetadataStream(doc(xml))[0]!, 7);
    expect(map(event('tns1:VideoSource/tnsaxis:Tampering', '<tt:SimpleItem Name="tampering" Value="1"/>', '<tt:SimpleItem Name="channel" Value="2"/>', ''))).toMatchObject({ kind: 'tamper', state: 'pulse', channel: 2 });
    expect(map(event('tns1:VideoSource/tnsaxis:Tampering', '<tt:SimpleItem Name="tampering" Value="0"/>', '', ''))).toBeUndefined();
    expect(map(event('tns1:VideoSource/SignalLoss', '<tt:SimpleItem Name="State" Value="true"/>'))).toMatchObject({ kind: 'videoLoss', state: 'start' });
    expect(map(event('tns1:Device/Trigger/DigitalInput', '<tt:SimpleItem Name="LogicalState" Value="true"/>', '<tt:SimpleItem Name="InputToken" Value="0"/>'))).toMatchObject({ kind: 'io', state: 'start', channel: 0 });
    expect(map(event('tns1:Device/Trigger/Relay', '<tt:SimpleItem Name="LogicalState" Value="active"/>', '<tt:SimpleItem Name="RelayToken" Value="3"/>'))).toMatchObject({ kind: 'io', state: 'start', channel: 3, data: { direction: 'output' } });
    expect(map(event('tns1:VideoSource/MotionAlarm', '<tt:SimpleItem Name="State" Value="maybe"/>'))).toBeUndefined();
    expect(map(event('tns1:VideoSource/MotionAlarm', '<tt:SimpleItem Name="State" Value="1"/>', '', ' PropertyOperation="Deleted"'))).toBeUndefined();
  });

  it('uses the receipt time when the device sends no usable UtcTime', () => {
    const xml = doc(event('tns1:VideoSource/MotionAlarm', '<tt:SimpleItem Name="State" Value="1"/>').replace('2024-01-02T03:04:05.123456Z', 'soon'));
    const [m] = parseMetadataStream(xml);
    expect(m?.utcTime).toBeUndefined();
    expect(toDeviceEvent(m!, 1234)?.at).toBe(1234);
  });

  it('keeps several notifications of one document in order', () => {
    const xml = doc(event('tns1:A/B', '<tt:SimpleItem Name="x" Value="1"/>') + event('tns1:C/D', '<tt:SimpleItem Name="y" Value="2"/>'));
    expect(parseMetadataStream(xml).map((m) => m.topic)).toEqual(['tns1:A/B', 'tns1:C/D']);
  });

  it('strips namespace prefixes per topic segment', () => {
    expect(plainTopic('tns1:Device/tnsaxis:IO/Port')).toBe('Device/IO/Port');
    expect(plainTopic('tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY')).toBe('CameraApplicationPlatform/VMD/Camera1ProfileANY');
  });

  it('rejects broken documents with ARGUS_ERR_DRIVER_PROTOCOL', () => {
    expect(protocolError(() => parseMetadataStream('<tt:MetadataStream><tt:Event>'))).toBe(true);
    expect(protocolError(() => parseMetadataStream(''))).toBe(true);
    expect(protocolError(() => parseMetadataStream('<root/>'))).toBe(true);
    expect(protocolError(() => parseMetadataStream(doc(event('', ''))))).toBe(true);
    expect(protocolError(() => parseEventInstances('<Envelope><Body/></Envelope>'))).toBe(true);
    expect(protocolError(() => parseEventInstances('not xml'))).toBe(true);
  });
});
