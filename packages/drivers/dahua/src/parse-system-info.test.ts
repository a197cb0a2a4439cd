import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { dahuaCameraType, isGenericDeviceType } from './dahua-models.js';
import { fixturesOrSkip, readFixture } from './fixtures.test-helper.js';
import { parseDeviceType, parseMachineName, parseNetworkMac, parseSoftwareVersion, parseSystemInfo, parseVendor } from './parse-system-info.js';

const dir = fixturesOrSkip();

describe.skipIf(dir === undefined)('magicBox parsers on the captured replies', () => {
  const fixtures = dir === undefined ? '' : dir;

  it('reads getSystemInfo of a Dahua IPC-HDW5831R-ZE', () => {
    const info = parseSystemInfo(readFixture(fixtures, 'rroller-dahua/magicBox_getSystemInfo.txt'));
    expect(info).toMatchObject({
      deviceType: 'IPC-HDW5831R-ZE',
      serialNumber: '4X7C5A1ZAG21L3F',
      hardwareVersion: '1.00',
      processor: 'S3LM',
      updateSerial: 'IPC-HDW5830R-Z',
    });
    expect(info.raw['appAutoStart']).toBe('true');
    expect(dahuaCameraType(info.deviceType)).toBe(5);
  });

  it('reads getSystemInfo of an Amcrest IP4M-1041B (OEM firmware)', () => {
    const info = parseSystemInfo(readFixture(fixtures, 'scrypted-amcrest/magicBox_getSystemInfo_amcrest_IP4M-1041B.txt'));
    expect(info).toMatchObject({ deviceType: 'IP4M-1041B', serialNumber: '12345', processor: 'SSC327DE', updateSerial: 'IPC-AW46WN-S2' });
    expect(dahuaCameraType(info.deviceType)).toBe(5);
  });

  it('reads getDeviceType, getSoftwareVersion, getMachineName and getVendor', () => {
    expect(parseDeviceType(readFixture(fixtures, 'rroller-dahua/magicBox_getDeviceType.txt'))).toBe('IPC-HDW5831R-ZE');
    const generic = parseDeviceType(readFixture(fixtures, 'rroller-dahua/magicBox_getDeviceType_generic.txt'));
    expect(generic).toBe('IP Camera');
    expect(isGenericDeviceType(generic)).toBe(true);
    expect(parseSoftwareVersion(readFixture(fixtures, 'rroller-dahua/magicBox_getSoftwareVersion.txt'))).toEqual({ version: '2.800.0000016.0.R', build: '2020-06-05' });
    expect(parseMachineName(readFixture(fixtures, 'rroller-dahua/magicBox_getMachineName.txt'))).toBe('FrontDoorCam');
    expect(parseVendor(readFixture(fixtures, 'rroller-dahua/magicBox_getVendor.txt'))).toBe('Dahua');
  });
});

describe('magicBox parsers on other and malformed input', () => {
  it('rejects a getSystemInfo without deviceType or serialNumber', () => {
    for (const text of ['serialNumber=1\r\n', 'deviceType=IPC\r\n', 'deviceType=\r\nserialNumber=1\r\n']) {
      let error: unknown;
      try {
        parseSystemInfo(text, { endpoint: 'http://127.0.0.1:1' });
      } catch (err) {
        error = err;
      }
      expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL'), text).toBe(true);
      expect((error as { details: { endpoint: string } }).details.endpoint).toBe('http://127.0.0.1:1');
    }
  });

  it('rejects single-value replies without their key', () => {
    expect(() => parseSoftwareVersion('name=x\r\n')).toThrow(/version/);
    expect(() => parseVendor('<html>')).toThrow(/no "="/);
  });

  it('keeps a version without a build date whole', () => {
    expect(parseSoftwareVersion('version=1.000.0000000.3.R\r\n')).toEqual({ version: '1.000.0000000.3.R' });
  });

  it('finds the MAC address of the default interface of the Network config', () => {
    const text = [
      'table.Network.DefaultInterface=eth2',
      'table.Network.Domain=dauha',
      'table.Network.eth0.PhysicalAddress=00:00:00:00:00:00:00',
      'table.Network.eth2.IPAddress=192.0.2.10',
      'table.Network.eth2.PhysicalAddress=3C:EF:8C:12:34:56',
      '',
    ].join('\r\n');
    expect(parseNetworkMac(text)).toBe('3c:ef:8c:12:34:56');
    expect(parseNetworkMac('table.Network.Domain=x\r\n')).toBeUndefined();
  });

  it('classifies recorders and Imou models with the model table', () => {
    expect(dahuaCameraType('DHI-NVR4108HS-4KS2')).toBe(7);
    expect(dahuaCameraType('XVR5108HS-X')).toBe(7);
    expect(dahuaCameraType('NV4108E-HS')).toBe(7);
    expect(dahuaCameraType('IPC-C22EP')).toBe(8);
    expect(dahuaCameraType('IPC-GK2DP')).toBe(8);
    expect(dahuaCameraType('IPC-HFW2431S', 'Imou')).toBe(8);
    expect(dahuaCameraType('IPC-HFW2431S-S-S2')).toBe(5);
    expect(dahuaCameraType('SD49225XA-HNR')).toBe(5);
  });
});
