import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import { configFromEnv } from './config-from-env.js';
import { mergeConfig } from './merge-config.js';
import { parseConfig } from './parse-config.js';

describe('configFromEnv', () => {
  it('maps the ARGUS_* variables to a configuration patch', () => {
    expect(
      configFromEnv({
        ARGUS_PORT: '9000',
        ARGUS_HOST: '127.0.0.1',
        ARGUS_DATA_DIR: '/var/lib/argus',
        ARGUS_LOG_LEVEL: 'DEBUG',
        PATH: '/usr/bin',
      }),
    ).toEqual({ server: { port: 9000, host: '127.0.0.1', dataDir: '/var/lib/argus' }, log: { level: 'debug' } });
  });

  it('leaves out unset and empty variables', () => {
    expect(configFromEnv({})).toEqual({});
    expect(configFromEnv({ ARGUS_PORT: '', ARGUS_HOST: undefined, ARGUS_LOG_LEVEL: 'warn' })).toEqual({
      log: { level: 'warn' },
    });
  });

  it.each(['http', '80a', '8080.5', '-1'])('rejects ARGUS_PORT=%s as a config error', (port) => {
    let caught: unknown;
    try {
      configFromEnv({ ARGUS_PORT: port });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
    expect((caught as { details: Record<string, unknown> }).details['path']).toBe('/server/port');
  });

  it('leaves range checks to parseConfig', () => {
    expect(() => parseConfig(configFromEnv({ ARGUS_PORT: '99999' }))).toThrow(/\/server\/port/);
    expect(() => parseConfig(configFromEnv({ ARGUS_LOG_LEVEL: 'chatty' }))).toThrow(/\/log\/level/);
  });
});

describe('mergeConfig', () => {
  it('layers defaults <- file <- env, deeply, without mutating its inputs', () => {
    const file = {
      server: { port: 8081, host: 'localhost' },
      defaults: { recording: { schedule: [{ days: [1], from: '08:00', to: '12:00' }] } },
    };
    const overlay = { defaults: { recording: { schedule: [{ days: [2], from: '09:00', to: '10:00' }] } } };
    const snapshot = structuredClone(file);
    const config = parseConfig(mergeConfig(file, overlay, configFromEnv({ ARGUS_PORT: '9000' })));
    expect(config.server).toEqual({ port: 9000, host: 'localhost', dataDir: './data' });
    expect(config.defaults.recording.schedule).toEqual([{ days: [2], from: '09:00', to: '10:00' }]);
    expect(file).toEqual(snapshot);
  });

  it('removes a key set to null and treats __proto__ as a plain key', () => {
    const hostile: unknown = JSON.parse('{"__proto__": {"polluted": true}}');
    const merged = mergeConfig({ a: { b: 1, c: 2 } }, { a: { b: null } }, hostile);
    expect(merged).toEqual({ a: { c: 2 }, ['__proto__']: { polluted: true } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
