import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import type { MediaPacket } from '../../stream/media-packet.js';
import { unusedPort } from '../../testing/unused-port.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { ffmpegPath } from './binaries.js';
import { processExists, serve, splitJpegs, waitFor } from './ffmpeg.test-helper.js';
import { ffmpegSource } from './ffmpeg-source.js';
import { redactCredentials } from './ffmpeg-errors.js';

const run = promisify(execFile);
const protocols = execFileSync(ffmpegPath(), ['-hide_banner', '-protocols'], { encoding: 'utf8' });
const hasSrt = /^\s*srt$/m.test(protocols);
if (!hasSrt) console.info(`SRT test skipped: ${ffmpegPath()} was built without the srt protocol (set FFMPEG_PATH to one with libsrt)`);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('ffmpegSource', () => {
  let dir: string;
  let jpegs: Uint8Array[];
  let mjpeg: Awaited<ReturnType<typeof serve>>;
  let hls: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'argus-ffsrc-'));
    jpegs = splitJpegs(new Uint8Array(readFileSync(await sampleMedia({ codec: 'mjpeg', seconds: 2 }))));
    mjpeg = await serve((req, res) => {
      if (req.url !== '/video.mjpg') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame' });
      let i = 0;
      const timer = setInterval(() => {
        const jpeg = jpegs[i++ % jpegs.length]!;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
        res.write(jpeg);
        res.write('\r\n');
      }, 20);
      res.on('close', () => clearInterval(timer));
    });

    const h264 = await sampleMedia({ codec: 'h264', seconds: 2, gop: 25 });
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-r', '25', '-f', 'h264', '-i', h264, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', join(dir, 'index.m3u8')]);
    hls = await serve((req, res) => {
      if (req.headers.authorization === undefined && req.url === '/private/index.m3u8') {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end();
        return;
      }
      const name = (req.url ?? '').replace(/^\/(private\/)?/, '');
      let body: Buffer;
      try {
        if (name.includes('/') || name.includes('..')) throw new Error('bad path');
        body = readFileSync(join(dir, name));
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(body);
    });
  });
  afterAll(async () => {
    await mjpeg.close();
    await hls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('normalises MJPEG over HTTP to H.264, keyframe first', async () => {
    const source$ = ffmpegSource(`${mjpeg.url}/video.mjpg`, { gop: 10, audio: false });
    const packets = await lastValueFrom(source$.pipe(take(30), toArray()));
    expect(packets).toHaveLength(30);
    expect(packets[0]!.keyframe).toBe(true);
    expect(packets.every((packet: MediaPacket) => packet.track.codec === 'h264')).toBe(true);
    expect(packets.filter((packet) => packet.keyframe).length).toBeGreaterThanOrEqual(3);
    expect(packets[0]!.track.parameterSets?.length).toBe(2);
    expect(source$.stats()).toMatchObject({ videoMode: 'h264', audioMode: 'none', inputWidth: 320, inputHeight: 240 });
  });

  it('copies H.264 from an HLS playlist without re-encoding', async () => {
    const source$ = ffmpegSource(`${hls.url}/index.m3u8`);
    const packets = await lastValueFrom(source$.pipe(toArray()));
    expect(source$.stats().videoMode).toBe('copy');
    expect(packets).toHaveLength(50);
    expect(packets[0]!.track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(packets.filter((packet) => packet.keyframe)).toHaveLength(2);
  });

  it('maps a refused connection to ARGUS_ERR_DRIVER_UNREACHABLE', async () => {
    const port = await unusedPort();
    const err = await failure(firstValueFrom(ffmpegSource(`http://user:secret@127.0.0.1:${port}/x.m3u8`)));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
    expect(JSON.stringify(err)).not.toContain('secret');
  });

  it('maps HTTP 401 to ARGUS_ERR_DRIVER_AUTH', async () => {
    const err = await failure(firstValueFrom(ffmpegSource(`${hls.url}/private/index.m3u8`, { videoCodec: 'copy' })));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('maps HTTP 404 to ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND, from the probe too', async () => {
    const err = await failure(firstValueFrom(ffmpegSource(`${hls.url}/missing.m3u8`)));
    expect(hasErrorCode(err, 'ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND')).toBe(true);
  });

  it('kills ffmpeg on unsubscribe', async () => {
    const source$ = ffmpegSource(`${mjpeg.url}/video.mjpg`, { videoCodec: 'h264', audio: false });
    const subscription = source$.subscribe({ error: () => undefined });
    expect(await waitFor(() => source$.stats().videoPackets > 0)).toBe(true);
    const pid = source$.stats().pid!;
    expect(processExists(pid)).toBe(true);
    subscription.unsubscribe();
    expect(await waitFor(() => !processExists(pid))).toBe(true);
  });

  it('reads RTMP from an ffmpeg publisher', async () => {
    const port = await unusedPort();
    const h264 = await sampleMedia({ codec: 'h264', seconds: 2, gop: 25 });
    // ffmpeg as the RTMP server (listen mode), our source as the client pulling from it.
    const source$ = ffmpegSource(`rtmp://127.0.0.1:${port}/live/cam`, { videoCodec: 'copy', audio: false });
    const server = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-re', '-r', '25', '-f', 'h264', '-i', h264, '-c', 'copy', '-f', 'flv', '-listen', '1', `rtmp://127.0.0.1:${port}/live/cam`], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const packets = await lastValueFrom(source$.pipe(take(10), toArray()));
      expect(packets[0]!.keyframe).toBe(true);
      expect(packets[0]!.track.codec).toBe('h264');
    } finally {
      server.kill('SIGKILL');
    }
  });

  it.skipIf(!hasSrt)('reads SRT from an ffmpeg listener', async () => {
    const port = await unusedPort();
    const h264 = await sampleMedia({ codec: 'h264', seconds: 2, gop: 25 });
    const server = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-re', '-r', '25', '-f', 'h264', '-i', h264, '-c', 'copy', '-f', 'mpegts', `srt://127.0.0.1:${port}?mode=listener`], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const source$ = ffmpegSource(`srt://127.0.0.1:${port}?mode=caller`, { videoCodec: 'copy', audio: false });
      const packets = await lastValueFrom(source$.pipe(take(10), toArray()));
      expect(packets[0]!.keyframe).toBe(true);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('redacts credentials from URLs', () => {
    expect(redactCredentials('rtsp://admin:12345@10.0.0.1/x and http://u@h/')).toBe('rtsp://***@10.0.0.1/x and http://***@h/');
  });
});
