import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { ffprobePath } from '@argus/core/media';
import { loopSpecOf } from './farm-camera-config.js';
import { ensureLoopFile, FarmLoop, filterValue, loopFileName } from './farm-loop.js';

const run = promisify(execFile);
const cacheDir = mkdtempSync(join(tmpdir(), 'argus-farm-loop-test-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

async function probe(file: string): Promise<{ codec: string; width: number; height: number; keyframes: boolean[] }> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-show_streams', '-of', 'json', file]);
  const stream = (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0];
  const frames = await run(ffprobePath(), ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', file]);
  const keyframes = frames.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '').map((line) => line.startsWith('1'));
  return { codec: stream?.codec_name ?? '', width: stream?.width ?? 0, height: stream?.height ?? 0, keyframes };
}

const small = { width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 } as const;

describe('loopSpecOf', () => {
  it('rounds the loop up to whole GOPs and checks the config', () => {
    const spec = loopSpecOf({ id: 'a', fps: 25, gopSeconds: 2, loopSeconds: 3 });
    expect(spec).toMatchObject({ codec: 'h264', width: 640, height: 360, gopFrames: 50, loopFrames: 100, label: 'H264 640x360 25fps' });
    expect(() => loopSpecOf({ id: 'a/b' })).toThrow(TypeError);
    expect(() => loopSpecOf({ id: 'a', codec: 'vp8' as 'h264' })).toThrow(TypeError);
    expect(() => loopSpecOf({ id: 'a', width: 321 })).toThrow(RangeError);
    expect(() => loopSpecOf({ id: 'a', fps: 0 })).toThrow(RangeError);
  });

  it('keys the cache file by everything that shapes the picture', () => {
    const base = loopSpecOf({ id: 'a', ...small });
    expect(loopFileName(loopSpecOf({ id: 'other', ...small }))).toBe(loopFileName(base));
    expect(loopFileName(loopSpecOf({ id: 'a', ...small, name: 'Gate 1' }))).not.toBe(loopFileName(base));
    expect(loopFileName(loopSpecOf({ id: 'a', ...small, bitrateKbps: 301 }))).not.toBe(loopFileName(base));
  });
});

describe('filterValue', () => {
  it('quotes for the option parser and escapes for the graph parser', () => {
    expect(filterValue('a:b')).toBe("\\'a:b\\'");
    expect(filterValue("it's")).toBe("\\'it\\'\\\\\\'\\'s\\'");
    expect(filterValue('x,y[z];\\')).toBe("\\'x\\,y\\[z\\]\\;\\\\\\'");
  });
});

describe('ensureLoopFile', () => {
  for (const codec of ['h264', 'h265'] as const) {
    it(`encodes a ${codec} loop of whole GOPs that ffprobe reads, once`, async () => {
      const spec = loopSpecOf({ id: 'x', codec, ...small });
      const first = await ensureLoopFile(spec, cacheDir);
      expect(first.generated).toBe(true);
      const report = await probe(first.file);
      expect(report).toMatchObject({ codec: codec === 'h264' ? 'h264' : 'hevc', width: 320, height: 240 });
      expect(report.keyframes).toHaveLength(20);
      expect(report.keyframes.map((key, i) => (key ? i : -1)).filter((i) => i >= 0)).toEqual([0, 10]);

      const mtime = statSync(first.file).mtimeMs;
      const second = await ensureLoopFile(spec, cacheDir);
      expect(second).toEqual({ file: first.file, generated: false });
      expect(statSync(first.file).mtimeMs).toBe(mtime);
    });
  }

  it('burns in any name, however it is punctuated', async () => {
    const spec = loopSpecOf({ id: 'x', ...small, loopSeconds: 1, name: "it's: a, [test]; 100% \\ done" });
    const { file } = await ensureLoopFile(spec, cacheDir);
    expect((await probe(file)).keyframes).toHaveLength(10);
  });

  it.skipIf(!existsSync('/usr/bin/ffmpeg'))('works with the Debian ffmpeg too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-farm-debian-'));
    try {
      for (const codec of ['h264', 'h265'] as const) {
        const spec = loopSpecOf({ id: 'x', codec, ...small, name: 'Debian: 5.1' });
        const { file } = await ensureLoopFile(spec, dir, '/usr/bin/ffmpeg');
        expect(FarmLoop.fromAnnexB(readFileSync(file), spec).frames).toHaveLength(20);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failing ffmpeg with a code and leaves no partial file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-farm-fail-'));
    try {
      const spec = loopSpecOf({ id: 'x', ...small });
      const err = await ensureLoopFile(spec, dir, join(dir, 'no-such-ffmpeg')).catch((e: unknown) => e);
      expect(hasErrorCode(err, 'ARGUS_ERR_MEDIA_FFMPEG_FAILED')).toBe(true);
      expect(existsSync(join(dir, loopFileName(spec)))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FarmLoop', () => {
  for (const codec of ['h264', 'h265'] as const) {
    it(`holds a ${codec} loop as frames with parameter sets in every keyframe and no AUDs`, async () => {
      const spec = loopSpecOf({ id: 'x', codec, ...small });
      const loop = await FarmLoop.load((await ensureLoopFile(spec, cacheDir)).file, spec);
      expect(loop.frames).toHaveLength(20);
      expect(loop.frames.map((f) => f.keyframe).filter(Boolean)).toHaveLength(2);
      expect(loop.track).toMatchObject({ id: 0, kind: 'video', codec, width: 320, height: 240, fps: 10, timescale: 90_000 });
      expect(loop.track.parameterSets?.length).toBe(codec === 'h264' ? 2 : 3);
      const type = codec === 'h264' ? (u: Uint8Array) => (u[0] as number) & 0x1f : (u: Uint8Array) => ((u[0] as number) >> 1) & 0x3f;
      const sps = codec === 'h264' ? 7 : 33;
      const aud = codec === 'h264' ? 9 : 35;
      for (const frame of loop.frames) {
        expect(frame.units.some((u) => type(u) === aud)).toBe(false);
        expect(frame.units.some((u) => type(u) === sps)).toBe(frame.keyframe);
      }
      // Every unit is a view of one packed buffer.
      const buffers = new Set(loop.frames.flatMap((f) => f.units.map((u) => u.buffer)));
      expect(buffers.size).toBe(1);
      expect(loop.byteLength).toBeGreaterThan(0);
    });
  }

  it('refuses a loop whose GOPs do not fit the spec', async () => {
    const spec = loopSpecOf({ id: 'x', ...small });
    const bytes = readFileSync((await ensureLoopFile(spec, cacheDir)).file);
    const wrongGop = { ...spec, gopFrames: 8, loopFrames: 24 };
    expect(() => FarmLoop.fromAnnexB(bytes, wrongGop)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
    const err = (() => {
      try {
        FarmLoop.fromAnnexB(new Uint8Array([0, 0, 1, 0x41, 0x9a, 0, 0, 1, 0x41, 0x9a]), spec);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(hasErrorCode(err, 'ARGUS_ERR_MEDIA_BITSTREAM')).toBe(true);
    expect(() => FarmLoop.fromAnnexB(new Uint8Array(0), spec)).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_MEDIA_BITSTREAM' }));
  });
});
