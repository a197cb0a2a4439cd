import { describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { parseConfig, type ConfigIssue } from './parse-config.js';

function configError(input: unknown): ArgusError {
  try {
    parseConfig(input);
  } catch (err) {
    if (err instanceof ArgusError) return err;
    throw err;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('fills every default from an empty object', () => {
    const config = parseConfig({});
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8080, dataDir: './data' });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.defaults).toEqual({
      recording: { mode: 'off', stream: 'main', preBufferSeconds: 5, postBufferSeconds: 10, segmentMinutes: 1 },
      retention: { maxAgeDays: 30 },
      stream: {
        reconnectInitialDelayMs: 500,
        reconnectMaxDelayMs: 30_000,
        gopCacheMaxBytes: 8 * 1024 * 1024,
        liveMaxQueue: 100,
        recorderBufferPackets: 2000,
      },
      health: { offlineAfterSeconds: 10 },
      ptz: { idleReleaseSeconds: 30 },
      events: { subscribe: false, retryInitialDelayMs: 1_000, retryMaxDelayMs: 60_000 },
    });
    expect(config.groups).toEqual({});
    expect(config.cameras).toEqual({});
  });

  it('keeps given values, fills the rest, and does not default group or camera overrides', () => {
    const input = {
      server: { port: 9000 },
      defaults: { recording: { mode: 'event' } },
      groups: { g1: { settings: { retention: { maxAgeDays: 90 } } }, g2: {} },
      cameras: { 'cam-1': { groups: ['g1'] } },
    };
    const snapshot = structuredClone(input);
    const config = parseConfig(input);
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000, dataDir: './data' });
    expect(config.defaults.recording).toMatchObject({ mode: 'event', stream: 'main', preBufferSeconds: 5 });
    // Overrides stay sparse: a default filled here would hide the value inherited from a parent group.
    expect(config.groups).toEqual({ g1: { settings: { retention: { maxAgeDays: 90 } } }, g2: { settings: {} } });
    expect(config.cameras).toEqual({ 'cam-1': { groups: ['g1'] } });
    expect(input).toEqual(snapshot);
    expect(Object.isFrozen(config.defaults.recording)).toBe(true);
  });

  it.each([
    ['a port out of range', { server: { port: 70000 } }, '/server/port', /65535/],
    ['a non-integer port', { server: { port: '80' } }, '/server/port', /integer/],
    ['an unknown top-level key', { serverr: {} }, '/serverr', /Unexpected property/],
    ['an unknown log level', { log: { level: 'verbose' } }, '/log/level', /one of "fatal".*"silent"/],
    ['a bad recording mode', { defaults: { recording: { mode: 'always' } } }, '/defaults/recording/mode', /one of/],
    [
      'a buffer out of range',
      { defaults: { recording: { preBufferSeconds: 61 } } },
      '/defaults/recording/preBufferSeconds',
      /60/,
    ],
    [
      'a bad schedule time',
      { defaults: { recording: { schedule: [{ days: [1], from: '8:00', to: '18:00' }] } } },
      '/defaults/recording/schedule/0/from',
      /Expected a time of day HH:MM/,
    ],
    [
      'a bad schedule day',
      { defaults: { recording: { schedule: [{ days: [7], from: '08:00', to: '18:00' }] } } },
      '/defaults/recording/schedule/0/days/0',
      /6/,
    ],
    [
      'an unknown key in a group override',
      { groups: { g1: { settings: { recording: { modes: 'event' } } } } },
      '/groups/g1/settings/recording/modes',
      /Unexpected property/,
    ],
    [
      'a wrong type in a camera override',
      { cameras: { 'cam-1': { settings: { retention: { maxAgeDays: 'forever' } } } } },
      '/cameras/cam-1/settings/retention/maxAgeDays',
      /integer/,
    ],
    ['a non-object configuration', 'port=80', '/', /object/],
  ])('rejects %s with the path of the failing value', (_name, input, path, reason) => {
    const err = configError(input);
    expect(hasErrorCode(err, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
    expect(err.status).toBe(400);
    expect(err.details['path']).toBe(path);
    expect(String(err.details['reason'])).toMatch(reason);
    expect(err.message).toContain(path);
  });

  it('lists every failing value, the first one in details.path', () => {
    const err = configError({ server: { port: -1, host: '' }, log: { level: 'loud' } });
    const issues = err.details['errors'] as ConfigIssue[];
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['/server/port', '/server/host', '/log/level']),
    );
    expect(err.details['path']).toBe(issues[0]?.path);
  });

  it('rejects a cycle among group parents', () => {
    const err = configError({
      groups: { a: { parent: 'c' }, b: { parent: 'a' }, c: { parent: 'b' }, d: { parent: 'a' } },
    });
    expect(hasErrorCode(err, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
    expect(err.details['path']).toBe('/groups/a/parent');
    expect(err.details['reason']).toBe('Group parent cycle: a -> c -> b -> a');
  });

  it('rejects a group that is its own parent', () => {
    const err = configError({ groups: { a: { parent: 'a' } } });
    expect(hasErrorCode(err, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
  });

  it('rejects references to undefined groups', () => {
    const parent = configError({ groups: { a: { parent: 'nope' } } });
    expect(hasErrorCode(parent, 'ARGUS_ERR_CONFIG_UNKNOWN_GROUP')).toBe(true);
    expect(parent.details).toEqual({ group: 'nope', path: '/groups/a/parent' });

    const camera = configError({ groups: { a: {} }, cameras: { 'cam/1': { groups: ['a', 'constructor'] } } });
    expect(hasErrorCode(camera, 'ARGUS_ERR_CONFIG_UNKNOWN_GROUP')).toBe(true);
    expect(camera.details).toEqual({ group: 'constructor', path: '/cameras/cam~11/groups/1' });
  });
});
