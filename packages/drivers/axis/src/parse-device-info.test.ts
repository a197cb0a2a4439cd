import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { AXIS_FIXTURES, fixture } from './axis-fixtures.test-helper.js';
import { normalizeMac, parseBasicDeviceInfo, parseParamDeviceInfo, toDeviceInfo, vapixJsonError } from './parse-device-info.js';
import { parseParamList } from './parse-param-list.js';

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return hasErrorCode(err) ? err.code : 'untyped';
  }
  return undefined;
}

describe.skipIf(AXIS_FIXTURES === undefined)('device info from the captures', () => {
  it('parses basicdeviceinfo getAllProperties of an M1065-LW', () => {
    const props = parseBasicDeviceInfo(JSON.parse(fixture('json-api/basicdeviceinfo_getAllProperties_response.json')));
    expect(props).toEqual({
      brand: 'AXIS',
      model: 'M1065-LW',
      fullName: 'AXIS M1065-LW Network Camera',
      shortName: 'AXIS M1065-LW',
      productType: 'Network Camera',
      firmware: '9.80.1',
      serial: 'ACCC12345678',
      hardwareId: '70E',
      architecture: 'armv7hf',
      soc: 'Ambarella S2L (Flattened Device Tree)',
      buildDate: 'Apr 29 2020 06:50',
    });
    expect(toDeviceInfo(props)).toEqual({ manufacturer: 'AXIS', model: 'M1065-LW', firmware: '9.80.1', serial: 'ACCC12345678', hardwareId: '70E', mac: 'ac:cc:12:34:56:78' });
  });

  it('parses the Brand group of both firmware generations', () => {
    const m1065 = parseParamDeviceInfo(parseParamList(fixture('param-cgi/param_brand_response.txt')));
    expect(m1065).toEqual({ brand: 'AXIS', model: 'M1065-LW', fullName: 'AXIS M1065-LW Network Camera', shortName: 'AXIS M1065-LW', productType: 'Network Camera' });
    const m3024 = parseParamDeviceInfo(parseParamList(fixture('param-cgi/param_brand_5_51_response.txt')));
    expect(m3024).toEqual({ brand: 'AXIS', model: 'M3024-L', fullName: 'AXIS M3024-L Network Camera', shortName: 'AXIS M3024-L', productType: 'Network Camera' });
  });

  it('reads firmware, serial and hardware id from the three Properties captures', () => {
    const cases: [string, Record<string, string>][] = [
      ['param_property_response.txt', { firmware: '9.10.1', serial: 'ACCC12345678', hardwareId: '70E', architecture: 'armv7hf', buildDate: 'Feb 15 2019 09:42' }],
      ['param_property_5_20_m7001_response.txt', { firmware: '5.20.5', serial: 'ACCC8E1A909D', hardwareId: '163', architecture: 'crisv32', buildDate: 'Jun 13 2017 14:38' }],
      ['param_property_1_84_1_a9188_response.txt', { firmware: '1.84.1', serial: 'ACCC8ED0A6EC', hardwareId: '72C.1', architecture: 'mips', buildDate: 'Mar 03 2020 11:41' }],
    ];
    for (const [file, expected] of cases) {
      const brand = 'root.Brand.Brand=AXIS\nroot.Brand.ProdNbr=X\n';
      const props = parseParamDeviceInfo(parseParamList(brand + fixture(`param-cgi/${file}`)));
      expect({ firmware: props.firmware, serial: props.serial, hardwareId: props.hardwareId, architecture: props.architecture, buildDate: props.buildDate }, file).toEqual(expected);
    }
  });

  it('takes the MAC address from Network.eth0.MACAddress of the full listing', () => {
    const list = parseParamList(fixture('param-cgi/param_root_full_listing.txt'));
    const info = toDeviceInfo(parseParamDeviceInfo(list), list.values.get('root.Network.eth0.MACAddress'));
    expect(info).toEqual({ manufacturer: 'AXIS', model: 'M1065-LW', firmware: '9.10.1', serial: 'ACCC12345678', hardwareId: '70E', mac: 'ac:cc:12:34:56:78' });
  });
});

describe('device info errors', () => {
  it('turns a JSON API error into ARGUS_ERR_DRIVER_REQUEST_FAILED with the code', () => {
    const reply = { apiVersion: '1.1', method: 'getAllProperties', error: { code: 2102, message: 'Method not supported' } };
    expect(vapixJsonError(reply)).toEqual({ code: 2102, message: 'Method not supported' });
    expect(errorCode(() => parseBasicDeviceInfo(reply))).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
  });

  it('rejects replies without a property list, Brand or ProdNbr with ARGUS_ERR_DRIVER_PROTOCOL', () => {
    for (const reply of [null, 'text', [], {}, { data: {} }, { data: { propertyList: { Brand: 'AXIS' } } }, { data: { propertyList: { ProdNbr: 7 } } }]) {
      expect(errorCode(() => parseBasicDeviceInfo(reply)), JSON.stringify(reply)).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    }
    expect(errorCode(() => parseParamDeviceInfo(parseParamList('root.Brand.Brand=AXIS\n')))).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
  });

  it('normalises MAC addresses and Axis serial numbers', () => {
    expect(normalizeMac('AC:CC:12:34:56:78')).toBe('ac:cc:12:34:56:78');
    expect(normalizeMac('ACCC8E012345')).toBe('ac:cc:8e:01:23:45');
    expect(normalizeMac('ac-cc-8e-01-23-45')).toBe('ac:cc:8e:01:23:45');
    expect(normalizeMac('72C.1')).toBeUndefined();
    expect(toDeviceInfo({ brand: 'AXIS', model: 'A9188' })).toEqual({ manufacturer: 'AXIS', model: 'A9188', firmware: '', serial: '' });
  });
});
