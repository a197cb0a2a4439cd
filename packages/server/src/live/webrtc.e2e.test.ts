// WebRTC live view (WHEP-style) through a real port and real ICE/DTLS/SRTP over loopback, from a simulated camera
// farm (plain RTSP cameras, the 4th H.265, as in the demo preset); a werift client receives the RTP, depacketizes it
// and ffprobe checks the H.264 it carries.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { RTCPeerConnection, RTCRtpCodecParameters, type MediaStreamTrack, type RtpPacket as WeriftRtpPacket } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraCategory, MediaPacket } from '@argus/core';
import { ffprobePath, H264Depacketizer, h264NalType, parseRtp } from '@argus/core/media';
import { rtsp } from '@argus/driver-rtsp';
import { CameraFarm, cameraFarmPreset } from '@argus/driver-simulated';
import type { AuditEntry, AuthContext, RunningServer } from '@argus/server';
import { apiClient } from '../api-client.test-helper.js';
import { loadServerConfig } from '../load-config.js';
import { startServer } from '../start-server.js';
import { registerWebRtcRoutes } from './webrtc-routes.js';

const run = promisify(execFile);
const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
const LOOPBACK = '127.0.0.1';
const WAIT_MS = 30_000;
const FRAMES = 50;
const AGENCIES = ['police', 'transport', 'environment', 'district-1'] as const;
let farm: CameraFarm;
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let adminToken: string;
let officerToken: string;

/** What a viewer offers: H.264 in both packetization modes and two profiles, as browsers do. */
function viewerCodecs(): RTCRtpCodecParameters[] {
  const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
  return ['profile-level-id=42e01f;packetization-mode=0', 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1', 'profile-level-id=64001f;packetization-mode=1;level-asymmetry-allowed=1'].map(
    (parameters) => new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90_000, rtcpFeedback: feedback, parameters }),
  );
}

/** A werift viewer restricted to loopback: its only candidate is 127.0.0.1 and it pairs only with 127.0.0.1. */
function viewer(): RTCPeerConnection {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK],
    iceInterfaceAddresses: { udp4: LOOPBACK },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === LOOPBACK && pair.remoteCandidate.host === LOOPBACK,
    codecs: { video: viewerCodecs() },
  });
  pc.addTransceiver('video', { direction: 'recvonly' });
  return pc;
}

/** A non-trickle offer: after ICE gathering. */
async function offerOf(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve, reject) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(() => reject(new Error('offer: ICE gathering timed out')), WAIT_MS);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
  return pc.localDescription!.sdp;
}

async function postOffer(cameraId: string, sdp: string, token: string | undefined, contentType = 'application/sdp', query = ''): Promise<Response> {
  return fetch(`${server.url}/api/v1/cameras/${cameraId}/live/webrtc${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: sdp,
  });
}

async function remove(location: string, token: string): Promise<number> {
  const res = await fetch(`${server.url}${location}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  await res.text();
  return res.status;
}

/** Collects access units from a viewer's first video track until `count`, or fails after WAIT_MS. */
function receive(pc: RTCPeerConnection, count: number): Promise<MediaPacket[]> {
  return new Promise((resolve, reject) => {
    const units: MediaPacket[] = [];
    const timer = setTimeout(() => reject(new Error(`received ${units.length} of ${count} access units in time`)), WAIT_MS);
    const depacketizer = new H264Depacketizer({ track: { id: 0, kind: 'video', codec: 'h264', timescale: 90_000 } });
    pc.onTrack.subscribe((track: MediaStreamTrack) => {
      track.onReceiveRtp.subscribe((rtp: WeriftRtpPacket) => {
        if (units.length >= count) return;
        units.push(...depacketizer.process(parseRtp(rtp.serialize())));
        if (units.length >= count) {
          clearTimeout(timer);
          resolve(units.slice(0, count));
        }
      });
    });
  });
}

function annexB(units: readonly MediaPacket[]): Buffer {
  const start = Buffer.from([0, 0, 0, 1]);
  return Buffer.concat(units.flatMap((packet) => packet.units.flatMap((nal) => [start, Buffer.from(nal)])));
}

async function auditEntries(): Promise<AuditEntry[]> {
  const audit = await api<{ entries: AuditEntry[] }>('/api/v1/audit?limit=1000', adminToken);
  return audit.body.entries;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-webrtc-'));
  farm = new CameraFarm({ cameras: cameraFarmPreset(4), cacheDir: join(tmpdir(), 'argus-farm-cache-tests') });
  await farm.start();
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: LOOPBACK, ARGUS_DATA_DIR: dir, ARGUS_LOG_LEVEL: 'silent' } });
  server = await startServer({ config, adminPassword: ADMIN.password, authRateLimit: false, drivers: [rtsp()], storage: false });
  for (const [i, camera] of farm.cameras().entries()) {
    await server.kernel.devices.upsert({
      id: camera.id,
      name: `Test ${i + 1} (${(camera.codec ?? 'h264').toUpperCase()} ${camera.width}x${camera.height})`,
      agency: AGENCIES[i % AGENCIES.length]!,
      category: 'security' satisfies CameraCategory,
      cameraType: 26,
      driver: 'rtsp',
      ptz: false,
      connection: { host: LOOPBACK, port: farm.port, path: `/${camera.id}` },
    });
  }
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  const created = await api('/api/v1/users', adminToken, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) });
  expect(created.status).toBe(201);
  officerToken = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  await farm?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/v1/cameras/:id/live/webrtc', () => {
  it('answers an offer and streams H.264 over SRTP that decodes at the camera size; DELETE ends the view, audited', async () => {
    const camera = server.kernel.devices.tryGet('cam-01')!;
    const [, width, height] = /(\d+)x(\d+)/.exec(camera.name)!;
    const pc = viewer();
    try {
      const res = await postOffer('cam-01', await offerOf(pc), adminToken);
      const answer = await res.text();
      expect(res.status, answer).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/sdp/);
      const location = res.headers.get('location')!;
      expect(location).toMatch(/^\/api\/v1\/live\/webrtc\/[0-9a-f-]{36}$/);
      // One payload type answered: packetization mode 1, never mode 0.
      const video = answer.split(/\r?\n/).find((line) => line.startsWith('m=video'))!;
      expect(video.split(' ').slice(3)).toHaveLength(1);
      expect(answer).toMatch(/a=fmtp:\d+ [^\r\n]*packetization-mode=1/);
      expect(answer).not.toMatch(/packetization-mode=0/);
      // Loopback only: no candidate on another interface.
      const candidates = answer.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
      expect(candidates.length).toBeGreaterThan(0);
      expect(candidates.every((line) => line.split(' ')[4] === LOOPBACK)).toBe(true);

      const received = receive(pc, FRAMES);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      const units = await received;

      expect(units[0]!.keyframe).toBe(true);
      const firstTypes = units[0]!.units.map(h264NalType);
      expect(firstTypes).toEqual(expect.arrayContaining([7, 8, 5]));
      for (let i = 1; i < units.length; i++) expect(units[i]!.pts).toBeGreaterThan(units[i - 1]!.pts);

      const file = join(dir, 'webrtc.h264');
      writeFileSync(file, annexB(units));
      const { stdout } = await run(ffprobePath(), ['-v', 'error', '-f', 'h264', '-count_frames', '-select_streams', 'v:0', '-show_streams', '-of', 'json', file]);
      const stream = (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] }).streams[0]!;
      expect(stream.codec_name).toBe('h264');
      expect({ width: stream.width, height: stream.height }).toEqual({ width: Number(width), height: Number(height) });
      expect(Number(stream.nb_read_frames)).toBeGreaterThanOrEqual(FRAMES - 1);

      expect(await remove(location, adminToken)).toBe(204);
      expect(await remove(location, adminToken)).toBe(404);

      const entries = await auditEntries();
      const session = location.split('/').pop();
      const view = entries.find((e) => e.action === 'live.view' && e.details?.['session'] === session);
      expect(view).toMatchObject({ actor: 'admin', target: 'cam-01', outcome: 'success', details: { profile: 'main', transport: 'webrtc' } });
      const end = entries.find((e) => e.action === 'live.view.end' && e.details?.['session'] === session);
      expect(end).toMatchObject({ actor: 'admin', target: 'cam-01', details: { profile: 'main', transport: 'webrtc', reason: 'deleted' } });
      expect(end!.details!['durationMs']).toEqual(expect.any(Number));
      expect(end!.seq).toBeGreaterThan(view!.seq);
    } finally {
      await pc.close();
    }
  }, 90_000);

  it('refuses without a session (401)', async () => {
    const pc = viewer();
    try {
      const res = await postOffer('cam-01', await offerOf(pc), undefined);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'ARGUS_ERR_API_UNAUTHORIZED' });
    } finally {
      await pc.close();
    }
  });

  it("answers 404 for another agency's camera and for an unknown one", async () => {
    expect(server.kernel.devices.tryGet('cam-02')!.agency).not.toBe('police');
    const pc = viewer();
    try {
      const offer = await offerOf(pc);
      for (const id of ['cam-02', 'no-such-camera']) {
        const res = await postOffer(id, offer, officerToken);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ code: 'ARGUS_ERR_DEVICE_NOT_FOUND' });
      }
    } finally {
      await pc.close();
    }
  });

  it("answers 404 to DELETE of another user's session, and lets its owner end it", async () => {
    const pc = viewer();
    try {
      const res = await postOffer('cam-01', await offerOf(pc), adminToken);
      await res.text();
      expect(res.status).toBe(201);
      const location = res.headers.get('location')!;
      expect(await remove(location, officerToken)).toBe(404);
      expect(await remove('/api/v1/live/webrtc/no-such-session', adminToken)).toBe(404);
      expect(await remove(location, adminToken)).toBe(204);
    } finally {
      await pc.close();
    }
  });

  it('answers 400 for a body that is not a receive-only video offer, and for another content type', async () => {
    const pc = viewer();
    try {
      const offer = await offerOf(pc);
      const audioOnly = offer.replace(/^m=video /m, 'm=audio ');
      const sendOnly = offer.replace(/^a=recvonly$/m, 'a=sendonly');
      const answerLike = offer.replace(/^a=setup:actpass$/m, 'a=setup:active');
      for (const body of ['hello', audioOnly, sendOnly, answerLike]) {
        const res = await postOffer('cam-01', body, adminToken);
        expect(res.status, body.slice(0, 40)).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'ARGUS_ERR_API_INVALID_REQUEST' });
      }
      const text = await postOffer('cam-01', offer, adminToken, 'text/plain');
      expect(text.status).toBe(400);
      await text.text();
      const profile = await postOffer('cam-01', offer, adminToken, 'application/sdp', '?profile=hd');
      expect(profile.status).toBe(400);
      await profile.text();
      const tooLarge = await postOffer('cam-01', `${offer}${'a=x-padding\r\n'.repeat(8_000)}`, adminToken);
      expect(tooLarge.status).toBe(413);
      await tooLarge.text();
    } finally {
      await pc.close();
    }
  });

  it('answers 415 for an H.265 camera', async () => {
    const camera = server.kernel.devices.tryGet('cam-04')!;
    expect(camera.name).toMatch(/H265/);
    const pc = viewer();
    try {
      const res = await postOffer('cam-04', await offerOf(pc), adminToken);
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ code: 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', message: expect.stringContaining('h265') });
    } finally {
      await pc.close();
    }
  }, 60_000);
});

describe('registerWebRtcRoutes options', () => {
  it('caps concurrent sessions (503) and ends every session when the server closes', async () => {
    const app = Fastify({ logger: false });
    app.decorateRequest('auth', null);
    app.decorateRequest('access', null);
    app.addHook('onRequest', async (request) => {
      request.auth = { user: { username: 'admin', agency: 'city', roles: ['admin'], mustChangePassword: false } } as unknown as AuthContext;
      request.access = { can: () => true, sees: () => true, require: () => undefined };
    });
    const sessions = await registerWebRtcRoutes(app, server.kernel, { maxSessions: 1, iceAddresses: [LOOPBACK] });
    const pcs = [viewer(), viewer()];
    try {
      const post = async (pc: RTCPeerConnection) =>
        app.inject({ method: 'POST', url: '/api/v1/cameras/cam-01/live/webrtc', headers: { 'content-type': 'application/sdp' }, payload: await offerOf(pc) });
      const first = await post(pcs[0]!);
      expect(first.statusCode, first.body).toBe(201);
      expect(sessions.size).toBe(1);
      const second = await post(pcs[1]!);
      expect(second.statusCode).toBe(503);
      expect(second.json()).toMatchObject({ code: 'ARGUS_ERR_STREAM_SESSION_LIMIT' });
      const [held] = sessions.toJSON();
      await app.close();
      expect(sessions.size).toBe(0);
      expect(held).toMatchObject({ owner: 'admin', state: 'connecting' });
    } finally {
      await app.close();
      await Promise.all(pcs.map((pc) => pc.close()));
    }
  }, 60_000);
});
