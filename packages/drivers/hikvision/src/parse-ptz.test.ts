import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import {
  fromIsapiSpeed,
  parsePtzCapabilities,
  parsePtzData,
  parsePtzPresets,
  presetXml,
  ptzDataXml,
  toIsapiSpeed,
} from './parse-ptz.js';

const CAPS = `<?xml version="1.0" encoding="UTF-8"?>
<PTZChanelCap version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<AbsolutePanTiltPositionSpace><XRange><Min>0</Min><Max>3600</Max></XRange><YRange><Min>-900</Min><Max>2700</Max></YRange></AbsolutePanTiltPositionSpace>
<ContinuousPanTiltSpace><XRange><Min>-100</Min><Max>100</Max></XRange><YRange><Min>-100</Min><Max>100</Max></YRange></ContinuousPanTiltSpace>
<ContinuousZoomSpace><ZRange><Min>-100</Min><Max>100</Max></ZRange></ContinuousZoomSpace>
<maxPresetNum>300</maxPresetNum>
<controlProtocol>HIKVISION</controlProtocol>
</PTZChanelCap>`;

const PRESETS = `<?xml version="1.0" encoding="UTF-8"?>
<PTZPresetList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<PTZPreset version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<enabled>true</enabled><id>1</id><presetName>Gate &amp; road</presetName>
<AbsoluteHigh><elevation>0</elevation><azimuth>1800</azimuth><absoluteZoom>10</absoluteZoom></AbsoluteHigh>
</PTZPreset>
<PTZPreset version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<enabled>false</enabled><id>2</id><presetName>preset 2</presetName>
</PTZPreset>
<PTZPreset version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<enabled>true</enabled><id>33</id>
</PTZPreset>
</PTZPresetList>`;

describe('ISAPI PTZ documents', () => {
  it('reads PTZChanelCap (sic): speed ranges, preset count; no momentary space here', () => {
    expect(parsePtzCapabilities(CAPS)).toEqual({
      pan: { min: -100, max: 100 },
      tilt: { min: -100, max: 100 },
      zoom: { min: -100, max: 100 },
      maxPresets: 300,
      momentary: false,
    });
    const withMomentary = CAPS.replace('<maxPresetNum>', '<MomentaryPanTiltSpace><XRange><Min>-100</Min><Max>100</Max></XRange></MomentaryPanTiltSpace><maxPresetNum>');
    expect(parsePtzCapabilities(withMomentary).momentary).toBe(true);
  });

  it('defaults missing ranges to -100..100', () => {
    expect(parsePtzCapabilities('<PTZChanelCap version="2.0"></PTZChanelCap>')).toEqual({
      pan: { min: -100, max: 100 },
      tilt: { min: -100, max: 100 },
      zoom: { min: -100, max: 100 },
      momentary: false,
    });
  });

  it('lists enabled presets with names (entities decoded)', () => {
    expect(parsePtzPresets(PRESETS)).toEqual([{ id: '1', name: 'Gate & road' }, { id: '33' }]);
    expect(parsePtzPresets('<PTZPresetList version="2.0"/>')).toEqual([]);
  });

  it('converts generic velocities to the ISAPI scale and back (clamped, rounded; zeros stop)', () => {
    expect(toIsapiSpeed({ pan: 0.5, tilt: -0.5, zoom: 1 })).toEqual({ pan: 50, tilt: -50, zoom: 100 });
    expect(toIsapiSpeed({ pan: 2, tilt: -7, zoom: 0.004 })).toEqual({ pan: 100, tilt: -100, zoom: 0 });
    expect(toIsapiSpeed({ pan: Number.NaN, tilt: 0, zoom: 0 })).toEqual({ pan: 0, tilt: 0, zoom: 0 });
    expect(toIsapiSpeed({ pan: 1, tilt: -1, zoom: 0 }, { pan: { min: -7, max: 7 }, tilt: { min: -7, max: 7 }, zoom: { min: -1, max: 1 } })).toEqual({ pan: 7, tilt: -7, zoom: 0 });
    expect(fromIsapiSpeed({ pan: 50, tilt: -100, zoom: 0 })).toEqual({ pan: 0.5, tilt: -1, zoom: 0 });
  });

  it('writes PTZData and preset bodies that parse back', () => {
    const body = ptzDataXml({ pan: 30, tilt: -60, zoom: 0 });
    expect(body).toContain('<PTZData version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><pan>30</pan><tilt>-60</tilt><zoom>0</zoom></PTZData>');
    expect(parsePtzData(body)).toEqual({ speed: { pan: 30, tilt: -60, zoom: 0 } });
    expect(parsePtzData(ptzDataXml({ pan: 0, tilt: 10, zoom: 0 }, 500))).toEqual({ speed: { pan: 0, tilt: 10, zoom: 0 }, durationMs: 500 });
    expect(parsePtzPresets(presetXml('7', 'a <b> & "c"'))).toEqual([{ id: '7', name: 'a <b> & "c"' }]);
  });

  it('throws ARGUS_ERR_DRIVER_PROTOCOL for broken documents', () => {
    for (const run of [() => parsePtzCapabilities(CAPS.slice(0, 120)), () => parsePtzPresets('<PTZPresetList><PTZPreset>'), () => parsePtzData('<PTZData><pan>1</PTZData>')]) {
      let caught: unknown;
      try {
        run();
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    }
  });
});
