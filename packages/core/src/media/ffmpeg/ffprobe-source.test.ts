import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { ffmpegPath } from './binaries.js';
import { parseFfmpegInputReport, probeWithFfprobe } from './ffprobe-source.js';

const run = promisify(execFile);

describe('probeWithFfprobe', () => {
  let dir: string;
  let mp4: string;
  let ts: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'argus-probe-'));
    const video = await sampleMedia({ codec: 'h264', seconds: 1 });
    const audio = await sampleMedia({ codec: 'aac', seconds: 1 });
    mp4 = join(dir, 'a.mp4');
    ts = join(dir, 'a.ts');
    for (const out of [mp4, ts]) {
      await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-r', '25', '-f', 'h264', '-i', video, '-i', audio, '-c', 'copy', ...(out === mp4 ? ['-bsf:a', 'aac_adtstoasc'] : []), out]);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['mp4', 'ts'])('reports format, video and audio of a %s file', async (kind) => {
    const info = await probeWithFfprobe(kind === 'mp4' ? mp4 : ts, { timeoutMs: 10_000 });
    expect(info.format).toContain(kind === 'mp4' ? 'mp4' : 'mpegts');
    expect(info.video).toMatchObject({ codec: 'h264', width: 320, height: 240, fps: 25 });
    expect(info.audio).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 1 });
    expect(info.durationSec).toBeGreaterThan(0.9);
  });

  it('fails with a typed error for a missing file', async () => {
    let error: unknown;
    try {
      await probeWithFfprobe(join(dir, 'missing.mp4'));
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_MEDIA_FFMPEG_FAILED')).toBe(true);
  });

  it('parses the input report of ffmpeg (fallback path)', () => {
    const report = [
      "Input #0, hls, from 'http://127.0.0.1:8080/index.m3u8':",
      '  Duration: 00:00:02.00, start: 1.400000, bitrate: 120 kb/s',
      '    Stream #0:0: Video: h264 (Constrained Baseline) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 90k tbn',
      '    Stream #0:1(und): Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp',
      'At least one output file must be specified',
    ].join('\n');
    expect(parseFfmpegInputReport(report)).toEqual({
      format: 'hls',
      durationSec: 2,
      bitrate: 120000,
      video: { codec: 'h264', width: 320, height: 240, fps: 25 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
    });
    expect(parseFfmpegInputReport('garbage')).toBeUndefined();
  });
});
