import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KeyframeGate, keyframeGate } from './keyframe-gate.js';
import { labelsOf, packets } from './test-packets.js';

describe('KeyframeGate', () => {
  it('drops video and audio until the first video keyframe, then passes everything', () => {
    const gate = new KeyframeGate();
    const out = packets('PAPKPAPK').flatMap((packet) => gate.process(packet));
    expect(labelsOf(out)).toEqual(['K3', 'P4', 'A5', 'P6', 'K7']);
    expect(gate.toJSON()).toEqual({ open: true, dropped: 3, passed: 5 });
  });

  it('is closed until a keyframe arrives', () => {
    const gate = new KeyframeGate();
    packets('AP').forEach((packet) => gate.process(packet));
    expect(gate.open).toBe(false);
  });

  it('operator form', async () => {
    const out = await lastValueFrom(from(packets('PKP')).pipe(keyframeGate(), toArray()));
    expect(labelsOf(out)).toEqual(['K1', 'P2']);
  });
});
