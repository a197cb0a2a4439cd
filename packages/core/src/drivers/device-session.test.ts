import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import type { PtzCapability } from './capabilities.js';
import { createDeviceSession } from './device-session.js';

const ptz: PtzCapability = {
  ptzFeatures: { absoluteMove: false, relativeMove: false, presets: true, maxPresets: 255, home: true },
  continuousMove: async () => undefined,
  stop: async () => undefined,
  getPresets: async () => [{ id: '1', name: 'gate' }],
  setPreset: async (_name, id) => id ?? '2',
  gotoPreset: async () => undefined,
  removePreset: async () => undefined,
  gotoHome: async () => undefined,
};

describe('createDeviceSession', () => {
  it('derives capabilities from the implementations provided, ignoring undefined entries', () => {
    const session = createDeviceSession({ ptz, snapshot: undefined });
    expect([...session.capabilities]).toEqual(['ptz']);
    expect(session.capability('ptz')).toBe(ptz);
    expect(session.capability('snapshot')).toBeUndefined();
  });

  it('require() returns a present capability and throws ARGUS_ERR_DRIVER_UNSUPPORTED for a missing one', async () => {
    const session = createDeviceSession({ ptz });
    expect(await session.require('ptz').getPresets()).toEqual([{ id: '1', name: 'gate' }]);
    let caught: unknown;
    try {
      session.require('edgeRecording');
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_UNSUPPORTED')).toBe(true);
    expect((caught as Error).message).toContain('"edgeRecording"');
  });

  it('is not changed by later mutation of the implementations object', () => {
    const impls: Parameters<typeof createDeviceSession>[0] = { ptz };
    const session = createDeviceSession(impls);
    impls.snapshot = { snapshot: async () => ({ contentType: 'image/jpeg', data: new Uint8Array() }) };
    expect(session.capabilities.has('snapshot')).toBe(false);
    expect(session.capability('snapshot')).toBeUndefined();
  });

  it('rejects an unknown capability name', () => {
    expect(() => createDeviceSession({ teleport: {} } as never)).toThrow(TypeError);
  });

  it('runs close once however often it is called', async () => {
    let closes = 0;
    const session = createDeviceSession({}, async () => {
      closes += 1;
    });
    await Promise.all([session.close(), session.close()]);
    await session.close();
    expect(closes).toBe(1);
    expect(session.capabilities.size).toBe(0);
  });
});
