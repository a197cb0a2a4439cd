import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import type { ArgusConfig } from './argus-config-schema.js';
import { parseConfig } from './parse-config.js';
import { cameraGroupChain, resolveCameraSettings } from './resolve-camera-settings.js';

const weekdays = { days: [1, 2, 3, 4, 5], from: '07:00', to: '19:00' };
const weekend = { days: [0, 6], from: '00:00', to: '24:00' };

const config = parseConfig({
  defaults: { recording: { schedule: [weekdays, weekend] }, retention: { maxAgeDays: 30 } },
  groups: {
    district: {
      settings: { recording: { mode: 'schedule', preBufferSeconds: 8 }, retention: { maxAgeDays: 60, maxSizeGb: 500 } },
    },
    ward: {
      parent: 'district',
      settings: { recording: { schedule: [weekend], preBufferSeconds: 3 }, health: { offlineAfterSeconds: 20 } },
    },
    traffic: { settings: { recording: { stream: 'sub' }, retention: { maxAgeDays: 14 } } },
  },
  cameras: {
    'cam-1': { groups: ['ward'], settings: { recording: { postBufferSeconds: 30 }, retention: { maxAgeDays: 90 } } },
    'cam-2': { groups: ['ward', 'traffic'] },
    'cam-3': { groups: ['ward', 'district'] },
  },
});

describe('resolveCameraSettings', () => {
  it('applies defaults -> parent group -> child group -> camera, replacing arrays', () => {
    const settings = resolveCameraSettings(config, 'cam-1');
    expect(settings.recording).toEqual({
      mode: 'schedule', // parent group
      stream: 'main', // defaults
      preBufferSeconds: 3, // child group over parent
      postBufferSeconds: 30, // camera
      segmentMinutes: 1,
      schedule: [weekend], // child group's array replaces the defaults', not appended
    });
    expect(settings.retention).toEqual({ maxAgeDays: 90, maxSizeGb: 500 });
    expect(settings.health).toEqual({ offlineAfterSeconds: 20 });
    expect(settings.stream.liveMaxQueue).toBe(100);
  });

  it('applies several groups in list order, later ones winning', () => {
    const settings = resolveCameraSettings(config, 'cam-2');
    expect(settings.recording.stream).toBe('sub');
    expect(settings.retention.maxAgeDays).toBe(14);
    expect(settings.recording.preBufferSeconds).toBe(3);
  });

  it('does not let an ancestor listed after its child undo the child', () => {
    expect(cameraGroupChain(config, 'cam-3')).toEqual(['district', 'ward']);
    expect(resolveCameraSettings(config, 'cam-3').recording.preBufferSeconds).toBe(3);
  });

  it('gives a camera without an entry the defaults, plus extra groups after its own', () => {
    expect(resolveCameraSettings(config, 'cam-unknown')).toEqual(config.defaults);
    expect(resolveCameraSettings(config, 'cam-unknown', ['traffic']).recording.stream).toBe('sub');
    expect(cameraGroupChain(config, 'cam-1', ['traffic'])).toEqual(['district', 'ward', 'traffic']);
  });

  it('returns a fresh, mutable object that does not alias the configuration', () => {
    const settings = resolveCameraSettings(config, 'cam-unknown');
    settings.recording.mode = 'continuous';
    settings.recording.schedule?.pop();
    expect(config.defaults.recording.mode).toBe('off');
    expect(config.defaults.recording.schedule).toHaveLength(2);
  });

  it('throws ARGUS_ERR_CONFIG_UNKNOWN_GROUP for an undefined group', () => {
    const attempt = () => resolveCameraSettings(config, 'cam-1', ['nowhere']);
    expect(attempt).toThrow('Camera group "nowhere" is not defined');
    try {
      attempt();
    } catch (err) {
      expect(hasErrorCode(err, 'ARGUS_ERR_CONFIG_UNKNOWN_GROUP')).toBe(true);
    }
    expect(() => resolveCameraSettings(config, 'cam-1', ['toString'])).toThrow(/"toString" is not defined/);
  });

  it('detects a parent cycle in a configuration that skipped parseConfig', () => {
    const handmade = {
      ...config,
      groups: { a: { parent: 'b', settings: {} }, b: { parent: 'a', settings: {} } },
    } as ArgusConfig;
    let caught: unknown;
    try {
      resolveCameraSettings(handmade, 'cam-x', ['a']);
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
  });
});
