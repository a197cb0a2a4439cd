import { describe, expect, it } from 'vitest';
import { AXIS_FIXTURES, fixture } from './axis-fixtures.test-helper.js';
import { parseParamList } from './parse-param-list.js';
import { parsePresetData, parsePtzParams, type AxisPtzParams } from './parse-ptz-params.js';

function ptzOf(file: string): AxisPtzParams {
  const ptz = parsePtzParams(parseParamList(fixture(`param-cgi/${file}`)));
  if (ptz === undefined) throw new Error(`${file} has no PTZ group`);
  return ptz;
}

function continuous(ptz: AxisPtzParams, camera: number): [boolean, boolean, boolean] | undefined {
  const s = ptz.cameras.find((c) => c.camera === camera)?.support;
  return s === undefined ? undefined : [s.continuousPan, s.continuousTilt, s.continuousZoom];
}

describe.skipIf(AXIS_FIXTURES === undefined)('parsePtzParams on the seven captured PTZ groups', () => {
  it('generic PTZ dome (PTZ_RESPONSE): full limits, every move, one home preset', () => {
    const ptz = ptzOf('param_ptz_response.txt');
    expect(ptz.cameraCount).toBe(1);
    expect(ptz.enabled).toBe(true);
    expect(ptz.homePresetSet).toBe(true);
    expect(ptz.cameras).toHaveLength(1);
    expect(ptz.cameras[0]?.limits).toEqual({
      minPan: -170,
      maxPan: 170,
      minTilt: -20,
      maxTilt: 90,
      minZoom: 1,
      maxZoom: 9999,
      minFocus: 770,
      maxFocus: 9999,
      minIris: 1,
      maxIris: 9999,
      minFieldAngle: 22,
      maxFieldAngle: 623,
    });
    const s = ptz.cameras[0]?.support;
    expect(s).toMatchObject({
      continuousPan: true,
      continuousTilt: true,
      continuousZoom: true,
      absolutePan: true,
      absoluteTilt: true,
      absoluteZoom: true,
      relativePan: true,
      relativeTilt: true,
      relativeZoom: true,
      serverPreset: true,
      devicePreset: false,
    });
    expect(s?.flags['AreaZoom']).toBe(true);
    expect(s?.flags['OSDMenu']).toBe(false);
    expect(Object.keys(s?.flags ?? {})).toHaveLength(35);
    expect(ptz.presetGroups).toEqual([
      { index: 0, imageSource: 0, homePosition: 1, positions: [{ number: 1, name: 'Entrée', data: { tilt: 0, focus: 32766, pan: 0, iris: 32766, zoom: 1 } }] },
    ]);
  });

  it('M1054 5.51: digital PTZ switched off, ±180° limits', () => {
    const ptz = ptzOf('param_ptz_5_51_m1054_response.txt');
    expect([ptz.cameraCount, ptz.enabled]).toEqual([1, false]);
    expect(ptz.cameras[0]?.limits).toEqual({ minPan: -180, maxPan: 180, minTilt: -180, maxTilt: 180, minZoom: 1, maxZoom: 9999 });
    expect(continuous(ptz, 1)).toEqual([true, true, true]);
    expect(ptz.presetGroups[0]?.positions).toEqual([{ number: 1, name: 'Home', data: { tilt: 0, pan: 0, zoom: 1 } }]);
  });

  it('M3024 5.51: no NbrOfCameras, so the count comes from Limit/Support', () => {
    const ptz = ptzOf('param_ptz_5_51_m3024_response.txt');
    expect([ptz.cameraCount, ptz.enabled]).toEqual([1, false]);
    expect(ptz.cameras[0]?.limits).toEqual({ minPan: -180, maxPan: 180, minTilt: -180, maxTilt: 180, minZoom: 1, maxZoom: 9999 });
    expect(ptz.cameras[0]?.support?.serverPreset).toBe(true);
  });

  it('Q1921 5.51 (thermal, no PTZ driver): no limits, no support, no home preset', () => {
    const ptz = ptzOf('param_ptz_5_51_q1921_response.txt');
    expect([ptz.cameraCount, ptz.enabled]).toEqual([1, true]);
    expect(ptz.cameras).toEqual([{ camera: 1, limits: {} }]);
    expect(ptz.presetGroups).toEqual([{ index: 0, imageSource: 0, positions: [] }]);
    expect(ptz.homePresetSet).toBe(false);
  });

  it('Q1798 11.9 (zoom block): zoom and focus only', () => {
    const ptz = ptzOf('param_ptz_11_9_q1798_response.txt');
    expect(ptz.presetNameMaxLength).toBe(95);
    expect(ptz.cameras[0]?.limits).toEqual({ minZoom: 1, maxZoom: 9999, minFocus: 1, maxFocus: 9999, minFieldAngle: 210, maxFieldAngle: 731 });
    expect(continuous(ptz, 1)).toEqual([false, false, true]);
    expect(ptz.cameras[0]?.support).toMatchObject({ absolutePan: false, absoluteZoom: true, relativeZoom: true, serverPreset: true });
    expect(ptz.presetGroups[0]?.positions).toEqual([{ number: 1, name: 'Home', data: { zoom: 1 } }]);
  });

  it('M3058 10.12 (panoramic): 12 cameras, the overview without PTZ, view areas with their own limits and homes', () => {
    const ptz = ptzOf('param_ptz_10_12_m3058_response.txt');
    expect(ptz.cameraCount).toBe(12);
    expect(ptz.cameras.map((c) => c.camera)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(ptz.cameras[0]?.limits).toEqual({});
    expect(continuous(ptz, 1)).toEqual([false, false, false]);
    // View areas 5-8 of the fisheye zoom; the others only pan and tilt.
    for (let camera = 2; camera <= 12; camera++) expect(continuous(ptz, camera), `camera ${camera}`).toEqual([true, true, camera >= 5 && camera <= 8]);
    expect(ptz.cameras.find((c) => c.camera === 2)?.limits).toEqual({ minPan: -180, maxPan: 180, minTilt: -30, maxTilt: 7 });
    expect(ptz.cameras.find((c) => c.camera === 5)?.limits).toEqual({ minPan: -180, maxPan: 180, minTilt: -90, maxTilt: 0, minZoom: 1, maxZoom: 9999, minFieldAngle: 1, maxFieldAngle: 106 });
    expect(ptz.cameras.find((c) => c.camera === 12)?.limits).toEqual({ minPan: -180, maxPan: 180, minTilt: -90, maxTilt: -48 });
    expect(ptz.cameras.find((c) => c.camera === 5)?.support).toMatchObject({ absolutePan: true, relativeZoom: true, serverPreset: true });
    expect(ptz.presetGroups).toHaveLength(12);
    expect(ptz.presetGroups[0]).toEqual({ index: 0, imageSource: 0, positions: [] });
    expect(ptz.presetGroups.find((g) => g.index === 5)).toEqual({
      index: 5,
      imageSource: 5,
      homePosition: 1,
      positions: [{ number: 1, name: 'Home', data: { pan: -40.546646, tilt: -42.884506, zoom: 1 } }],
    });
  });

  it('Q3505 6.50: one PTZ camera with zoom, seven more Support entries with presets off', () => {
    const ptz = ptzOf('param_ptz_6_50_q3505_response.txt');
    expect(ptz.cameraCount).toBe(1);
    expect(ptz.cameras.map((c) => c.camera)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ptz.cameras[0]?.limits).toEqual({ minZoom: 1, maxZoom: 9999, minFocus: 3826, maxFocus: 9999, minFieldAngle: 144, maxFieldAngle: 324 });
    expect(continuous(ptz, 1)).toEqual([false, false, true]);
    expect(ptz.cameras[1]?.support).toMatchObject({ continuousZoom: false, serverPreset: false, devicePreset: false });
    expect(ptz.presetGroups.map((g) => [g.index, g.imageSource, g.homePosition])).toEqual([
      [0, 0, 1],
      [1, 1, undefined],
      [2, 2, undefined],
      [3, 3, undefined],
      [4, 4, undefined],
      [5, 5, undefined],
      [6, 6, undefined],
      [7, 7, undefined],
    ]);
    expect(ptz.presetGroups[0]?.positions).toEqual([{ number: 1, name: 'Home', data: { focusdiopt: -3.2, zoom: 1 } }]);
  });

  it('is undefined for listings without a PTZ group', () => {
    expect(parsePtzParams(parseParamList(fixture('param-cgi/param_brand_response.txt')))).toBeUndefined();
  });
});

describe('parsePresetData', () => {
  it('reads numbers and skips the rest', () => {
    expect(parsePresetData('tilt=0.000000:pan=-12.5:zoom=1:bad:iris=x')).toEqual({ tilt: 0, pan: -12.5, zoom: 1 });
    expect(parsePresetData(undefined)).toEqual({});
  });
});
