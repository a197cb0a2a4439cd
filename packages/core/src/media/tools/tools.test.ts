// rtspSource, probeStream and recordStream against a real RtspServer on loopback, checked with ffprobe/ffmpeg.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { scriptedRtspCamera, type ScriptedRtspCamera } from '../../testing/scripted-rtsp-camera.js';
import { unusedPort } from '../../testing/unused-port.js';
import { testSource } from '../loop-source.test-helper.js';
import { RtspServer } from '../rtsp/rtsp-server.js';
import { rtspSource } from '../rtsp/rtsp-source.js';
import { decodeWithFfmpeg, ffprobe } from '../test-media.test-helper.js';
import { probeStream } from './probe-stream.js';
import { recordStream } from './record-stream.js';

const credentials = { username: 'viewer', password: 'S3cret!pass' };
let server: RtspServer;
let dir: string;
const scripted: ScriptedRtspCamera[] = [];

/** A camera answering DESCRIBE with `sdp`, closed after the tests. */
async function scriptedCamera(sdp: string): Promise<string> {
  const camera = await scriptedRtspCamera(sdp);
  scripted.push(camera);
  return camera.url;
}


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-tools-'));
  server = new RtspServer({ port: 0, authModes: ['digest', 'basic'] });
  server.mount('/cam-av', await testSource('h264', { audio: true, periodMs: 10 }), { credentials });
  server.mount('/cam-hevc', await testSource('h265', { periodMs: 10 }));
  await server.listen();
});

afterAll(async () => {
  await server.close();
  await Promise.all(scripted.map((camera) => camera.close()));
  if (process.env['KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
});

describe('rtspSource', () => {
  it.each(['tcp', 'udp'] as const)('delivers H.264 + AAC access units over %s, from a keyframe, in order, with no loss', async (transport) => {
    const source$ = rtspSource({ url: server.url('/cam-av'), ...credentials, transport });
    const packets = await firstValueFrom(source$.pipe(take(80), toArray()));
    const video = packets.filter((p) => p.track.kind === 'video');
    const audio = packets.filter((p) => p.track.kind === 'audio');
    expect(video[0]?.keyframe).toBe(true);
    expect(video[0]?.track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(audio.length).toBeGreaterThan(0);
    expect(audio[0]?.track).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    const steps = video.slice(1).map((p, i) => p.pts - video[i]!.pts);
    expect(new Set(steps)).toEqual(new Set([3600]));
    expect(source$.stats().tracks.every((t) => t.receiver.lost === 0)).toBe(true);
  });

  it('reports wrong credentials, an unknown path and a refused port with typed errors', async () => {
    const wrong = await firstValueFrom(rtspSource({ url: server.url('/cam-av'), username: 'viewer', password: 'nope' })).catch((e: unknown) => e);
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    const missing = await firstValueFrom(rtspSource({ url: server.url('/nothing-here') })).catch((e: unknown) => e);
    expect(hasErrorCode(missing, 'ARGUS_ERR_RTSP_NOT_FOUND')).toBe(true);
    const refused = await firstValueFrom(rtspSource({ url: `rtsp://127.0.0.1:${await unusedPort()}/x` })).catch((e: unknown) => e);
    expect(hasErrorCode(refused, 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
  });

  it('refuses a stream with no supported codec, and a malformed SDP, with typed errors', async () => {
    const mpeg4 = await scriptedCamera('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\na=control:track1\r\n');
    const unsupported = await firstValueFrom(rtspSource({ url: mpeg4 })).catch((e: unknown) => e);
    expect(hasErrorCode(unsupported, 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC')).toBe(true);
    expect((unsupported as Error).message).toContain('MP4V-ES');
    const garbage = await scriptedCamera('this is not an SDP at all');
    const malformed = await firstValueFrom(rtspSource({ url: garbage })).catch((e: unknown) => e);
    expect(hasErrorCode(malformed, 'ARGUS_ERR_SDP_MALFORMED')).toBe(true);
  });
});

describe('probeStream', () => {
  it('measures codec, profile, resolution, fps, bitrate and audio through the native path', async () => {
    const url = server.url('/cam-av').replace('rtsp://', `rtsp://${credentials.username}:${encodeURIComponent(credentials.password)}@`);
    const probe = await probeStream(url, { seconds: 1 });
    expect(probe).toMatchObject({
      protocol: 'rtsp',
      path: 'native',
      authenticated: true,
      transport: 'tcp',
      video: { codec: 'h264', width: 320, height: 240, fps: 25, profile: 'Baseline' },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
    });
    expect(probe.url).not.toContain(credentials.password);
    expect(probe.bitrateKbps).toBeGreaterThan(0);
    expect(probe.video?.codecString).toMatch(/^avc1\./);
  });

  it('identifies H.265', async () => {
    const probe = await probeStream(server.url('/cam-hevc'), { seconds: 1 });
    expect(probe.video).toMatchObject({ codec: 'h265', width: 320, height: 240, profile: 'Main' });
    expect(probe.authenticated).toBe(false);
  });
});

describe('recordStream', () => {
  it('writes an MP4 through the native path that ffprobe reads and ffmpeg decodes', async () => {
    const out = join(dir, 'cam-av.mp4');
    const result = await recordStream(server.url('/cam-av'), { seconds: 2, out, ...credentials });
    expect(result).toMatchObject({ path: 'native', file: out });
    expect(result.durationSeconds).toBeGreaterThanOrEqual(2);
    const report = await ffprobe(out);
    const video = report.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(video?.nb_read_frames)).toBe(result.frames);
    expect(report.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
    expect(await decodeWithFfmpeg(out)).toBe('');
  });

  it('records H.265 into hvc1', async () => {
    const out = join(dir, 'cam-hevc.mp4');
    await recordStream(server.url('/cam-hevc'), { seconds: 1, out, transport: 'udp' });
    const report = await ffprobe(out);
    expect(report.streams[0]).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
    expect(await decodeWithFfmpeg(out)).toBe('');
  });
});
