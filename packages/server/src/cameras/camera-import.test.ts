import { DeviceRegistry } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { CENSUS_COLUMNS, cameraIdFromExternalId, importCameras } from './camera-import.js';

describe('cameraIdFromExternalId', () => {
  it('keeps an external id that is already a valid camera id', () => {
    expect(cameraIdFromExternalId('CEN-0001.a_b')).toBe('CEN-0001.a_b');
  });

  it('sanitises others with a hash suffix, so ids that sanitise alike stay apart', () => {
    const a = cameraIdFromExternalId('cam 1');
    const b = cameraIdFromExternalId('cam/1');
    expect(a).toMatch(/^cam_1-[0-9a-f]{8}$/);
    expect(b).toMatch(/^cam_1-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(cameraIdFromExternalId('cam 1')).toBe(a);
    const long = cameraIdFromExternalId('x'.repeat(65));
    expect(long).toHaveLength(64);
    expect(long).not.toBe(cameraIdFromExternalId('x'.repeat(66)));
  });
});

describe('importCameras', () => {
  it('refuses to update a camera whose id matches but whose external id differs', async () => {
    const devices = new DeviceRegistry();
    await devices.add({ id: 'CAM-1', name: 'Manual', agency: 'a', category: 'security', cameraType: 26, driver: 'rtsp', ptz: false, connection: { host: '192.0.2.1' } });
    const csv = `${CENSUS_COLUMNS.join(',')}\nCAM-1,From census,a,security,,,,,,26,,,false,192.0.2.2,,,,\n`;
    expect(await importCameras(devices, csv)).toEqual({
      created: 0,
      updated: 0,
      failed: 1,
      errors: [{ line: 2, column: 'external_id', reason: 'Camera id "CAM-1" belongs to another camera' }],
    });
    expect(devices.get('CAM-1').name).toBe('Manual');
  });

  it('accepts the columns in any order and case', async () => {
    const devices = new DeviceRegistry();
    const columns = [...CENSUS_COLUMNS].reverse();
    const values: Record<string, string> = { external_id: 'E1', name: 'N', agency: 'a', category: 'urbanorder', type: 'gb28181', ptz: 'FALSE', host: '192.0.2.3' };
    const csv = `${columns.map((c) => c.toUpperCase()).join(',')}\n${columns.map((c) => values[c] ?? '').join(',')}\n`;
    expect(await importCameras(devices, csv)).toMatchObject({ created: 1, failed: 0 });
    expect(devices.get('E1')).toMatchObject({ category: 'urbanOrder', cameraType: 32, driver: 'rtsp', ptz: false });
  });
});
