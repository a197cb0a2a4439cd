import { describe, expect, it } from 'vitest';
import { AXIS_FIXTURES, fixture } from './axis-fixtures.test-helper.js';
import { parseParamList } from './parse-param-list.js';
import { parsePtzParams } from './parse-ptz-params.js';
import { DEFAULT_PTZ_RANGE, fromVapixPosition, fromVapixSpeed, ptzRange, toVapixPosition, toVapixSpeed, toVapixTranslation } from './ptz-scaling.js';

describe('PTZ scaling', () => {
  it('maps generic velocities to VAPIX speeds -100..100 and back', () => {
    expect([-1, -0.5, 0, 0.333, 0.5, 1].map(toVapixSpeed)).toEqual([-100, -50, 0, 33, 50, 100]);
    expect([toVapixSpeed(3), toVapixSpeed(-7)]).toEqual([100, -100]);
    expect(Object.is(toVapixSpeed(-0.001), -0)).toBe(false);
    expect([fromVapixSpeed(-100), fromVapixSpeed(25), fromVapixSpeed(250)]).toEqual([-1, 0.25, 1]);
    expect(() => toVapixSpeed(Number.NaN)).toThrow(RangeError);
  });

  it('fills missing limits with the VAPIX defaults', () => {
    expect(ptzRange(undefined)).toEqual(DEFAULT_PTZ_RANGE);
    expect(ptzRange({ minZoom: 1, maxZoom: 9999 })).toEqual({ ...DEFAULT_PTZ_RANGE, minZoom: 1, maxZoom: 9999 });
  });

  it('round-trips positions through degrees and zoom steps', () => {
    const range = ptzRange({ minPan: -170, maxPan: 170, minTilt: -20, maxTilt: 90, minZoom: 1, maxZoom: 9999 });
    for (const p of [
      { pan: 0, tilt: 0, zoom: 0 },
      { pan: 1, tilt: -1, zoom: 1 },
      { pan: -0.25, tilt: 0.5, zoom: 0.5 },
    ]) {
      const back = fromVapixPosition(toVapixPosition(p, range), range);
      expect(back.pan).toBeCloseTo(p.pan, 4);
      expect(back.tilt).toBeCloseTo(p.tilt, 4);
      expect(back.zoom).toBeCloseTo(p.zoom, 3);
    }
    expect(toVapixPosition({ pan: 1, tilt: -1, zoom: 1 }, range)).toEqual({ pan: 170, tilt: -20, zoom: 9999 });
    expect(toVapixPosition({ pan: 5, tilt: 0, zoom: -1 }, range)).toEqual({ pan: 170, tilt: 35, zoom: 1 });
    expect(toVapixTranslation({ pan: 0.5, tilt: -0.1, zoom: 0.1 }, range)).toEqual({ pan: 85, tilt: -5.5, zoom: 1000 });
  });

  it.skipIf(AXIS_FIXTURES === undefined)('uses the limits of the captured M3058 view area 12 (tilt -90..-48)', () => {
    const ptz = parsePtzParams(parseParamList(fixture('param-cgi/param_ptz_10_12_m3058_response.txt')));
    const range = ptzRange(ptz?.cameras.find((c) => c.camera === 12)?.limits);
    expect(range).toEqual({ minPan: -180, maxPan: 180, minTilt: -90, maxTilt: -48, minZoom: 1, maxZoom: 9999 });
    expect(toVapixPosition({ pan: 0, tilt: 0, zoom: 0 }, range)).toEqual({ pan: 0, tilt: -69, zoom: 1 });
  });
});
