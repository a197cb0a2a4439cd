import { readFileSync } from 'node:fs';
import { from, interval, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { accessUnits, ffmpegChildren, processExists, splitAnnexB, waitFor } from './ffmpeg.test-helper.js';
import { transcodeToH264 } from './transcode.js';

async function h265Packets(): Promise<MediaPacket[]> {
  const file = await sampleMedia({ codec: 'h265', seconds: 2, width: 320, height: 240, gop: 25 });
  const aus = accessUnits(splitAnnexB(new Uint8Array(readFileSync(file))), 'h265');
  const isParameterSet = (nal: Uint8Array): boolean => [32, 33, 34].includes((nal[0]! >> 1) & 0x3f);
  const track: TrackInfo = {
    id: 3,
    kind: 'video',
    codec: 'h265',
    timescale: 90000,
    parameterSets: aus[0]!.units.filter(isParameterSet),
  };
  // Irregular timestamps (as from a camera) starting far from zero: the output must keep them exactly.
  return aus.map((au, i) => ({
    track,
    pts: 1_000_000 + i * 3600 + (i % 3) * 17,
    keyframe: au.keyframe,
    units: au.units.filter((nal) => !isParameterSet(nal)),
  }));
}

describe('transcodeToH264', () => {
  it('turns H.265 packets into as many H.264 packets with the same pts', async () => {
    const input = await h265Packets();
    // A leading non-keyframe is skipped: the transcoder starts at the first keyframe.
    const leading = { ...input[1]!, pts: input[0]!.pts - 3600 };
    const output = await lastValueFrom(from([leading, ...input]).pipe(transcodeToH264({ gop: 25 }), toArray()));
    expect(output).toHaveLength(input.length);
    expect(output.map((packet) => packet.pts)).toEqual(input.map((packet) => packet.pts));
    expect(output[0]!.keyframe).toBe(true);
    expect(output[0]!.track).toMatchObject({ id: 3, codec: 'h264', timescale: 90000, width: 320, height: 240 });
    expect(output[0]!.track.parameterSets?.map((set) => set[0]! & 0x1f)).toEqual([7, 8]);
    expect(output.filter((packet) => packet.keyframe)).toHaveLength(2);
  });

  it('kills ffmpeg when the subscriber leaves', async () => {
    const input = await h265Packets();
    // An endless live source: the packets again and again, 10 ms apart.
    const live$ = interval(10).pipe(map((i) => ({ ...input[i % input.length]!, pts: i * 3600 })));
    const outputs: MediaPacket[] = [];
    const subscription = live$.pipe(transcodeToH264()).subscribe({ next: (packet) => outputs.push(packet), error: () => undefined });
    expect(await waitFor(() => outputs.length > 0)).toBe(true);
    const children = ffmpegChildren();
    expect(children).toHaveLength(1);
    subscription.unsubscribe();
    expect(await waitFor(() => !processExists(children[0]!))).toBe(true);
  });
});
