import { describe, expect, it } from 'vitest';
import {
  dahuaSpeed,
  ptzMoveCommands,
  ptzPresetCommand,
  ptzStopCommand,
  velocityOfCommand,
} from './dahua-ptz-codes.js';
import { fixturesOrSkip, readFixture } from './fixtures.test-helper.js';
import { parsePresets, parsePtzCaps, parsePtzStatus } from './parse-ptz-status.js';

const dir = fixturesOrSkip();

describe.skipIf(dir === undefined)('parsePtzStatus on the captured reply', () => {
  it('reads position (the device spells it Postion), states and preset', () => {
    const status = parsePtzStatus(readFixture(dir ?? '', 'rroller-dahua/ptz_getStatus.txt'));
    expect(status).toEqual({
      panDegrees: 91.6,
      tiltDegrees: -2.6,
      zoom: 1,
      moveStatus: 'Idle',
      zoomStatus: 'Idle',
      action: 'Preset',
      presetId: 2,
    });
  });
});

describe('PTZ parsers', () => {
  it('accepts the corrected Position spelling', () => {
    expect(parsePtzStatus('status.Position[0]=10.5\r\nstatus.Position[1]=3\r\n')).toEqual({ panDegrees: 10.5, tiltDegrees: 3 });
  });

  it('reads presets, skipping entries without an index; an empty reply has none', () => {
    const text = 'presets[0].Index=1\r\npresets[0].Name=Gate\r\npresets[1].Index=7\r\npresets[1].Name=\r\npresets[2].Name=orphan\r\n';
    expect(parsePresets(text)).toEqual([{ id: '1', name: 'Gate' }, { id: '7' }]);
    expect(parsePresets('')).toEqual([]);
    expect(() => parsePresets('presets[0].Index 1')).toThrow(/no "="/);
  });

  it('reads protocol caps, with the Tile spelling and the Tilt one', () => {
    expect(parsePtzCaps('caps.Pan=true\r\ncaps.Tile=true\r\ncaps.Zoom=false\r\ncaps.PresetMax=255\r\n')).toEqual({
      pan: true,
      tilt: true,
      zoom: false,
      presets: true,
      presetMax: 255,
    });
    expect(parsePtzCaps('caps.Tilt=1\r\ncaps.Preset=false\r\n')).toEqual({ pan: false, tilt: true, zoom: false, presets: false });
    expect(parsePtzCaps('caps.Zoom=true\r\n')).toEqual({ pan: false, tilt: false, zoom: true, presets: false });
  });
});

describe('PTZ code mapping', () => {
  it('maps velocities to speeds 1..8', () => {
    expect([0, 1e-9, 0.01, 0.125, 0.3, 0.5, -0.5, 0.99, 1, -1].map(dahuaSpeed)).toEqual([0, 0, 1, 1, 2, 4, 4, 8, 8, 8]);
    expect(() => dahuaSpeed(1.5)).toThrow(RangeError);
    expect(() => dahuaSpeed(Number.NaN)).toThrow(RangeError);
  });

  it('maps straight, diagonal and zoom moves to Dahua codes', () => {
    expect(ptzMoveCommands({ pan: 0.5, tilt: 0, zoom: 0 })).toEqual([{ code: 'Right', arg1: 0, arg2: 4, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: -1, tilt: 0, zoom: 0 })).toEqual([{ code: 'Left', arg1: 0, arg2: 8, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: 0, tilt: 0.25, zoom: 0 })).toEqual([{ code: 'Up', arg1: 0, arg2: 2, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: 0, tilt: -1, zoom: 0 })).toEqual([{ code: 'Down', arg1: 0, arg2: 8, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: -1, tilt: 0.25, zoom: 0 })).toEqual([{ code: 'LeftUp', arg1: 2, arg2: 8, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: 0.5, tilt: -0.5, zoom: 0.5 })).toEqual([
      { code: 'RightDown', arg1: 4, arg2: 4, arg3: 0 },
      { code: 'ZoomTele', arg1: 0, arg2: 4, arg3: 0 },
    ]);
    expect(ptzMoveCommands({ pan: 0, tilt: 0, zoom: -0.125 })).toEqual([{ code: 'ZoomWide', arg1: 0, arg2: 1, arg3: 0 }]);
    expect(ptzMoveCommands({ pan: 0, tilt: 0, zoom: 0 })).toEqual([]);
    expect(ptzStopCommand('LeftUp')).toEqual({ code: 'LeftUp', arg1: 0, arg2: 0, arg3: 0 });
  });

  it('maps commands back to velocities (the emulator side), round-tripping speeds', () => {
    for (const v of [
      { pan: 0.5, tilt: 0, zoom: 0 },
      { pan: -0.25, tilt: 0.75, zoom: 0 },
      { pan: 1, tilt: -1, zoom: 0 },
      { pan: 0, tilt: 0.125, zoom: 0 },
    ]) {
      const [command] = ptzMoveCommands(v);
      expect(velocityOfCommand(command?.code ?? '', command?.arg1 ?? 0, command?.arg2 ?? 0), JSON.stringify(v)).toEqual({ pan: v.pan, tilt: v.tilt });
    }
    expect(velocityOfCommand('ZoomWide', 0, 3)).toEqual({ zoom: -3 / 8 });
    expect(velocityOfCommand('ZoomTele', 0, 99)).toEqual({ zoom: 1 });
    expect(velocityOfCommand('GotoPreset', 0, 1)).toBeUndefined();
  });

  it('puts preset numbers in arg2 and rejects ids that are not numbers', () => {
    expect(ptzPresetCommand('GotoPreset', '12')).toEqual({ code: 'GotoPreset', arg1: 0, arg2: 12, arg3: 0 });
    expect(ptzPresetCommand('ClearPreset', 3)).toEqual({ code: 'ClearPreset', arg1: 0, arg2: 3, arg3: 0 });
    for (const bad of ['0', 'home', '1.5', '', '-1', '123456']) expect(() => ptzPresetCommand('SetPreset', bad), bad).toThrow(RangeError);
  });
});
