import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, take, toArray, type Subscription } from 'rxjs';
import { hasErrorCode, isVideoKeyframe, silentLogger, systemClock, type DeviceEvent, type DeviceSession, type Driver } from '@argus/core';
import type { CameraFarm } from '@argus/driver-simulated';
import type { EmulatorHttpReply, EmulatorHttpRequest, StreamingReply } from '@argus/driver-kit/emulator';
import { HikvisionEmulator, responseStatusXml } from './emulator/index.js';
import { hikvision } from './index.js';
import { MAIN_CAMERA, rejectionOf, startTestFarm, SUB_CAMERA, waitFor } from './test-farm.test-helper.js';

const QUIET_MS = 400;

/** A device whose picture endpoint answers 200 with a <ResponseStatus> instead of a JPEG (seen on some firmware). */
class PictureErrorEmulator extends HikvisionEmulator {
  protected override async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    if (req.path.endsWith('/picture')) {
      return { headers: { 'Content-Type': 'application/xml' }, body: responseStatusXml({ requestUrl: req.path, statusCode: 3, statusString: 'Device Error', subStatusCode: 'deviceError' }) };
    }
    return super.handle(req);
  }
}

function makeDriver(): Driver {
  return hikvision({ heldQuietMs: QUIET_MS, eventBackoffMs: 100, timeoutMs: 5000 })({ logger: silentLogger(), clock: systemClock });
}

function probeOptions() {
  return { signal: AbortSignal.timeout(10_000), timeoutMs: 5000 };
}

function listenServer<T extends Server | TcpServer>(server: T): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

describe('hikvision driver against the ISAPI emulator', () => {
  let farm: CameraFarm;
  let camera: HikvisionEmulator;
  let driver: Driver;
  let session: DeviceSession;

  beforeAll(async () => {
    farm = await startTestFarm();
    camera = new HikvisionEmulator({ farm, cameraId: MAIN_CAMERA, subCameraId: SUB_CAMERA, ptz: true, repeatMs: 100, heartbeatMs: 150 });
    await camera.start();
    driver = makeDriver();
    session = await driver.connect(camera.connection());
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await camera?.stop();
    await farm?.close();
  }, 60_000);

  it('connects with every capability of a PTZ camera and reports the identity', async () => {
    expect([...session.capabilities].sort()).toEqual(['deviceInfo', 'events', 'liveMedia', 'ptz', 'snapshot', 'streams']);
    expect(await session.require('deviceInfo').getDeviceInfo()).toEqual({
      manufacturer: camera.identity.manufacturer,
      model: camera.identity.model,
      firmware: camera.identity.firmware,
      serial: camera.identity.serial,
      hardwareId: camera.identity.hardwareId,
      mac: camera.identity.mac,
    });
  });

  it('lists main and sub with the RTSP port the device reports in adminAccesses', async () => {
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles).toEqual([
      { id: 'main', name: 'Camera 01 main', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 300, uri: camera.rtspUrl('/Streaming/Channels/101') },
      { id: 'sub', name: 'Camera 01 sub', codec: 'h264', width: 160, height: 120, fps: 10, bitrateKbps: 150, uri: camera.rtspUrl('/Streaming/Channels/102') },
    ]);
    expect(camera.rtspPort).not.toBe(camera.httpPort);
  });

  it('plays the sub stream over RTSP', async () => {
    const packets = await firstValueFrom(session.require('liveMedia').openStream('sub').pipe(filter((p) => p.track.kind === 'video'), take(12), toArray()));
    const key = packets.find((p) => isVideoKeyframe(p));
    expect([key?.track.width, key?.track.height]).toEqual([160, 120]);
    expect(() => session.require('liveMedia').openStream('third')).toThrow(TypeError);
  }, 60_000);

  it('takes JPEG snapshots of main and sub', async () => {
    const main = await session.require('snapshot').snapshot();
    const sub = await session.require('snapshot').snapshot('sub');
    for (const shot of [main, sub]) {
      expect(shot.contentType).toBe('image/jpeg');
      expect([shot.data[0], shot.data[1], shot.data.at(-2), shot.data.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
    expect(camera.requests.some((r) => r.path === '/ISAPI/Streaming/channels/102/picture' && r.status === 200)).toBe(true);
  }, 30_000);

  it('moves the head in ISAPI speeds, stops on zeros, and times moves on the device (momentary)', async () => {
    const ptz = session.require('ptz');
    const model = camera.ptz!;
    expect(ptz.ptzFeatures).toEqual({ absoluteMove: false, relativeMove: false, presets: true, maxPresets: 300, home: true });
    await ptz.continuousMove({ pan: 0.5, tilt: -0.25, zoom: 0 });
    expect(model.velocity).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0 });
    const stops = model.stops;
    await ptz.stop();
    expect(model.velocity).toBeNull();
    expect(model.stops).toBe(stops + 1);
    await ptz.continuousMove({ pan: 0, tilt: 0.5, zoom: 0 }, 300);
    expect(model.velocity).not.toBeNull();
    expect(camera.requests.at(-1)?.path).toBe('/ISAPI/PTZCtrl/channels/1/momentary');
    await waitFor(() => model.velocity === null, 5000, 'the momentary move to end on the device');
  });

  it('sets, lists, recalls and removes numbered presets; goes home; reports device refusals', async () => {
    const ptz = session.require('ptz');
    const model = camera.ptz!;
    model.absoluteMove({ pan: 0.25, tilt: 0.1, zoom: 0.3 });
    const id = await ptz.setPreset('Gate & road');
    expect(id).toMatch(/^\d+$/);
    expect(await ptz.getPresets()).toContainEqual({ id, name: 'Gate & road' });
    expect(await ptz.setPreset('Yard', '42')).toBe('42');
    model.absoluteMove({ pan: -0.5, tilt: 0, zoom: 0 });
    await ptz.gotoPreset(id);
    expect(model.position).toEqual({ pan: 0.25, tilt: 0.1, zoom: 0.3 });
    await ptz.removePreset(id);
    await ptz.removePreset('42');
    expect((await ptz.getPresets()).map((p) => p.id)).not.toContain(id);
    const refused = await rejectionOf(ptz.gotoPreset(id));
    expect(hasErrorCode(refused, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    expect((refused as { details: Record<string, unknown> }).details).toMatchObject({ status: 403, statusCode: 4, subStatusCode: 'invalidOperation' });
    await expect(ptz.gotoPreset('gate')).rejects.toThrow(RangeError);
    await expect(ptz.setPreset('x', '301')).rejects.toThrow(RangeError);
    model.absoluteMove({ pan: 0.6, tilt: 0.6, zoom: 0.6 });
    await ptz.gotoHome();
    expect(model.position).toEqual(model.home);
  });

  it('turns repeated VMD alerts into one start and a stop after the quiet period; heartbeats stay silent', async () => {
    const events: DeviceEvent[] = [];
    const subscribers = camera.eventSubscribers;
    const sub = session.require('events').events$.subscribe((e) => events.push(e));
    try {
      await waitFor(() => camera.eventSubscribers > subscribers, 10_000, 'the alertStream to open');
      // Heartbeats (videoloss inactive) flow every 150 ms and must not surface.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(events).toEqual([]);
      camera.triggerEvent({ kind: 'motion', state: 'start' });
      await waitFor(() => events.length > 0, 2000, 'motion start');
      // The device repeats the active alert every 100 ms while motion lasts: still one start.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(events.map((e) => [e.kind, e.state])).toEqual([['motion', 'start']]);
      expect(events[0]).toMatchObject({ channel: 1, data: { eventType: 'VMD', eventState: 'active', description: 'Motion alarm' } });
      camera.triggerEvent({ kind: 'motion', state: 'stop' });
      await waitFor(() => events.length > 1, 3000, 'the derived motion stop');
      expect(events[1]).toMatchObject({ kind: 'motion', state: 'stop', channel: 1, data: { derived: true, quietMs: QUIET_MS } });

      camera.triggerEvent({ kind: 'videoLoss', state: 'start' });
      camera.triggerEvent({ kind: 'tamper', state: 'start', channel: 1 });
      camera.triggerEvent({ kind: 'io', state: 'start', channel: 2 });
      await waitFor(() => events.length >= 5, 3000, 'video loss, tamper and io starts');
      camera.triggerEvent({ kind: 'videoLoss', state: 'stop' });
      camera.triggerEvent({ kind: 'tamper', state: 'stop', channel: 1 });
      camera.triggerEvent({ kind: 'io', state: 'stop', channel: 2 });
      await waitFor(() => events.length >= 8, 3000, 'their stops');
      const seen = events.slice(2).map((e) => `${e.kind}:${e.state}:${e.channel}`);
      expect(seen.sort()).toEqual(['io:start:2', 'io:stop:2', 'tamper:start:1', 'tamper:stop:1', 'videoLoss:start:1', 'videoLoss:stop:1']);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(events).toHaveLength(8);
    } finally {
      sub.unsubscribe();
    }
    await waitFor(() => camera.eventSubscribers === subscribers, 5000, 'the alertStream to close on unsubscribe');
  }, 30_000);

  it('probes: a Hikvision realm without credentials is a hint; deviceInfo with them an identification', async () => {
    const { host, port, username, password } = camera.connection();
    expect(await driver.probe({ host, port }, probeOptions())).toEqual({
      driver: 'hikvision',
      score: 60,
      details: { hint: ['realm'], realm: `IP Camera(${camera.identity.serial.slice(-5)})` },
    });
    expect(await driver.probe({ host, port, username, password }, probeOptions())).toEqual({
      driver: 'hikvision',
      score: 95,
      cameraType: 1,
      model: camera.identity.model,
      details: { family: 'camera', firmware: camera.identity.firmware, serial: camera.identity.serial, deviceType: 'IPCamera', namespace: 'http://www.hikvision.com/ver20/XMLSchema' },
    });
    const wrong = await rejectionOf(driver.probe({ host, port, username, password: 'nope' }, probeOptions()));
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(await driver.probe({ host, port, scheme: 'rtsp' }, probeOptions())).toBeNull();
  });

  it('probes other HTTP servers and non-HTTP sockets as not ours', async () => {
    const other = createServer((req, res) => {
      if (req.url === '/ISAPI/System/deviceInfo') {
        res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="Login to 4L0123456", nonce="abc", qop="auth"' });
        res.end();
        return;
      }
      res.writeHead(404).end();
    });
    const garbage = createTcpServer((socket) => socket.end('\u0000\u00ffSSH-2.0-nothttp\r\n'));
    const otherPort = await listenServer(other);
    const garbagePort = await listenServer(garbage);
    try {
      expect(await driver.probe({ host: '127.0.0.1', port: otherPort }, probeOptions())).toBeNull();
      expect(await driver.probe({ host: '127.0.0.1', port: otherPort, username: 'admin', password: 'x' }, probeOptions())).toBeNull();
      expect(await driver.probe({ host: '127.0.0.1', port: garbagePort }, probeOptions())).toBeNull();
    } finally {
      other.close();
      garbage.close();
    }
  });

  it('rejects a wrong password with ARGUS_ERR_DRIVER_AUTH and bad options with ARGUS_ERR_DRIVER_CONFIG_INVALID', async () => {
    const wrong = await rejectionOf(driver.connect({ ...camera.connection(), password: 'wrong' }));
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    for (const options of [{ channel: 0 }, { rtspPort: 70_000 }, { scheme: 'ftp' }, { nonsense: true }]) {
      const err = await rejectionOf(driver.connect({ ...camera.connection(), options }));
      expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_CONFIG_INVALID'), JSON.stringify(options)).toBe(true);
    }
  });

  it('survives broken XML and a truncated alertStream: typed errors, events$ stays up and delivers again', async () => {
    const events: DeviceEvent[] = [];
    const errors: unknown[] = [];
    const subscribers = camera.eventSubscribers;
    let sub: Subscription | undefined;
    try {
      camera.setFault('malformed');
      const broken = await rejectionOf(session.require('deviceInfo').getDeviceInfo());
      expect(hasErrorCode(broken, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      sub = session.require('events').events$.subscribe({ next: (e) => events.push(e), error: (err: unknown) => errors.push(err) });
      await waitFor(() => camera.requests.filter((r) => r.path === '/ISAPI/Event/notification/alertStream').length >= 3, 10_000, 'reconnections to the broken stream');
      expect(errors).toEqual([]);
      camera.setFault('none');
      await waitFor(() => camera.eventSubscribers > subscribers, 10_000, 'the alertStream to reopen');
      camera.triggerEvent({ kind: 'motion', state: 'start' });
      await waitFor(() => events.some((e) => e.kind === 'motion' && e.state === 'start'), 2000, 'motion after the fault');
      camera.triggerEvent({ kind: 'motion', state: 'stop' });
      await waitFor(() => events.some((e) => e.kind === 'motion' && e.state === 'stop'), 3000, 'motion stop after the fault');
      expect(errors).toEqual([]);
    } finally {
      camera.setFault('none');
      sub?.unsubscribe();
    }
    expect((await session.require('deviceInfo').getDeviceInfo()).serial).toBe(camera.identity.serial);
  }, 30_000);
});

describe('hikvision driver: recorders, Ezviz, SHA-256 Digest', () => {
  let farm: CameraFarm;
  const emulators: HikvisionEmulator[] = [];
  const sessions: DeviceSession[] = [];
  const driver = makeDriver();

  async function emulator(options: Partial<ConstructorParameters<typeof HikvisionEmulator>[0]>): Promise<HikvisionEmulator> {
    const e = new HikvisionEmulator({ farm, cameraId: MAIN_CAMERA, subCameraId: SUB_CAMERA, repeatMs: 100, heartbeatMs: 150, ...options });
    emulators.push(e);
    await e.start();
    return e;
  }

  async function connect(e: HikvisionEmulator, options?: Record<string, unknown>): Promise<DeviceSession> {
    const s = await driver.connect({ ...e.connection(), ...(options === undefined ? {} : { options }) });
    sessions.push(s);
    return s;
  }

  beforeAll(async () => {
    farm = await startTestFarm();
  }, 180_000);

  afterAll(async () => {
    for (const s of sessions) await s.close();
    for (const e of emulators) await e.stop();
    await farm?.close();
  }, 60_000);

  it('ends events$ with ARGUS_ERR_DRIVER_AUTH when the password stops working, without reconnecting', async () => {
    const e = await emulator({});
    const s = await connect(e);
    e.setPassword('changed-on-the-device');
    const ended = await rejectionOf(firstValueFrom(s.require('events').events$));
    expect(hasErrorCode(ended, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    const attempts = e.requests.filter((r) => r.path === '/ISAPI/Event/notification/alertStream').length;
    expect(attempts).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(e.requests.filter((r) => r.path === '/ISAPI/Event/notification/alertStream').length).toBe(attempts);
  });

  it('addresses recorder channel N as streams N01/N02 and keeps only its events', async () => {
    const nvr = await emulator({ deviceType: 'NVR', channels: 4 });
    const { host, port, username, password } = nvr.connection();
    expect(await driver.probe({ host, port, username, password }, probeOptions())).toMatchObject({ score: 95, cameraType: 3, model: nvr.identity.model });
    const s = await connect(nvr, { channel: 3 });
    expect(s.capabilities.has('ptz')).toBe(false);
    const profiles = await s.require('streams').getStreamProfiles();
    expect(profiles.map((p) => [p.id, p.name, p.uri])).toEqual([
      ['main', 'Camera 03 main', nvr.rtspUrl('/Streaming/Channels/301')],
      ['sub', 'Camera 03 sub', nvr.rtspUrl('/Streaming/Channels/302')],
    ]);
    const packets = await firstValueFrom(s.require('liveMedia').openStream('main').pipe(filter((p) => isVideoKeyframe(p)), take(1), toArray()));
    expect(packets[0]?.track.width).toBe(320);
    await s.require('snapshot').snapshot('sub');
    expect(nvr.requests.some((r) => r.path === '/ISAPI/Streaming/channels/302/picture' && r.status === 200)).toBe(true);

    const events: DeviceEvent[] = [];
    const sub = s.require('events').events$.subscribe((e) => events.push(e));
    try {
      await waitFor(() => nvr.eventSubscribers > 0, 10_000, 'the alertStream to open');
      nvr.triggerEvent({ kind: 'motion', state: 'start', channel: 2 });
      nvr.triggerEvent({ kind: 'motion', state: 'start', channel: 3 });
      await waitFor(() => events.length > 0, 2000, 'the channel-3 motion');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(events.map((e) => [e.kind, e.state, e.channel])).toEqual([['motion', 'start', 3]]);
    } finally {
      sub.unsubscribe();
    }
    const missing = await rejectionOf(driver.connect({ ...nvr.connection(), options: { channel: 9 } }));
    expect(hasErrorCode(missing, 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
  }, 60_000);

  it('connects to an Ezviz with the ISAPI subset (type 4: no alertStream), and over RTSP alone', async () => {
    const ezviz = await emulator({ identity: { manufacturer: 'EZVIZ', model: 'CS-C6N-A0-1C2WFR', serial: 'E12345678', firmware: 'V5.3.0' }, alertStream: false });
    const { host, port, username, password } = ezviz.connection();
    expect(await driver.probe({ host, port, username, password }, probeOptions())).toMatchObject({ cameraType: 4, model: 'CS-C6N-A0-1C2WFR' });
    const s = await connect(ezviz);
    expect([...s.capabilities].sort()).toEqual(['deviceInfo', 'liveMedia', 'snapshot', 'streams']);
    expect((await s.require('deviceInfo').getDeviceInfo()).manufacturer).toBe('EZVIZ');

    const rtspOnly = await connect(ezviz, { isapi: false, rtspPort: ezviz.rtspPort });
    expect([...rtspOnly.capabilities].sort()).toEqual(['liveMedia', 'streams']);
    expect((await rtspOnly.require('streams').getStreamProfiles()).map((p) => [p.id, p.codec, p.width, p.height])).toEqual([
      ['main', 'h264', 320, 240],
      ['sub', 'h264', 160, 120],
    ]);
    const wrong = await rejectionOf(driver.connect({ ...ezviz.connection(), password: 'nope', options: { isapi: false, rtspPort: ezviz.rtspPort } }));
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  }, 60_000);

  it('reports a picture refused with a <ResponseStatus> as REQUEST_FAILED, and a cut JPEG as PROTOCOL', async () => {
    const odd = new PictureErrorEmulator({ farm, cameraId: MAIN_CAMERA, subCameraId: SUB_CAMERA });
    emulators.push(odd);
    await odd.start();
    const refused = await rejectionOf((await connect(odd)).require('snapshot').snapshot());
    expect(hasErrorCode(refused, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    expect((refused as { details: Record<string, unknown> }).details).toMatchObject({ status: 200, statusCode: 3, subStatusCode: 'deviceError' });

    const plain = await emulator({});
    const s = await connect(plain);
    plain.setFault('malformed');
    try {
      const cut = await rejectionOf(s.require('snapshot').snapshot());
      expect(hasErrorCode(cut, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    } finally {
      plain.setFault('none');
    }
    expect((await s.require('snapshot').snapshot()).data.byteLength).toBeGreaterThan(100);
  }, 30_000);

  it('authenticates with SHA-256 Digest (newer firmware) and uses the rtspPort option only as a fallback', async () => {
    const modern = await emulator({ digestAlgorithms: ['SHA-256'] });
    const s = await connect(modern, { rtspPort: 10_554 });
    expect((await s.require('deviceInfo').getDeviceInfo()).serial).toBe(modern.identity.serial);
    expect((await s.require('streams').getStreamProfiles())[0]?.uri).toBe(modern.rtspUrl('/Streaming/Channels/101'));
  });
});
