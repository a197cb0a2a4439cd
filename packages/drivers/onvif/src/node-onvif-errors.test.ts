import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { HTTP_UNAUTHORIZED, mapNodeOnvifError } from './index.js';

const ctx = { endpoint: 'http://127.0.0.1:80', path: '/onvif/device_service', operation: 'GetProfiles', elapsedMs: 10, idleTimeoutMs: 3000 };

function code(message: string, elapsedMs = 10): string | symbol {
  const mapped = mapNodeOnvifError(new Error(message), { ...ctx, elapsedMs });
  if (mapped === HTTP_UNAUTHORIZED) return mapped;
  return hasErrorCode(mapped) ? mapped.code : `untyped: ${mapped.message}`;
}

describe('mapNodeOnvifError: node-onvif 0.1.7 rejections to typed errors', () => {
  it('maps what node-onvif writes for network failures', () => {
    expect(code('Network Error: connect ECONNREFUSED 127.0.0.1:9')).toBe('ARGUS_ERR_DRIVER_UNREACHABLE');
    expect(code('Network Error: getaddrinfo ENOTFOUND camera.invalid')).toBe('ARGUS_ERR_DRIVER_UNREACHABLE');
    expect(code('Network Error: socket hang up', 50)).toBe('ARGUS_ERR_DRIVER_UNREACHABLE');
    expect(code('Network Error: socket hang up', 3000)).toBe('ARGUS_ERR_DRIVER_TIMEOUT');
    expect(code('Network Error: Parse Error: Expected HTTP/')).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
  });

  it('maps non-200 replies: 401 asks for HTTP auth, auth faults, other faults', () => {
    expect(code('401 Unauthorized')).toBe(HTTP_UNAUTHORIZED);
    expect(code('400 Bad Request - Sender not Authorized')).toBe('ARGUS_ERR_DRIVER_AUTH');
    expect(code('400 Error - The security token could not be authenticated or authorized')).toBe('ARGUS_ERR_DRIVER_AUTH');
    expect(code('403 Forbidden')).toBe('ARGUS_ERR_DRIVER_AUTH');
    expect(code('400 Bad Request - No such profile')).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
    expect(code('500 Internal Server Error')).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
  });

  it('maps broken 200 replies and faults node-onvif reduced to their reason', () => {
    expect(code('Unclosed root tag\nLine: 3\nColumn: 12\nChar: ')).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code('Non-whitespace before first tag.\nLine: 0\nColumn: 1\nChar: g')).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code('The device seems to not support the GetProfiles() method.')).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code("Cannot read properties of null (reading 'Body')")).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code('Sender not Authorized')).toBe('ARGUS_ERR_DRIVER_AUTH');
    expect(code('[object Object]')).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
    expect(hasErrorCode(mapNodeOnvifError('a string rejection', ctx), 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });
});
