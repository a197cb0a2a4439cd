import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../drivers/capabilities.js';
import { CAMERA_TYPES, DEFAULT_CAMERA_DRIVER, cameraTypeFrom, driverForCameraType } from './camera-types.js';

describe('CAMERA_TYPES', () => {
  it('lists the 33 types in order with unique kebab-case slugs', () => {
    expect(CAMERA_TYPES).toHaveLength(33);
    expect(CAMERA_TYPES.map((type) => type.id)).toEqual(Array.from({ length: 33 }, (_, i) => i + 1));
    const slugs = CAMERA_TYPES.map((type) => type.slug);
    expect(new Set(slugs).size).toBe(33);
    expect(slugs.every((slug) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug))).toBe(true);
    expect(CAMERA_TYPES[0]).toMatchObject({ id: 1, slug: 'hikvision-ip', name: 'Hikvision IP camera and PTZ', family: 'hikvision', driver: 'hikvision' });
    expect(CAMERA_TYPES[25]).toMatchObject({ id: 26, slug: 'rtsp', name: 'plain RTSP' });
  });

  it('gives every type its vendors, protocols, known capabilities, and a driver unless planned', () => {
    for (const type of CAMERA_TYPES) {
      expect(type.vendors.length, type.slug).toBeGreaterThan(0);
      expect(type.control && type.media, type.slug).toBeTruthy();
      expect(type.capabilities.length, type.slug).toBeGreaterThan(0);
      for (const capability of type.capabilities) expect(CAPABILITIES, type.slug).toContain(capability);
      expect(type.driver === undefined, type.slug).toBe(type.status === 'planned');
      if (type.status !== 'supported') expect(type.status === 'planned' || (type.note ?? '') !== '', type.slug).toBe(true);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CAMERA_TYPES)).toBe(true);
    expect(Object.isFrozen(CAMERA_TYPES[0])).toBe(true);
  });
});

describe('cameraTypeFrom', () => {
  it('accepts numbers, numeric strings and slugs', () => {
    expect(cameraTypeFrom(1)).toBe(1);
    expect(cameraTypeFrom(33)).toBe(33);
    expect(cameraTypeFrom('7')).toBe(7);
    expect(cameraTypeFrom(' 26 ')).toBe(26);
    expect(cameraTypeFrom('dahua-nvr')).toBe(7);
    expect(cameraTypeFrom('GB28181')).toBe(32);
  });

  it('rejects anything that is not one of the 33 types', () => {
    for (const value of [0, 34, 1.5, -1, Number.NaN, '0', '34', '007', '', 'hikvision', '1e1', '2x']) {
      expect(cameraTypeFrom(value)).toBeUndefined();
    }
  });
});

describe('driverForCameraType', () => {
  it('maps types to their drivers and types without one to the default', () => {
    expect([1, 2, 3, 4].map(driverForCameraType)).toEqual(['hikvision', 'hikvision', 'hikvision', 'hikvision']);
    expect([5, 6, 7, 8].map(driverForCameraType)).toEqual(['dahua', 'dahua', 'dahua', 'dahua']);
    expect(driverForCameraType(9)).toBe('axis');
    expect(driverForCameraType(26)).toBe('rtsp');
    expect(driverForCameraType(27)).toBe('mjpeg');
    expect(driverForCameraType(12)).toBe('onvif');
    expect(driverForCameraType(10)).toBe(DEFAULT_CAMERA_DRIVER);
    expect(driverForCameraType(99)).toBe(DEFAULT_CAMERA_DRIVER);
  });
});
