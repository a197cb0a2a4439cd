import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { ffprobe, sampleMedia } from '../test-media.test-helper.js';
import { accessUnits, splitAnnexB } from './ffmpeg.test-helper.js';
import { snapshotJpeg } from './snapshot.js';

describe('snapshotJpeg', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'argus-snap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function firstKeyframe(codec: 'h264' | 'h265'): Promise<{ units: Uint8Array[]; parameterSets: Uint8Array[] }> {
    const file = await sampleMedia({ codec, seconds: 1, width: 320, height: 240 });
    const au = accessUnits(splitAnnexB(new Uint8Array(readFileSync(file))), codec)[0]!;
    expect(au.keyframe).toBe(true);
    // Parameter sets go out of band, as a TrackInfo carries them.
    const isParameterSet = (nal: Uint8Array): boolean =>
      codec === 'h264' ? [7, 8].includes(nal[0]! & 0x1f) : [32, 33, 34].includes((nal[0]! >> 1) & 0x3f);
    return { units: au.units.filter((nal) => !isParameterSet(nal)), parameterSets: au.units.filter(isParameterSet) };
  }

  it.each(['h264', 'h265'] as const)('turns the first %s keyframe into a JPEG of the source size', async (codec) => {
    const { units, parameterSets } = await firstKeyframe(codec);
    expect(parameterSets.length).toBeGreaterThanOrEqual(2);
    const jpeg = await snapshotJpeg({ codec, units, parameterSets });
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const file = join(dir, `${codec}.jpg`);
    writeFileSync(file, jpeg);
    const report = await ffprobe(file);
    expect(report.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 240 });
  });

  it('scales to the requested width', async () => {
    const { units, parameterSets } = await firstKeyframe('h264');
    const file = join(dir, 'small.jpg');
    writeFileSync(file, await snapshotJpeg({ codec: 'h264', units, parameterSets }, { width: 160, quality: 50 }));
    expect((await ffprobe(file)).streams[0]).toMatchObject({ width: 160, height: 120 });
  });

  it('rejects garbage with ARGUS_ERR_MEDIA_DECODE_FAILED', async () => {
    const garbage = Uint8Array.from({ length: 2000 }, (_, i) => (i * 31 + 7) % 256);
    let error: unknown;
    try {
      await snapshotJpeg({ codec: 'h264', units: [garbage] });
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_MEDIA_DECODE_FAILED')).toBe(true);
  });

  it('treats bad arguments as misuse', () => {
    expect(() => snapshotJpeg({ codec: 'h264', units: [] })).toThrow(RangeError);
    expect(() => snapshotJpeg({ codec: 'h264', units: [Uint8Array.of(1)] }, { quality: 0 })).toThrow(RangeError);
  });
});
