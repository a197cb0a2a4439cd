import { describe, expect, it } from 'vitest';
import { ALERT_STREAM_QUIRKS, alertStreamQuirk, alertTypeRule, type AlertStreamQuirk } from './alert-quirks.js';
import { AlertTracker } from './alert-tracker.js';
import type { IsapiEventAlert } from './parse-event-alert.js';

const T0 = Date.parse('2025-03-05T10:47:40Z');
const QUIRK: AlertStreamQuirk = { ...ALERT_STREAM_QUIRKS[0]!, heldQuietMs: 1000 };

function alert(eventType: string, eventState: 'active' | 'inactive', channel = 1, extra: Partial<IsapiEventAlert> = {}): IsapiEventAlert {
  return { eventType, eventState, channel, ...extra };
}

describe('AlertTracker', () => {
  it('emits motion start once, swallows the repeats, and derives the stop after the quiet period', () => {
    const tracker = new AlertTracker(QUIRK);
    expect(tracker.process({ alert: alert('VMD', 'active', 1, { time: T0 }), receivedAt: T0 })).toEqual([
      { kind: 'motion', state: 'start', channel: 1, at: T0, data: { eventType: 'VMD', eventState: 'active' } },
    ]);
    expect(tracker.process({ alert: alert('VMD', 'active', 1, { time: T0 + 900 }), receivedAt: T0 + 900 })).toEqual([]);
    expect(tracker.process({ alert: alert('VMD', 'active', 1, { time: T0 + 1800 }), receivedAt: T0 + 1800 })).toEqual([]);
    expect(tracker.nextDeadline()).toBe(T0 + 2800);
    expect(tracker.expire(T0 + 2799)).toEqual([]);
    const [stop, ...rest] = tracker.expire(T0 + 2800);
    expect(rest).toEqual([]);
    expect(stop).toEqual({
      kind: 'motion',
      state: 'stop',
      channel: 1,
      at: T0 + 1800,
      data: { eventType: 'VMD', eventState: 'inactive', derived: true, quietMs: 1000 },
    });
    expect(tracker.nextDeadline()).toBeUndefined();
    expect(tracker.toJSON()).toEqual({ alerts: 3, heartbeats: 0, repeats: 2, orphanStops: 0, derivedStops: 1, emitted: 2, active: 0 });
  });

  it('tracks channels separately and lets a device-sent inactive end a held event early', () => {
    const tracker = new AlertTracker(QUIRK);
    tracker.process({ alert: alert('VMD', 'active', 1), receivedAt: T0 });
    const second = tracker.process({ alert: alert('VMD', 'active', 2), receivedAt: T0 + 10 });
    expect(second.map((e) => [e.kind, e.state, e.channel])).toEqual([['motion', 'start', 2]]);
    const ended = tracker.process({ alert: alert('VMD', 'inactive', 2), receivedAt: T0 + 20 });
    expect(ended.map((e) => [e.kind, e.state, e.channel, e.data?.['derived']])).toEqual([['motion', 'stop', 2, undefined]]);
    expect(tracker.expire(T0 + 5000).map((e) => [e.state, e.channel])).toEqual([['stop', 1]]);
  });

  it('emits derived stops that fell due before the next alert first', () => {
    const tracker = new AlertTracker(QUIRK);
    tracker.process({ alert: alert('VMD', 'active'), receivedAt: T0 });
    const out = tracker.process({ alert: alert('VMD', 'active'), receivedAt: T0 + 3000 });
    expect(out.map((e) => e.state)).toEqual(['stop', 'start']);
  });

  it('treats videoloss inactive without a loss as a heartbeat, and a real loss as start/stop', () => {
    const tracker = new AlertTracker(QUIRK);
    expect(tracker.process({ alert: alert('videoloss', 'inactive'), receivedAt: T0 })).toEqual([]);
    expect(tracker.process({ alert: alert('videoloss', 'inactive'), receivedAt: T0 + 10 })).toEqual([]);
    expect(tracker.process({ alert: alert('videoloss', 'active'), receivedAt: T0 + 20 }).map((e) => [e.kind, e.state])).toEqual([['videoLoss', 'start']]);
    expect(tracker.process({ alert: alert('videoloss', 'active'), receivedAt: T0 + 30 })).toEqual([]);
    // A state event is never ended by silence: video loss lasts until the device says so.
    expect(tracker.expire(T0 + 60_000)).toEqual([]);
    expect(tracker.nextDeadline()).toBeUndefined();
    expect(tracker.process({ alert: alert('videoloss', 'inactive'), receivedAt: T0 + 70_000 }).map((e) => [e.kind, e.state])).toEqual([['videoLoss', 'stop']]);
    expect(tracker.toJSON()).toMatchObject({ heartbeats: 2, repeats: 1, emitted: 2, active: 0 });
  });

  it('passes pulses through (line crossing, ANPR) and counts stray inactives', () => {
    const tracker = new AlertTracker(QUIRK);
    const line = tracker.process({ alert: alert('linedetection', 'active', 1, { regions: ['1'] }), receivedAt: T0 });
    expect(line).toEqual([{ kind: 'lineCrossing', state: 'pulse', channel: 1, at: T0, data: { eventType: 'linedetection', eventState: 'active', regions: ['1'] } }]);
    const plate = tracker.process({ alert: alert('ANPR', 'active', 1, { anpr: { licensePlate: 'AB123CD' } }), receivedAt: T0 + 1 });
    expect(plate[0]).toMatchObject({ kind: 'anpr', state: 'pulse', data: { plate: 'AB123CD' } });
    expect(tracker.process({ alert: alert('tamperdetection', 'inactive'), receivedAt: T0 + 2 })).toEqual([]);
    expect(tracker.toJSON()).toMatchObject({ orphanStops: 1, emitted: 2 });
  });

  it('uses the I/O port as the channel of I/O alarms', () => {
    const tracker = new AlertTracker(QUIRK);
    const out = tracker.process({ alert: { eventType: 'IO', eventState: 'active', ioPort: 2 }, receivedAt: T0 });
    expect(out.map((e) => [e.kind, e.state, e.channel])).toEqual([['io', 'start', 2]]);
  });
});

describe('alert quirk table', () => {
  it('maps event types case-insensitively; unknown types are pulses of their own kind', () => {
    expect(alertTypeRule('VMD')).toEqual({ kind: 'motion', mode: 'held' });
    expect(alertTypeRule('fielddetection')).toEqual({ kind: 'intrusion', mode: 'held' });
    expect(alertTypeRule('videoloss').mode).toBe('state');
    expect(alertTypeRule('PIR')).toEqual({ kind: 'motion', mode: 'held', data: { sensor: 'pir' } });
    expect(alertTypeRule('faceSnap')).toEqual({ kind: 'faceSnap', mode: 'pulse' });
  });

  it('picks the first matching row, extra rows first, the default last', () => {
    const extra: AlertStreamQuirk = { name: 'slow-nvr', match: { deviceType: /^NVR$/ }, heldQuietMs: 8000, heartbeat: { eventType: 'videoloss', eventState: 'inactive' } };
    expect(alertStreamQuirk({ model: 'DS-2CD2346G2-ISU', deviceType: 'IPCamera' }, [extra]).name).toBe('isapi-default');
    expect(alertStreamQuirk({ model: 'DS-7608NXI-I2', deviceType: 'NVR' }, [extra]).heldQuietMs).toBe(8000);
    expect(alertStreamQuirk({}).heldQuietMs).toBe(5000);
  });
});
