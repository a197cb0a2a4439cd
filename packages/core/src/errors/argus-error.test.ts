import { describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode, isTransient } from './argus-error.js';
import { ERROR_CODES } from './registry.js';

describe('ArgusError', () => {
  it('fills the message template from details and takes the status from the registry', () => {
    const err = new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id: 'cam-7' });
    expect(err.message).toBe('Camera "cam-7" does not exist');
    expect(err.status).toBe(404);
    expect(err.code).toBe('ARGUS_ERR_DEVICE_NOT_FOUND');
    expect(err.toJSON()).toEqual({ code: 'ARGUS_ERR_DEVICE_NOT_FOUND', message: err.message, details: { id: 'cam-7' } });
  });

  it('leaves unknown placeholders visible rather than printing undefined', () => {
    const err = new ArgusError('ARGUS_ERR_DRIVER_AUTH');
    expect(err.message).toContain('{endpoint}');
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    const err = new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: '127.0.0.1:554', reason: 'reset' }, { cause });
    expect(err.cause).toBe(cause);
  });

  it('rejects a code that is not in the registry as misuse', () => {
    expect(() => new ArgusError('ARGUS_ERR_NOPE' as never)).toThrow(TypeError);
  });
});

describe('hasErrorCode', () => {
  it('recognises errors by code, including plain objects from another copy or process', () => {
    const foreign = { code: 'ARGUS_ERR_DRIVER_AUTH', message: 'x' };
    expect(hasErrorCode(foreign, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(hasErrorCode(foreign, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(false);
    expect(hasErrorCode(foreign)).toBe(true);
    expect(hasErrorCode({ code: 'ENOENT' })).toBe(false);
    expect(hasErrorCode(null)).toBe(false);
    expect(hasErrorCode('ARGUS_ERR_DRIVER_AUTH')).toBe(false);
  });
});

describe('isTransient', () => {
  it('follows the registry flag for Argus codes', () => {
    expect(isTransient(new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE'))).toBe(true);
    expect(isTransient(new ArgusError('ARGUS_ERR_DRIVER_AUTH'))).toBe(false);
  });

  it('treats network system errors as transient and everything else as not', () => {
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});

describe('registry', () => {
  it('names every code ARGUS_ERR_<AREA>_<WHAT> with a valid HTTP status', () => {
    for (const [code, definition] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ARGUS_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
      expect(definition.status).toBeGreaterThanOrEqual(400);
      expect(definition.status).toBeLessThan(600);
      expect(definition.message.length).toBeGreaterThan(0);
    }
  });
});
