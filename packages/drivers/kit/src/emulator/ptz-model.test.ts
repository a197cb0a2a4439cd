import { describe, expect, it } from 'vitest';
import { ManualClock } from '@argus/core';
import { PtzModel } from './ptz-model.js';

function setup(): { clock: ManualClock; ptz: PtzModel } {
  const clock = new ManualClock(1_000_000);
  return { clock, ptz: new PtzModel({ clock }) };
}

describe('PtzModel', () => {
  it('starts at home, still', () => {
    const { ptz } = setup();
    expect(ptz.position).toEqual({ pan: 0, tilt: 0, zoom: 0 });
    expect(ptz.velocity).toBeNull();
    expect(ptz.moves).toBe(0);
  });

  it('integrates a continuous move over the clock and freezes on stop', () => {
    const { clock, ptz } = setup();
    ptz.continuousMove({ pan: 0.5, tilt: -0.25, zoom: 0.5 });
    expect(ptz.moves).toBe(1);
    expect(ptz.velocity).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0.5 });
    clock.advance(1000);
    expect(ptz.position).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0.5 });
    clock.advance(200);
    expect(ptz.position.pan).toBeCloseTo(0.6, 10);
    ptz.stop();
    expect(ptz.velocity).toBeNull();
    expect(ptz.stops).toBe(1);
    const frozen = ptz.position;
    clock.advance(5000);
    expect(ptz.position).toEqual(frozen);
  });

  it('clamps at the edges of the generic space', () => {
    const { clock, ptz } = setup();
    ptz.continuousMove({ pan: 1, tilt: -1, zoom: -1 });
    clock.advance(10_000);
    expect(ptz.position).toEqual({ pan: 1, tilt: -1, zoom: 0 });
    // Reversing starts from the clamped edge, not from where the integration would have been.
    ptz.continuousMove({ pan: -1, tilt: 0, zoom: 0 });
    clock.advance(500);
    expect(ptz.position.pan).toBeCloseTo(0.5, 10);
  });

  it('ends a move at its timeout', () => {
    const { clock, ptz } = setup();
    ptz.continuousMove({ pan: 0.4, tilt: 0, zoom: 0 }, 500);
    clock.advance(499);
    expect(ptz.velocity).not.toBeNull();
    clock.advance(1);
    expect(ptz.velocity).toBeNull();
    clock.advance(2000);
    expect(ptz.position.pan).toBeCloseTo(0.2, 10);
    // A new move starts from where the timed-out one ended.
    ptz.continuousMove({ pan: 0.4, tilt: 0, zoom: 0 });
    clock.advance(500);
    expect(ptz.position.pan).toBeCloseTo(0.4, 10);
  });

  it('treats a zero velocity as a stop and a new move as replacing the old one', () => {
    const { clock, ptz } = setup();
    ptz.continuousMove({ pan: 0.5, tilt: 0, zoom: 0 });
    clock.advance(1000);
    ptz.continuousMove({ pan: 0, tilt: 0.5, zoom: 0 });
    clock.advance(1000);
    expect(ptz.position).toEqual({ pan: 0.5, tilt: 0.5, zoom: 0 });
    ptz.continuousMove({ pan: 0, tilt: 0, zoom: 0 });
    expect(ptz.velocity).toBeNull();
    expect(ptz.moves).toBe(3);
  });

  it('honours unitsPerSecond', () => {
    const clock = new ManualClock(0);
    const ptz = new PtzModel({ clock, unitsPerSecond: 0.5 });
    ptz.continuousMove({ pan: 1, tilt: 0, zoom: 0 });
    clock.advance(1000);
    expect(ptz.position.pan).toBeCloseTo(0.5, 10);
  });

  it('moves absolutely and relatively, and rejects out-of-range input', () => {
    const { ptz } = setup();
    ptz.absoluteMove({ pan: -0.5, tilt: 0.5, zoom: 1 });
    expect(ptz.position).toEqual({ pan: -0.5, tilt: 0.5, zoom: 1 });
    ptz.relativeMove({ pan: 0.25, tilt: 0.75, zoom: -0.5 });
    expect(ptz.position).toEqual({ pan: -0.25, tilt: 1, zoom: 0.5 });
    expect(() => ptz.absoluteMove({ pan: 0, tilt: 0, zoom: -0.1 })).toThrow(RangeError);
    expect(() => ptz.continuousMove({ pan: 1.5, tilt: 0, zoom: 0 })).toThrow(RangeError);
    expect(() => ptz.continuousMove({ pan: Number.NaN, tilt: 0, zoom: 0 })).toThrow(RangeError);
    expect(() => ptz.continuousMove({ pan: 0, tilt: 0, zoom: 0 }, -1)).toThrow(RangeError);
    expect(ptz.moves).toBe(0);
  });

  it('stores, lists, recalls, overwrites and removes presets', () => {
    const { clock, ptz } = setup();
    ptz.absoluteMove({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    const first = ptz.setPreset('gate');
    ptz.absoluteMove({ pan: -0.4, tilt: 0, zoom: 0 });
    const second = ptz.setPreset();
    expect([first, second]).toEqual(['1', '2']);
    expect(ptz.presets()).toEqual([
      { id: '1', name: 'gate', position: { pan: 0.1, tilt: 0.2, zoom: 0.3 } },
      { id: '2', name: 'Preset 2', position: { pan: -0.4, tilt: 0, zoom: 0 } },
    ]);
    ptz.continuousMove({ pan: 0.5, tilt: 0, zoom: 0 });
    clock.advance(300);
    ptz.gotoPreset('1');
    expect(ptz.velocity).toBeNull();
    expect(ptz.position).toEqual({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    // Overwriting keeps the name unless a new one is given.
    ptz.absoluteMove({ pan: 0.9, tilt: 0, zoom: 0 });
    expect(ptz.setPreset(undefined, '1')).toBe('1');
    expect(ptz.presets()[0]).toEqual({ id: '1', name: 'gate', position: { pan: 0.9, tilt: 0, zoom: 0 } });
    expect(ptz.setPreset('named', 'door')).toBe('door');
    ptz.removePreset('1');
    expect(ptz.setPreset()).toBe('1');
    expect(ptz.presets().map((p) => p.id)).toEqual(['1', '2', 'door']);
    expect(() => ptz.gotoPreset('99')).toThrow(RangeError);
    expect(() => ptz.removePreset('99')).toThrow(RangeError);
    expect(ptz.hasPreset('door')).toBe(true);
  });

  it('refuses presets beyond maxPresets', () => {
    const ptz = new PtzModel({ clock: new ManualClock(0), maxPresets: 1 });
    ptz.setPreset();
    expect(() => ptz.setPreset()).toThrow(RangeError);
    expect(ptz.setPreset('again', '1')).toBe('1');
  });

  it('goes home and sets a new home', () => {
    const { ptz } = setup();
    ptz.absoluteMove({ pan: 0.3, tilt: 0.3, zoom: 0.3 });
    ptz.gotoHome();
    expect(ptz.position).toEqual({ pan: 0, tilt: 0, zoom: 0 });
    ptz.absoluteMove({ pan: 0.7, tilt: -0.2, zoom: 0.1 });
    ptz.setHome();
    ptz.absoluteMove({ pan: 0, tilt: 0, zoom: 0 });
    ptz.gotoHome();
    expect(ptz.position).toEqual({ pan: 0.7, tilt: -0.2, zoom: 0.1 });
    expect(ptz.toJSON()).toMatchObject({ position: { pan: 0.7 }, velocity: null, presets: 0 });
  });
});
