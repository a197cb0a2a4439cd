import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { AXIS_FIXTURES, fixture, fixtureNames } from './axis-fixtures.test-helper.js';
import { paramFlag, paramGroup, paramNumber, paramValue, parseParamList } from './parse-param-list.js';

function protocolError(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    return hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL');
  }
  return false;
}

describe('parseParamList', () => {
  it('nests parameters, keeps values as sent and splits at the first "=" only', () => {
    const list = parseParamList('root.Brand.Brand=AXIS\r\nroot.PTZ.Preset.P0.Position.P1.Data=tilt=0.5:pan=-1\nroot.Brand.ProdVariant=\n\n');
    expect(list.tree).toEqual({ Brand: { Brand: 'AXIS', ProdVariant: '' }, PTZ: { Preset: { P0: { Position: { P1: { Data: 'tilt=0.5:pan=-1' } } } } } });
    expect(paramValue(list, 'PTZ.Preset.P0.Position.P1.Data')).toBe('tilt=0.5:pan=-1');
    expect(paramValue(list, 'root.Brand.ProdVariant')).toBe('');
    expect(paramGroup(list, 'root.Brand')).toEqual({ Brand: 'AXIS', ProdVariant: '' });
    expect(paramGroup(list, 'Brand.Brand')).toBeUndefined();
    expect(list.errors).toEqual([]);
  });

  it("collects the device's '# Error' lines for groups it does not have", () => {
    const list = parseParamList("root.Brand.Brand=AXIS\n# Error: Error -1 getting param in group 'PTZ'\n");
    expect(list.errors).toEqual(["Error: Error -1 getting param in group 'PTZ'"]);
    expect(paramGroup(list, 'PTZ')).toBeUndefined();
  });

  it('rejects what is not a parameter listing with ARGUS_ERR_DRIVER_PROTOCOL', () => {
    expect(protocolError(() => parseParamList('<html><body>401</body></html>'))).toBe(true);
    expect(protocolError(() => parseParamList('root.Brand.Brand=AXIS\nroot.Brand.Pro'))).toBe(true);
    expect(protocolError(() => parseParamList('Brand.Brand=AXIS'))).toBe(true);
    expect(protocolError(() => parseParamList('root.Brand.Brand=AX\u0000IS'))).toBe(true);
    expect(protocolError(() => parseParamList('root..Brand=AXIS'))).toBe(true);
  });

  it('reads flags and numbers the VAPIX way', () => {
    expect([paramFlag('yes'), paramFlag('true'), paramFlag('no'), paramFlag('false'), paramFlag('auto'), paramFlag(undefined)]).toEqual([true, true, false, false, undefined, undefined]);
    expect([paramNumber('-170'), paramNumber('9.5'), paramNumber(''), paramNumber('x')]).toEqual([-170, 9.5, undefined, undefined]);
  });
});

describe.skipIf(AXIS_FIXTURES === undefined)('parseParamList on the captured param.cgi replies', () => {
  it('parses every captured listing, line for line', () => {
    const files = fixtureNames('param-cgi');
    expect(files).toHaveLength(16);
    for (const file of files) {
      const text = fixture(`param-cgi/${file}`);
      const list = parseParamList(text);
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      expect(list.values.size, file).toBe(lines.length);
      expect(list.errors, file).toEqual([]);
    }
  });

  it('reads the full listing of an M1065-LW (root)', () => {
    const list = parseParamList(fixture('param-cgi/param_root_full_listing.txt'));
    expect(paramValue(list, 'Brand.ProdNbr')).toBe('M1065-LW');
    expect(paramValue(list, 'Network.RTSP.Port')).toBe('554');
    expect(paramValue(list, 'Network.eth0.MACAddress')).toBe('AC:CC:12:34:56:78');
    expect(paramValue(list, 'Properties.Firmware.Version')).toBe('9.10.1');
    expect(paramValue(list, 'Image.I0.Appearance.Resolution')).toBe('1920x1080');
    expect(paramGroup(list, 'StreamProfile')).toEqual({
      MaxGroups: '26',
      S0: { Description: 'profile_1_description', Name: 'profile_1', Parameters: 'videocodec=h264' },
      S1: { Description: 'profile_2_description', Name: 'profile_2', Parameters: 'videocodec=h265' },
    });
  });
});
