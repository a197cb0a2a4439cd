import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import type { ArgusEvent } from '../events/event-map.js';
import { EventBus } from '../events/event-bus.js';
import type { CameraSettings } from './camera-settings-schema.js';
import { ConfigStore } from './config-store.js';

const initial = {
  groups: { district: { settings: { retention: { maxAgeDays: 60 } } } },
  cameras: { 'cam-1': { groups: ['district'] } },
};

describe('ConfigStore', () => {
  it('validates the initial configuration and fills defaults', () => {
    const store = new ConfigStore({ initial });
    expect(store.current.server.port).toBe(8080);
    expect(() => new ConfigStore({ initial: { server: { port: -1 } } })).toThrow(/\/server\/port/);
  });

  it('applies a valid update and reports the changed sections on the bus', () => {
    const bus = new EventBus();
    const events: ArgusEvent<'configChanged'>[] = [];
    bus.subscribe('configChanged', (event) => events.push(event));
    const store = new ConfigStore({ initial, bus });
    const seen: number[] = [];
    store.config$.subscribe((config) => seen.push(config.server.port));

    const next = store.update({ server: { port: 9000 }, log: { level: 'debug' } });
    expect(next).toBe(store.current);
    expect(store.current.server).toEqual({ host: '0.0.0.0', port: 9000, dataDir: './data' });
    expect(seen).toEqual([8080, 9000]);
    expect(events.map((event) => event.payload)).toEqual([{ keys: ['server', 'log'] }]);
    expect(events[0]?.source).toBe('config');

    store.update({ server: { port: 9000 } });
    expect(seen).toEqual([8080, 9000]);
    expect(events).toHaveLength(1);
  });

  it('keeps the old configuration when an update is invalid', () => {
    const bus = new EventBus();
    let changes = 0;
    bus.subscribe('configChanged', () => (changes += 1));
    const store = new ConfigStore({ initial, bus });
    const before = store.current;
    let caught: unknown;
    try {
      store.update({ server: { port: -1 }, log: { level: 'debug' } });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
    expect(() => store.update({ cameras: { 'cam-1': { groups: ['missing'] } } })).toThrow(/"missing" is not defined/);
    expect(() => store.replace({ nonsense: true })).toThrow(/nonsense/);
    expect(store.current).toBe(before);
    expect(store.current.log.level).toBe('info');
    expect(changes).toBe(0);
  });

  it('removes entries with null and replaces the whole configuration with replace()', () => {
    const store = new ConfigStore({ initial });
    store.update({ cameras: { 'cam-1': null } });
    expect(store.current.cameras).toEqual({});
    store.replace({ server: { port: 7000 } });
    expect(store.current.server.port).toBe(7000);
    expect(store.current.groups).toEqual({});
  });

  it('emits a camera’s settings once per effective change, not for unrelated changes', () => {
    const store = new ConfigStore({ initial });
    const seen: CameraSettings[] = [];
    const sub = store.cameraSettings$('cam-1').subscribe((settings) => seen.push(settings));
    expect(seen.map((s) => s.retention.maxAgeDays)).toEqual([60]);

    store.update({ server: { port: 9001 } }); // unrelated section
    store.update({ groups: { other: { settings: { retention: { maxAgeDays: 5 } } } } }); // group it is not in
    store.update({ cameras: { 'cam-2': { settings: { ptz: { idleReleaseSeconds: 5 } } } } }); // another camera
    store.update({ defaults: { retention: { maxAgeDays: 45 } } }); // hidden by its group's override
    expect(seen).toHaveLength(1);

    store.update({ groups: { district: { settings: { recording: { mode: 'event' } } } } });
    store.update({ cameras: { 'cam-1': { settings: { recording: { mode: 'event' } } } } }); // same effective value
    expect(seen.map((s) => s.recording.mode)).toEqual(['off', 'event']);

    store.update({ groups: { district: { settings: { retention: null } } } }); // now inherits the new default
    expect(seen.map((s) => s.retention.maxAgeDays)).toEqual([60, 60, 45]);
    sub.unsubscribe();
  });

  it('completes its streams on complete()', () => {
    const store = new ConfigStore({ initial });
    let completed = false;
    store.cameraSettings$('cam-1').subscribe({ complete: () => (completed = true) });
    store.complete();
    expect(completed).toBe(true);
  });
});
