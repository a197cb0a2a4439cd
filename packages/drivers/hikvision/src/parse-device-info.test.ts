import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { familyOf, normaliseMac, parseDeviceInfo, toDeviceInfo } from './parse-device-info.js';

// Shapes of real ISAPI replies (element order and namespaces as devices write them); values are made up.
const CAMERA_V20 = `<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
    <deviceName>yard</deviceName>
    <deviceID>6aff4000-1f90-00b0-0000-000c00000001</deviceID>
    <deviceDescription>IPCamera</deviceDescription>
    <deviceLocation>hangzhou</deviceLocation>
    <systemContact>Hikvision.China</systemContact>
    <model>DS-2CD2386G2-IU</model>
    <serialNumber>DS-2CD2386G2-IU20230101AAWRJ11111111</serialNumber>
    <macAddress>14:92:3C:00:00:01</macAddress>
    <firmwareVersion>V5.7.14</firmwareVersion>
    <firmwareReleasedDate>build 231028</firmwareReleasedDate>
    <encoderVersion>V7.3</encoderVersion>
    <encoderReleasedDate>build 231027</encoderReleasedDate>
    <bootVersion>V1.3.4</bootVersion>
    <hardwareVersion>0x0</hardwareVersion>
    <deviceType>IPCamera</deviceType>
    <telecontrolID>88</telecontrolID>
    <supportBeep>false</supportBeep>
    <manufacturer>hikvision</manufacturer>
    <OEMCode>1</OEMCode>
</DeviceInfo>`;

const NVR_ISAPI_ORG = `<?xml version="1.0" encoding="UTF-8" ?>
<DeviceInfo version="2.0"
  xmlns="http://www.isapi.org/ver20/XMLSchema">
  <deviceName>nvr</deviceName>
  <deviceID>484a3831-3130-0000-0000-000c0000f001</deviceID>
  <model>DS-7608NXI-I2/8P/S</model>
  <serialNumber>DS-7608NXI-I2/8P/S0820230101CCRRJ22222222WCVU</serialNumber>
  <macAddress>cc:ed:d6:00:00:02</macAddress>
  <firmwareVersion>V4.62.210</firmwareVersion>
  <firmwareReleasedDate>build 230612</firmwareReleasedDate>
  <deviceType>NVR</deviceType>
  <telecontrolID>255</telecontrolID>
  <hardwareVersion>0100000092010000</hardwareVersion>
</DeviceInfo>`;

const OLD_CAMERA_V10 = `<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="1.0" xmlns="http://www.hikvision.com/ver10/XMLSchema">
<deviceName>IP CAMERA</deviceName>
<deviceID>88</deviceID>
<model>DS-2CD2032-I</model>
<serialNumber>DS-2CD2032-I20141231CCCH333333333</serialNumber>
<macAddress>44-19-b6-00-00-03</macAddress>
<firmwareVersion>V5.2.0</firmwareVersion>
<firmwareReleasedDate>build 140721</firmwareReleasedDate>
</DeviceInfo>`;

const EZVIZ = `<?xml version="1.0" encoding="UTF-8"?>
<DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<deviceName>C6N</deviceName>
<model>CS-C6N-A0-1C2WFR</model>
<serialNumber>E12345678</serialNumber>
<macAddress>bc:a5:11:00:00:04</macAddress>
<firmwareVersion>V5.3.0</firmwareVersion>
<deviceType>IPCamera</deviceType>
</DeviceInfo>`;

describe('parseDeviceInfo', () => {
  it('reads a current camera (hikvision ver20 namespace, <manufacturer>)', () => {
    const info = parseDeviceInfo(CAMERA_V20);
    expect(info).toMatchObject({
      deviceName: 'yard',
      model: 'DS-2CD2386G2-IU',
      serialNumber: 'DS-2CD2386G2-IU20230101AAWRJ11111111',
      macAddress: '14:92:3C:00:00:01',
      firmwareVersion: 'V5.7.14',
      firmwareReleasedDate: 'build 231028',
      hardwareVersion: '0x0',
      deviceType: 'IPCamera',
      manufacturer: 'hikvision',
      namespace: 'http://www.hikvision.com/ver20/XMLSchema',
      isapiNamespace: true,
    });
    expect(toDeviceInfo(info)).toEqual({
      manufacturer: 'Hikvision',
      model: 'DS-2CD2386G2-IU',
      firmware: 'V5.7.14',
      serial: 'DS-2CD2386G2-IU20230101AAWRJ11111111',
      hardwareId: '0x0',
      mac: '14:92:3c:00:00:01',
    });
    expect(familyOf(info).cameraType).toBe(1);
  });

  it('reads a recorder (isapi.org namespace, deviceType NVR) as camera type 3', () => {
    const info = parseDeviceInfo(NVR_ISAPI_ORG);
    expect(info.isapiNamespace).toBe(true);
    expect(info.deviceType).toBe('NVR');
    expect(familyOf(info)).toMatchObject({ name: 'recorder', cameraType: 3, recorder: true });
    expect(toDeviceInfo(info).manufacturer).toBe('Hikvision');
  });

  it('reads old firmware (ver10, no deviceType or manufacturer) and normalises a dashed MAC', () => {
    const info = parseDeviceInfo(OLD_CAMERA_V10);
    expect(info.deviceType).toBeUndefined();
    expect(info.manufacturer).toBeUndefined();
    expect(toDeviceInfo(info)).toMatchObject({ manufacturer: 'Hikvision', model: 'DS-2CD2032-I', mac: '44:19:b6:00:00:03' });
    expect(familyOf(info).cameraType).toBe(1);
  });

  it('tells Ezviz (CS- models) apart as camera type 4 without an alertStream', () => {
    const info = parseDeviceInfo(EZVIZ);
    expect(familyOf(info)).toMatchObject({ name: 'ezviz', cameraType: 4, alertStream: false });
    expect(toDeviceInfo(info).manufacturer).toBe('EZVIZ');
  });

  it('tells recorders by model when deviceType is missing', () => {
    const info = parseDeviceInfo(NVR_ISAPI_ORG.replace('<deviceType>NVR</deviceType>', ''));
    expect(familyOf(info).cameraType).toBe(3);
  });

  it('marks a DeviceInfo outside the ISAPI namespaces', () => {
    const info = parseDeviceInfo('<DeviceInfo><model>X-1</model></DeviceInfo>');
    expect(info.isapiNamespace).toBe(false);
    expect(info.namespace).toBeUndefined();
  });

  it.each([
    ['malformed XML', '<DeviceInfo><model>DS-2CD</model'],
    ['a cut-off document', CAMERA_V20.slice(0, CAMERA_V20.length / 2)],
    ['an empty body', ''],
    ['another root', '<ResponseStatus><statusCode>4</statusCode></ResponseStatus>'],
    ['no model', '<DeviceInfo><serialNumber>1</serialNumber></DeviceInfo>'],
    ['HTML', '<html><body><h1>401 Unauthorized</h1></body></html>'],
  ])('throws ARGUS_ERR_DRIVER_PROTOCOL for %s', (_what, text) => {
    let caught: unknown;
    try {
      parseDeviceInfo(text, 'http://127.0.0.1:1');
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
  });

  it('normalises MAC spellings', () => {
    expect(normaliseMac('AA-BB-CC-DD-EE-FF')).toBe('aa:bb:cc:dd:ee:ff');
    expect(normaliseMac('aabbccddeeff')).toBe('aa:bb:cc:dd:ee:ff');
    expect(normaliseMac(' not a mac ')).toBe('not a mac');
  });
});
