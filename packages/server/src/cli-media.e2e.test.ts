// `argus probe` and `argus record` against the camera farm over real loopback RTSP, and their failure lines.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, ffprobePath, type StreamProbe } from '@argus/core/media';
import { scriptedRtspCamera, unusedPort, type ScriptedRtspCamera } from '@argus/core/testing';
import { CameraFarm } from '@argus/driver-simulated';
import { main, type CliIo } from '@argus/server';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/argus.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)));
const small = { width: 320, height: 240, fps: 25, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 };
const operator = { username: 'operator', password: 'Op3rator!pass' };

let farm: CameraFarm;
let dir: string;
const cameras: ScriptedRtspCamera[] = [];

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {} };
  const code = await main(args, io);
  return { code, out, err };
}


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-cli-'));
  farm = new CameraFarm({
    cameras: [
      { id: 'gate-1', ...small },
      { id: 'vault', codec: 'h265', credentials: operator, ...small },
    ],
    port: 0,
    cacheDir: join(tmpdir(), 'argus-farm-cache-tests'),
  });
  await farm.start();
}, 120_000);

afterAll(async () => {
  await farm?.close();
  await Promise.all(cameras.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('argus probe', () => {
  it('prints the documented JSON for a farm camera', async () => {
    const { code, out, err } = await cli(['probe', farm.url('gate-1'), '--json', '--seconds', '1']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const probe = JSON.parse(out) as StreamProbe;
    expect(probe).toMatchObject({
      url: farm.url('gate-1'),
      protocol: 'rtsp',
      path: 'native',
      authenticated: false,
      video: { codec: 'h264', width: 320, height: 240, fps: 25, profile: 'Main' },
      audio: null,
    });
    expect(probe.bitrateKbps).toBeGreaterThan(0);
  });

  it('authenticates with --user/--pass and says so, never echoing the password', async () => {
    const { code, out } = await cli(['probe', farm.url('vault'), '--user', operator.username, '--pass', operator.password, '--seconds', '1']);
    expect(code).toBe(0);
    expect(out).toMatch(/^video: +h265 Main/m);
    expect(out).toMatch(/^auth: +credentials accepted$/m);
    expect(out).not.toContain(operator.password);
  });

  it('probes a file through ffprobe', async () => {
    const out = join(dir, 'probe-me.mp4');
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out]);
    const { code, out: text } = await cli(['probe', out, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(text)).toMatchObject({ protocol: 'file', path: 'ffmpeg', video: { codec: 'h264', width: 160, height: 120 } });
  });

  it.each([
    ['an unreachable host', async () => `rtsp://127.0.0.1:${await unusedPort()}/cam`, [], 'ARGUS_ERR_DRIVER_UNREACHABLE'],
    ['a 401', async () => farm.url('vault'), [], 'ARGUS_ERR_DRIVER_AUTH'],
    ['a wrong password', async () => farm.url('vault'), ['--user', 'operator', '--pass', 'guess'], 'ARGUS_ERR_DRIVER_AUTH'],
    ['an unknown stream path', async () => farm.url('gate-1').replace('gate-1', 'no-such-camera'), [], 'ARGUS_ERR_RTSP_NOT_FOUND'],
    ['an unsupported codec', async () => {
      const camera = await scriptedRtspCamera('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n');
      cameras.push(camera);
      return camera.url;
    }, [], 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC'],
    ['a malformed SDP', async () => {
      const camera = await scriptedRtspCamera('<html>not an sdp</html>');
      cameras.push(camera);
      return camera.url;
    }, [], 'ARGUS_ERR_SDP_MALFORMED'],
  ] as const)('fails on %s with one line and exit code 1', async (_name, url, extra, code) => {
    const result = await cli(['probe', await url(), ...extra]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
    expect(result.err).toMatch(new RegExp(`^argus: ${code}: `));
    expect(result.err).not.toContain('guess');
  });
});

describe('argus record', () => {
  it.runIf(built)('writes a playable MP4 through the native path (the real command)', async () => {
    const out = join(dir, 'gate-1.mp4');
    const { stdout } = await run(process.execPath, [bin, 'record', farm.url('gate-1'), '--seconds', '2', '--out', out]);
    expect(stdout).toMatch(/^recorded 2(\.\d+)? s \(\d+ frames, \d+ bytes, native path\)/);
    const { stdout: report } = await run(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', out]);
    const stream = (JSON.parse(report) as { streams: { codec_name: string; width: number; nb_read_frames: string }[] }).streams[0];
    expect(stream).toMatchObject({ codec_name: 'h264', width: 320 });
    expect(Number(stream?.nb_read_frames)).toBeGreaterThanOrEqual(50);
    const { stderr } = await run(ffmpegPath(), ['-v', 'error', '-xerror', '-i', out, '-f', 'null', '-']);
    expect(stderr).toBe('');
  });

  it('refuses missing arguments and reports source errors in one line', async () => {
    expect(await cli(['record', farm.url('gate-1'), '--out', join(dir, 'x.mp4')])).toMatchObject({ code: 1, err: 'argus: record needs --seconds N\n' });
    expect(await cli(['record', farm.url('gate-1'), '--seconds', '2'])).toMatchObject({ code: 1, err: 'argus: record needs --out FILE.mp4\n' });
    const denied = await cli(['record', farm.url('vault'), '--seconds', '1', '--out', join(dir, 'denied.mp4')]);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/^argus: ARGUS_ERR_DRIVER_AUTH: /);
  });
});
