import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastValueFrom } from 'rxjs';
import { hasErrorCode, silentLogger, systemClock, type ConnectConfig, type DeviceSession, type Driver, type ProbeEndpoint } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import type { CameraFarm } from '@argus/driver-simulated';
import { MjpegEmulator, mjpegPart } from './emulator/index.js';
import { jpeg, mjpeg } from './index.js';
import { FARM_CAMERA, startFarm } from './test/farm.test-helper.js';
import { testJpeg } from './test/jpeg.test-helper.js';
import { annexB, failure, ffprobeDecode, firstPackets, streamError } from './test/media.test-helper.js';
import { rawHttpServer } from './test/raw-server.test-helper.js';

const components = { logger: silentLogger(), clock: systemClock };

function probeWith(driver: Driver, endpoint: ProbeEndpoint): Promise<unknown> {
  return driver.probe(endpoint, { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 });
}

async function waitUntil(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stream requests the emulator answered with 200. */
function streamRequests(emulator: MjpegEmulator): number {
  return emulator.requests.filter((r) => r.path === emulator.streamPath && r.status === 200).length;
}

describe('mjpeg driver against MjpegEmulator', () => {
  let farm: CameraFarm;
  let emulator: MjpegEmulator;
  let basic: MjpegEmulator;
  let custom: MjpegEmulator;
  const driver = mjpeg()(components);
  const sessions: DeviceSession[] = [];
  const connect = async (config: Partial<ConnectConfig> = {}, from = emulator): Promise<DeviceSession> => {
    const session = await driver.connect({ ...from.connection(), ...config });
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    farm = await startFarm();
    emulator = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, fps: 10 });
    basic = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, authSchemes: ['basic'], quirks: ['dashedBoundary', 'noContentLength'] });
    custom = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, streamPath: '/cgi-bin/encoder/stream', snapshotPath: '/cgi-bin/encoder/still', width: 160 });
    await Promise.all([emulator.start(), basic.start(), custom.start()]);
  });
  afterAll(async () => {
    for (const session of sessions) await session.close();
    await Promise.all([emulator?.stop(), basic?.stop(), custom?.stop()]);
    await farm?.close();
  });

  it('connects without a path by finding the stream at a default path, and reports its profile', async () => {
    const session = await connect();
    expect([...session.capabilities].sort()).toEqual(['liveMedia', 'snapshot', 'streams']);
    const [profile, ...more] = await session.require('streams').getStreamProfiles();
    expect(more).toEqual([]);
    expect(profile).toMatchObject({ id: 'main', codec: 'h264', width: 320, height: 240 });
    expect(profile!.fps! > 0 && profile!.fps! <= 15).toBe(true);
    expect(emulator.requests.some((r) => r.path === '/mjpg/video.mjpg' && r.status === 200)).toBe(true);
  });

  it('delivers H.264 that ffprobe decodes, stamped with increasing capture times', async () => {
    const session = await connect();
    const subscribed = Date.now();
    const packets = await firstPackets(session.require('liveMedia').openStream('main'), 12);
    const received = Date.now();
    expect(packets[0]!.keyframe).toBe(true);
    expect(packets[0]!.track).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    for (const [i, packet] of packets.entries()) {
      expect(packet.wallClock! >= subscribed && packet.wallClock! <= received, `frame ${i} was captured while subscribed`).toBe(true);
      expect(packet.pts).toBe(packet.dts);
      if (i === 0) continue;
      const previous = packets[i - 1]!;
      expect(packet.pts).toBeGreaterThan(previous.pts);
      expect(packet.wallClock!).toBeGreaterThanOrEqual(previous.wallClock!);
      // pts is the capture time in 90 kHz from the first frame (bumped by one tick only if two shared a millisecond).
      expect(packet.pts - Math.round((packet.wallClock! - packets[0]!.wallClock!) * 90)).toBeLessThanOrEqual(i);
    }
    const decoded = await ffprobeDecode(annexB(packets), 'h264');
    expect(decoded).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(decoded.frames).toBeGreaterThanOrEqual(10);
  });

  it('snapshot is the stream\'s next JPEG, and during a live stream it takes that stream\'s next JPEG', async () => {
    const session = await connect();
    const snapshot = await session.require('snapshot').snapshot();
    expect(snapshot.contentType).toBe('image/jpeg');
    expect(isJpeg(snapshot.data)).toBe(true);
    expect(await ffprobeDecode(snapshot.data)).toMatchObject({ codec: 'mjpeg', width: 320, height: 240, frames: 1 });

    const opened = streamRequests(emulator);
    const live = session.require('liveMedia').openStream('main').subscribe();
    try {
      await waitUntil(() => streamRequests(emulator) > opened, 'the live stream to open');
      const streamsBefore = streamRequests(emulator);
      const shared = await session.require('snapshot').snapshot();
      expect(isJpeg(shared.data)).toBe(true);
      expect(streamRequests(emulator), 'no extra stream connection').toBe(streamsBefore);
    } finally {
      live.unsubscribe();
    }
  });

  it('uses connection.path and options.snapshotPath when given', async () => {
    const session = await connect({ path: custom.streamPath, options: { snapshotPath: custom.snapshotPath, fps: 4 } }, custom);
    expect(await session.require('streams').getStreamProfiles()).toMatchObject([{ width: 160, height: 120 }]);
    expect((await session.require('streams').getStreamProfiles())[0]!.fps! <= 4).toBe(true);
    const snapshot = await session.require('snapshot').snapshot();
    expect(isJpeg(snapshot.data)).toBe(true);
    expect(custom.requests.filter((r) => r.path === custom.snapshotPath && r.status === 200)).toHaveLength(1);
  });

  it('works with Basic authentication and quirky framing', async () => {
    const session = await connect({}, basic);
    const packets = await firstPackets(session.require('liveMedia').openStream('main'), 3);
    expect(packets[0]!.track.codec).toBe('h264');
  });

  it('without transcoding offers no liveMedia and reports the stream as MJPEG', async () => {
    const session = await connect({ options: { transcode: false } });
    expect(session.capabilities.has('liveMedia')).toBe(false);
    expect((await session.require('streams').getStreamProfiles())[0]!.codec).toBe('mjpeg');
  });

  it('rejects bad options with ARGUS_ERR_DRIVER_CONFIG_INVALID and unknown profiles with a TypeError', async () => {
    expect(hasErrorCode(await failure(driver.connect({ ...emulator.connection(), options: { fps: 0 } })), 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
    expect(hasErrorCode(await failure(driver.connect({ ...emulator.connection(), options: { snapshotPath: 'x.jpg' } })), 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
    const session = await connect();
    expect(() => session.require('liveMedia').openStream('sub')).toThrow(TypeError);
  });

  it('a wrong or missing password -> ARGUS_ERR_DRIVER_AUTH', async () => {
    expect(hasErrorCode(await failure(connect({ password: 'wrong' })), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    const { username: _u, password: _p, ...anonymous } = emulator.connection();
    expect(hasErrorCode(await failure(driver.connect(anonymous)), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('a path with no MJPEG: a JPEG -> ARGUS_ERR_DRIVER_PROTOCOL, nothing at the default paths -> ARGUS_ERR_DRIVER_CONFIG_INVALID', async () => {
    const err = await failure(connect({ path: emulator.snapshotPath }));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(String((err as Error).message)).toMatch(/image\/jpeg/);
    expect(hasErrorCode(await failure(connect({}, custom)), 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
  });

  it('malformed parts fail connect and a running stream with ARGUS_ERR_DRIVER_PROTOCOL; the driver works again afterwards', async () => {
    const session = await connect();
    const opened = streamRequests(emulator);
    const error = streamError(session.require('liveMedia').openStream('main'));
    await waitUntil(() => streamRequests(emulator) > opened, 'the live stream to open');
    emulator.setFault('malformed');
    try {
      expect(hasErrorCode(await error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(hasErrorCode(await failure(connect()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(hasErrorCode(await failure(session.require('snapshot').snapshot()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    } finally {
      emulator.setFault('none');
    }
    const again = await connect();
    expect(isJpeg((await again.require('snapshot').snapshot()).data)).toBe(true);
  });

  describe('probe', () => {
    const jpegDriver = jpeg()(components);

    it('finds the stream at a bare address: mjpeg scores 90, jpeg finds the snapshot at 85', async () => {
      const { host, port, username, password } = emulator.connection();
      expect(await probeWith(driver, { host, port, username, password })).toEqual({
        driver: 'mjpeg',
        score: 90,
        cameraType: 27,
        details: { path: '/mjpg/video.mjpg', contentType: 'multipart/x-mixed-replace; boundary=argusmjpegframe', width: 320, height: 240 },
      });
      expect(await probeWith(jpegDriver, { host, port, username, password })).toMatchObject({ driver: 'jpeg', score: 85, cameraType: 28, details: { path: '/snapshot.jpg' } });
    });

    it('an explicit path decides: each driver answers null for the other kind', async () => {
      const { host, port, username, password } = emulator.connection();
      expect(await probeWith(driver, { host, port, username, password, path: emulator.snapshotPath })).toBeNull();
      expect(await probeWith(jpegDriver, { host, port, username, password, path: emulator.streamPath })).toBeNull();
      expect(await probeWith(driver, { host, port, username, password, path: emulator.streamPath, scheme: 'http' })).toMatchObject({ score: 90 });
      expect(await probeWith(driver, { host, port, scheme: 'rtsp' })).toBeNull();
    });

    it('401 without or with wrong credentials -> ARGUS_ERR_DRIVER_AUTH, unless an explicit path names the other kind', async () => {
      const { host, port } = emulator.connection();
      const noCredentials = await failure(probeWith(driver, { host, port }));
      expect(hasErrorCode(noCredentials, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
      expect((noCredentials as { details: { reason: string } }).details.reason).toBe('credentials required');
      const wrong = await failure(probeWith(jpegDriver, { host, port, username: 'admin', password: 'wrong' }));
      expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
      expect((wrong as { details: { reason: string } }).details.reason).toBe('credentials rejected');
      // A locked path whose name says "still" is the jpeg driver's problem, not this one's, and the other way round.
      expect(await probeWith(driver, { host, port, path: '/snapshot.jpg' })).toBeNull();
      expect(await probeWith(jpegDriver, { host, port, path: '/video.mjpg' })).toBeNull();
      expect(hasErrorCode(await failure(probeWith(jpegDriver, { host, port, path: '/snapshot.jpg' })), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
      expect(hasErrorCode(await failure(probeWith(driver, { host, port, path: '/cgi-bin/encoder.cgi' })), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    });

    it('a web page or 404s everywhere -> null', async () => {
      const server = await rawHttpServer((req, res) => {
        if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>router</html>');
        else res.writeHead(404).end();
      });
      try {
        expect(await probeWith(driver, { host: '127.0.0.1', port: server.port })).toBeNull();
        expect(await probeWith(jpegDriver, { host: '127.0.0.1', port: server.port })).toBeNull();
      } finally {
        await server.close();
      }
    });
  });
});

describe('mjpeg live stream ends and stalls', () => {
  it('a camera that goes silent fails the stream with ARGUS_ERR_DRIVER_TIMEOUT; one that ends completes it', async () => {
    const picture = await testJpeg(160, 120);
    const part = mjpegPart(picture, { delimiter: '--b', first: false, quirks: new Set() });
    const server = await rawHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=b' });
      // Enough frames for connect's sample; then /silent keeps the connection open without a byte, /ending closes.
      res.write(Buffer.concat([part, part, part]));
      if (req.url === '/ending') res.end('--b--\r\n');
    });
    const driver = mjpeg({ stallTimeoutMs: 1500, timeoutMs: 1500 })(components);
    try {
      const silent = await driver.connect({ host: '127.0.0.1', port: server.port, path: '/silent' });
      const stalled = await streamError(silent.require('liveMedia').openStream('main'));
      expect(hasErrorCode(stalled, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
      await silent.close();

      const ending = await driver.connect({ host: '127.0.0.1', port: server.port, path: '/ending' });
      // Resolves only when the stream completes (an error would reject, a hang would time the test out).
      await expect(lastValueFrom(ending.require('liveMedia').openStream('main'), { defaultValue: 'no packet' })).resolves.toBeDefined();
      await ending.close();
    } finally {
      await server.close();
    }
  });
});
