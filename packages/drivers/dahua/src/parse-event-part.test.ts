import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { MultipartParser } from '@argus/driver-kit';
import { fixturesOrSkip, readFixture, readFixtureBytes } from './fixtures.test-helper.js';
import { isHeartbeat, parseEventPart, toDeviceEvent } from './parse-event-part.js';

const dir = fixturesOrSkip();
const RECEIVED = Date.parse('2026-03-01T10:00:00Z');

function parts(bytes: Uint8Array, chunk = bytes.length): Uint8Array[] {
  const parser = new MultipartParser({ boundary: 'myboundary', keepHeartbeats: true });
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...parser.push(bytes.subarray(i, i + chunk)).map((p) => p.body));
  out.push(...parser.end().map((p) => p.body));
  return out;
}

function protocolError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected ARGUS_ERR_DRIVER_PROTOCOL');
}

describe.skipIf(dir === undefined)('eventManager captures', () => {
  const fixtures = dir ?? '';

  it('parses the byte-exact TimeChange/NTPAdjustTime stream into two pulse events, whatever the chunking', () => {
    const bytes = readFixtureBytes(fixtures, 'multipart-stream-rs/eventManager_attach_TimeChange_NTPAdjustTime.bin');
    for (const chunk of [bytes.length, 64, 7, 1]) {
      const bodies = parts(bytes, chunk);
      expect(bodies, `chunk ${chunk}`).toHaveLength(2);
      const events = bodies.flatMap((body) => parseEventPart(body));
      expect(events).toEqual([
        { code: 'TimeChange', action: 'Pulse', index: 0, data: { BeforeModifyTime: '2019-02-20 13:49:58', ModifiedTime: '2019-02-20 13:49:58' }, fields: {} },
        { code: 'NTPAdjustTime', action: 'Pulse', index: 0, data: { Address: '192.168.5.254', Before: '2019-02-20 13:49:57', result: true }, fields: {} },
      ]);
      const shared = events.map((e) => toDeviceEvent(e, RECEIVED));
      expect(shared.map((e) => [e.kind, e.state, e.channel, e.at])).toEqual([
        ['TimeChange', 'pulse', 1, RECEIVED],
        ['NTPAdjustTime', 'pulse', 1, RECEIVED],
      ]);
      expect(shared[1]?.data).toMatchObject({ code: 'NTPAdjustTime', payload: { result: true } });
    }
  });

  it('treats the byte-exact heartbeat part as a heartbeat with no event', () => {
    const bodies = parts(readFixtureBytes(fixtures, 'multipart-stream-rs/eventManager_attach_Heartbeat.bin'));
    expect(bodies.map((b) => Buffer.from(b).toString())).toEqual(['Heartbeat']);
    expect(isHeartbeat(bodies[0] ?? new Uint8Array())).toBe(true);
    expect(parseEventPart(bodies[0] ?? new Uint8Array())).toEqual([]);
  });

  it('maps the captured VideoMotion part to a motion start on channel 1', () => {
    const [event] = parseEventPart(readFixture(fixtures, 'rroller-dahua/eventManager_attach_part_VideoMotion_Start.txt'));
    expect(event).toEqual({ code: 'VideoMotion', action: 'Start', index: 0, data: { Id: [0], RegionName: ['Region1'] }, fields: {} });
    expect(toDeviceEvent(event!, RECEIVED)).toEqual({
      kind: 'motion',
      state: 'start',
      channel: 1,
      at: RECEIVED,
      data: { code: 'VideoMotion', action: 'Start', index: 0, payload: { Id: [0], RegionName: ['Region1'] } },
    });
  });

  it('maps the captured IVS events (CrossLineDetection, CrossRegionDetection) with the device time and rule', () => {
    const crossLine = JSON.parse(readFixture(fixtures, 'rroller-dahua/eventManager_attach_parsed_CrossLineDetection.json')) as { data: Record<string, unknown> };
    const [line] = parseEventPart(`Code=CrossLineDetection;action=Start;index=0;data=${JSON.stringify(crossLine.data, null, 3)}\n`);
    expect(line?.data).toEqual(crossLine.data);
    expect(toDeviceEvent(line!, RECEIVED)).toMatchObject({
      kind: 'lineCrossing',
      state: 'start',
      channel: 1,
      at: 1620477656 * 1000 + 180,
      data: { rule: 'Rule1', objectType: 'Unknown' },
    });

    const regionText = readFixture(fixtures, 'scrypted-amcrest/eventManager_CrossRegionDetection_data.json');
    const [region] = parseEventPart(`Code=CrossRegionDetection;action=Start;index=1;data=${regionText}`);
    expect(region?.data).toEqual(JSON.parse(regionText));
    expect(toDeviceEvent(region!, RECEIVED)).toMatchObject({
      kind: 'intrusion',
      state: 'start',
      channel: 2,
      at: 1711446999 * 1000 + 701,
      data: { code: 'CrossRegionDetection', rule: 'Rule1', objectType: 'Human' },
    });
  });
});

describe('parseEventPart', () => {
  it('keeps ";" and "=" inside the data JSON', () => {
    const body = 'Code=CrossLineDetection;action=Pulse;index=0;data={\n   "Name" : "gate;lane=2",\n   "Note" : "a=b;c=d",\n   "Expr" : "x;data={y}"\n}\n';
    const [event] = parseEventPart(body);
    expect(event).toEqual({
      code: 'CrossLineDetection',
      action: 'Pulse',
      index: 0,
      data: { Name: 'gate;lane=2', Note: 'a=b;c=d', Expr: 'x;data={y}' },
      fields: {},
    });
    expect(toDeviceEvent(event!, RECEIVED).data).toMatchObject({ rule: 'gate;lane=2' });
  });

  it('reads parts without data, with extra fields, and several events in one part', () => {
    expect(parseEventPart('Code=VideoLoss;action=Stop;index=3\r\n')).toEqual([{ code: 'VideoLoss', action: 'Stop', index: 3, fields: {} }]);
    expect(parseEventPart('Code=AlarmLocal;action=Start;index=1;source=gpio')).toEqual([
      { code: 'AlarmLocal', action: 'Start', index: 1, fields: { source: 'gpio' } },
    ]);
    const batch = parseEventPart('Code=VideoMotion;action=Start;index=0\r\nCode=VideoBlind;action=Start;index=0;data={\n   "Id" : 1\n}\nCode=VideoMotion;action=Stop;index=1\r\n');
    expect(batch.map((e) => [e.code, e.action, e.index])).toEqual([
      ['VideoMotion', 'Start', 0],
      ['VideoBlind', 'Start', 0],
      ['VideoMotion', 'Stop', 1],
    ]);
    expect(batch.map((e) => toDeviceEvent(e, RECEIVED)).map((e) => [e.kind, e.state, e.channel])).toEqual([
      ['motion', 'start', 1],
      ['tamper', 'start', 1],
      ['motion', 'stop', 2],
    ]);
  });

  it('maps alarm inputs to io and unknown actions to pulse', () => {
    const [io] = parseEventPart('Code=AlarmLocal;action=Start;index=2');
    expect(toDeviceEvent(io!, RECEIVED)).toMatchObject({ kind: 'io', state: 'start', channel: 3 });
    const [state] = parseEventPart('Code=VideoMotionInfo;action=State;index=0');
    expect(toDeviceEvent(state!, RECEIVED)).toMatchObject({ kind: 'VideoMotionInfo', state: 'pulse' });
  });

  it('uses the receipt time when the payload has no usable UTC', () => {
    const [event] = parseEventPart('Code=VideoMotion;action=Start;index=0;data={ "UTC" : "soon" }');
    expect(toDeviceEvent(event!, RECEIVED).at).toBe(RECEIVED);
  });

  it('fails with a typed protocol error on malformed parts', () => {
    expect(protocolError(() => parseEventPart('Garbage without structure'))).toMatch(/Code=/);
    expect(protocolError(() => parseEventPart('Code=VideoMotion;action=Start;index=zero'))).toMatch(/bad index/);
    expect(protocolError(() => parseEventPart('Code=VideoMotion;action;index=0'))).toMatch(/not key=value/);
    expect(protocolError(() => parseEventPart('Code=;action=Start'))).toMatch(/no Code/);
    expect(protocolError(() => parseEventPart('Code=VideoMotion;action=Start;index=0;data={\n   "Id" : [ 0 ]'))).toMatch(/malformed data JSON/);
    expect(protocolError(() => parseEventPart(new Uint8Array([0x43, 0x6f, 0x64, 0x65, 0x3d, 0xff, 0x3b, 0x64, 0x61, 0x74, 0x61, 0x3d, 0x7b])))).toMatch(/JSON/);
  });
});
