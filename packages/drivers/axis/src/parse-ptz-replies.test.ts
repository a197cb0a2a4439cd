import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { parsePresetList, parsePtzPosition, throwIfVapixError } from './parse-ptz-replies.js';

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return hasErrorCode(err) ? err.code : 'untyped';
  }
  return undefined;
}

describe('ptz.cgi replies', () => {
  it('reads query=presetposall as documented (header line, any order, CRLF, unnamed presets)', () => {
    const text = 'Preset Positions for camera 1\r\npresetposno5=North\r\npresetposno4=West\r\npresetposno1=Home\r\npresetposno7=\r\n';
    expect(parsePresetList(text)).toEqual([
      { number: 1, name: 'Home' },
      { number: 4, name: 'West' },
      { number: 5, name: 'North' },
      { number: 7, name: '' },
    ]);
    expect(parsePresetList('')).toEqual([]);
    expect(parsePresetList('Preset Positions for camera 1\n')).toEqual([]);
  });

  it('reads query=position', () => {
    expect(parsePtzPosition('pan=12.5000\ntilt=-3\nzoom=1\nautofocus=on\n')).toEqual({ pan: 12.5, tilt: -3, zoom: 1, autofocus: 'on' });
  });

  it('turns VAPIX error texts into ARGUS_ERR_DRIVER_REQUEST_FAILED and junk into ARGUS_ERR_DRIVER_PROTOCOL', () => {
    expect(code(() => parsePresetList('Error: camera 2 does not exist\n'))).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
    expect(code(() => parsePresetList('<html><body><h1>Error</h1> preset</body></html>'))).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
    expect(code(() => parsePresetList('presetposno1=Home\n\u0000junk'))).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code(() => parsePtzPosition('pan'))).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    expect(code(() => throwIfVapixError('', 'cam', 'move'))).toBeUndefined();
    expect(code(() => throwIfVapixError('# Error: no such preset', 'cam', 'gotoserverpresetno'))).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
  });
});
