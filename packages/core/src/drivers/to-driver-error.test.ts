import { describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode, isTransient } from '../errors/argus-error.js';
import { formatEndpoint, toDriverError } from './to-driver-error.js';

const endpoint = { host: '127.0.0.1', port: 80, username: 'admin', password: 'secret-pw' };

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:80`), { code, errno: -1, syscall: 'connect' });
}

describe('toDriverError', () => {
  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOTFOUND'])('maps %s to UNREACHABLE', (code) => {
    const cause = systemError(code);
    const err = toDriverError(cause, endpoint);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
    expect(err.message).toBe(`The device at 127.0.0.1:80 is unreachable: ${code}`);
    expect(err.cause).toBe(cause);
    expect(isTransient(err)).toBe(true);
  });

  it('maps ETIMEDOUT and AbortSignal.timeout() to TIMEOUT, recording the limit when known', () => {
    const err = toDriverError(systemError('ETIMEDOUT'), endpoint, { timeoutMs: 3_000 });
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    expect((err as ArgusError).details).toEqual({ endpoint: '127.0.0.1:80', reason: 'ETIMEDOUT', timeoutMs: 3_000 });
    const domTimeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(hasErrorCode(toDriverError(domTimeout, endpoint), 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
  });

  it('finds the code in a fetch cause chain and in an AggregateError (happy eyeballs)', () => {
    const fetchFailure = new TypeError('fetch failed', { cause: systemError('EHOSTUNREACH') });
    expect(hasErrorCode(toDriverError(fetchFailure, endpoint), 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
    const undiciTimeout = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }) });
    expect(hasErrorCode(toDriverError(undiciTimeout, endpoint), 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    const aggregate = new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], 'all failed');
    expect(hasErrorCode(toDriverError(aggregate, endpoint), 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
  });

  it('returns coded and unrecognised errors unchanged, and wraps non-errors', () => {
    const auth = new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'x' });
    expect(toDriverError(auth, endpoint)).toBe(auth);
    const plain = new Error('parse failure');
    expect(toDriverError(plain, endpoint)).toBe(plain);
    const wrapped = toDriverError('weird', endpoint);
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('weird');
  });

  it('never puts credentials in the message', () => {
    const err = toDriverError(systemError('ECONNREFUSED'), endpoint);
    expect(JSON.stringify((err as ArgusError).toJSON())).not.toContain('secret-pw');
  });
});

describe('formatEndpoint', () => {
  it('writes scheme, host, port and path, bracketing IPv6 hosts', () => {
    expect(formatEndpoint({ host: 'cam.local' })).toBe('cam.local');
    expect(formatEndpoint({ host: '::1', port: 554, scheme: 'rtsp', path: '/live' })).toBe('rtsp://[::1]:554/live');
  });
});
