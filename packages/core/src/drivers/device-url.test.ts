import { describe, expect, it } from 'vitest';
import { deviceUrl, hostAuthority } from './device-url.js';

describe('hostAuthority', () => {
  it('brackets IPv6 literals once and leaves names and IPv4 alone', () => {
    expect(hostAuthority('fe80::1')).toBe('[fe80::1]');
    expect(hostAuthority('[fe80::1]')).toBe('[fe80::1]');
    expect(hostAuthority('10.0.0.9')).toBe('10.0.0.9');
    expect(hostAuthority('cam.local')).toBe('cam.local');
  });
});

describe('deviceUrl', () => {
  it('writes the scheme default port when none is given: http 80, https 443, rtsp 554', () => {
    expect(deviceUrl({ scheme: 'http', host: '10.0.0.9' })).toBe('http://10.0.0.9:80');
    expect(deviceUrl({ scheme: 'https', host: '10.0.0.9' })).toBe('https://10.0.0.9:443');
    expect(deviceUrl({ scheme: 'rtsp', host: '10.0.0.9' })).toBe('rtsp://10.0.0.9:554');
  });

  it('keeps a given port, even the default one', () => {
    expect(deviceUrl({ scheme: 'http', host: 'cam.local', port: 8080 })).toBe('http://cam.local:8080');
    expect(deviceUrl({ scheme: 'https', host: 'cam.local', port: 443 })).toBe('https://cam.local:443');
  });

  it('brackets IPv6 literals', () => {
    expect(deviceUrl({ scheme: 'rtsp', host: 'fe80::1', port: 8554, path: '/live' })).toBe('rtsp://[fe80::1]:8554/live');
    expect(deviceUrl({ scheme: 'http', host: '[::1]' })).toBe('http://[::1]:80');
  });

  it('adds a missing leading slash to the path, keeps the query, and gives the origin without a path', () => {
    expect(deviceUrl({ scheme: 'rtsp', host: 'h', path: 'Streaming/Channels/101' })).toBe('rtsp://h:554/Streaming/Channels/101');
    expect(deviceUrl({ scheme: 'rtsp', host: 'h', path: '/cam/realmonitor?channel=1&subtype=0' })).toBe('rtsp://h:554/cam/realmonitor?channel=1&subtype=0');
    expect(deviceUrl({ scheme: 'rtsp', host: 'h', path: '' })).toBe('rtsp://h:554/');
    expect(deviceUrl({ scheme: 'http', host: 'h', port: 81 })).toBe('http://h:81');
  });

  it('throws a RangeError for a scheme without a default port and no port given', () => {
    expect(() => deviceUrl({ scheme: 'onvif', host: 'h' })).toThrow(RangeError);
    expect(() => deviceUrl({ scheme: 'constructor', host: 'h' })).toThrow(RangeError);
    expect(deviceUrl({ scheme: 'onvif', host: 'h', port: 80 })).toBe('onvif://h:80');
  });
});
