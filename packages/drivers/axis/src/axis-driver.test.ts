import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { firstValueFrom, filter, take, toArray, type Observable, type Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, silentLogger, systemClock, type DeviceEvent, type DeviceSession, type Driver, type ProbeEndpoint } from '@argus/core';
import type { CameraFarm } from '@argus/driver-simulated';
import { axis } from './axis-driver.js';
import { jpegSize, MAIN, startFarm, SUB } from './axis-test-farm.test-helper.js';
import { AxisEmulator, type AxisEmulatorOptions } from './emulator/axis-emulator.js';

const driver: Driver = axis({ timeoutMs: 3000, eventsBackoffMs: 100 })({ logger: silentLogger(), clock: systemClock });
let farm: CameraFarm;
const emulators: AxisEmulator[] = [];
const sessions: DeviceSession[] = [];
const subscriptions: Subscription[] = [];
const servers: (Server | TcpServer)[] = [];

beforeAll(async () => {
  farm = await startFarm();
}, 180_000);

afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const s of sessions.splice(0)) await s.close();
  for (const e of emulators.splice(0)) await e.stop();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

afterAll(async () => {
  await farm?.close();
});

async function emulator(options: Partial<AxisEmulatorOptions> = {}): Promise<AxisEmulator> {
  const e = new AxisEmulator({ farm, cameraId: MAIN, subCameraId: SUB, ...options });
  emulators.push(e);
  await e.start();
  return e;
}

async function connect(e: AxisEmulator, options: Record<string, unknown> = {}): Promise<DeviceSession> {
  const session = await driver.connect({ ...e.connection(), options });
  sessions.push(session);
  return session;
}

function probe(endpoint: ProbeEndpoint): ReturnType<Driver['probe']> {
  return driver.probe(endpoint, { signal: AbortSignal.timeout(5000), timeoutMs: 5000 });
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return hasErrorCode(err) ? err.code : `untyped: ${String(err)}`;
  }
  return undefined;
}

async function listen(server: Server | TcpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function collect(events$: Observable<DeviceEvent>): DeviceEvent[] {
  const events: DeviceEvent[] = [];
  subscriptions.push(events$.subscribe((event) => events.push(event)));
  return events;
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('probe', () => {
  it('identifies an Axis device from its anonymous basicdeviceinfo (score 95, model, firmware)', async () => {
    const e = await emulator({ identity: { model: 'P3245-LVE', firmware: '10.12.1' } });
    const match = await probe({ host: e.host, port: e.httpPort });
    expect(match).toEqual({
      driver: 'axis',
      score: 95,
      cameraType: 9,
      model: 'P3245-LVE',
      details: { brand: 'AXIS', fullName: 'AXIS P3245-LVE Network Camera', firmware: '10.12.1', serial: 'ACCC8E012345' },
    });
  });

  it('gives a realm hint (score 65) without credentials when the device wants them, and identifies it with them', async () => {
    const e = await emulator({ anonymousDeviceInfo: false });
    expect(await probe({ host: e.host, port: e.httpPort })).toEqual({ driver: 'axis', score: 65, cameraType: 9, details: { realm: 'AXIS_ACCC8E012345', mac: 'ac:cc:8e:01:23:45' } });
    const match = await probe({ host: e.host, port: e.httpPort, username: e.username, password: e.password });
    expect(match).toMatchObject({ score: 95, model: 'M1065-LW', details: { realm: 'AXIS_ACCC8E012345' } });
    expect(await errorCode(probe({ host: e.host, port: e.httpPort, username: e.username, password: 'wrong' }))).toBe('ARGUS_ERR_DRIVER_AUTH');
  });

  it('falls back to param.cgi on firmware without basicdeviceinfo', async () => {
    const e = await emulator({ legacyFirmware: true });
    expect(await probe({ host: e.host, port: e.httpPort })).toMatchObject({ score: 65 });
    expect(await probe({ host: e.host, port: e.httpPort, username: e.username, password: e.password })).toMatchObject({ score: 95, model: 'M1065-LW' });
  });

  it('scores an OEM brand on the VAPIX API lower than AXIS', async () => {
    const e = await emulator({ identity: { manufacturer: 'Acme' } });
    expect(await probe({ host: e.host, port: e.httpPort })).toMatchObject({ score: 85, details: { brand: 'Acme' } });
  });

  it('returns null for other devices: another realm, plain 404s, non-JSON, garbage bytes, other schemes', async () => {
    const realm = await listen(createServer((_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="IP Camera(C1234)", nonce="x", qop="auth"' }).end()));
    expect(await probe({ host: '127.0.0.1', port: realm, username: 'admin', password: 'x' })).toBeNull();
    const notFound = await listen(createServer((_req, res) => res.writeHead(404).end('nope')));
    expect(await probe({ host: '127.0.0.1', port: notFound })).toBeNull();
    const html = await listen(createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>router</html>')));
    expect(await probe({ host: '127.0.0.1', port: html })).toBeNull();
    const garbage = await listen(createTcpServer((socket) => socket.once('data', () => socket.end('\u0000\u00ff not http\r\n\r\n'))));
    expect(await probe({ host: '127.0.0.1', port: garbage })).toBeNull();
    expect(await probe({ host: '127.0.0.1', port: garbage, scheme: 'rtsp' })).toBeNull();
  });
});

describe('a fixed camera', () => {
  it('connects with deviceInfo, streams, liveMedia, snapshot and events, and no ptz', async () => {
    const e = await emulator();
    const session = await connect(e);
    expect([...session.capabilities]).toEqual(['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'events']);
    expect(await session.require('deviceInfo').getDeviceInfo()).toEqual({
      manufacturer: 'AXIS',
      model: 'M1065-LW',
      firmware: '9.80.1',
      serial: 'ACCC8E012345',
      hardwareId: '70E',
      mac: 'ac:cc:8e:01:23:45',
    });
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles.map((p) => [p.id, p.codec, p.width, p.height, p.uri])).toEqual([
      ['main', 'h264', 320, 240, `rtsp://127.0.0.1:${e.rtspPort}/axis-media/media.amp?videocodec=h264`],
      ['sub', 'h264', 160, 120, `rtsp://127.0.0.1:${e.rtspPort}/axis-media/media.amp?videocodec=h264&resolution=160x120`],
    ]);
  });

  it('takes snapshots of the main and the sub stream and rejects a broken JPEG', async () => {
    const e = await emulator();
    const session = await connect(e);
    const snapshot = session.require('snapshot');
    const main = await snapshot.snapshot();
    expect(main.contentType).toBe('image/jpeg');
    expect(jpegSize(main.data)).toEqual({ width: 320, height: 240 });
    expect(jpegSize((await snapshot.snapshot('sub')).data)).toEqual({ width: 160, height: 120 });
    await expect(snapshot.snapshot('nope')).rejects.toThrow(TypeError);
    e.setFault('malformed');
    expect(await errorCode(snapshot.snapshot())).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
  });

  it('reads identity from param.cgi on legacy firmware', async () => {
    const e = await emulator({ legacyFirmware: true, identity: { firmware: '5.51.7' } });
    const session = await connect(e);
    // The connect listing already holds root.Brand and root.Properties: connect reads param.cgi once.
    expect(e.requests.filter((r) => r.path === '/axis-cgi/param.cgi' && r.status === 200)).toHaveLength(1);
    expect(await session.require('deviceInfo').getDeviceInfo()).toMatchObject({ manufacturer: 'AXIS', model: 'M1065-LW', firmware: '5.51.7', serial: 'ACCC8E012345' });
  });

  it('uses the stream options and the RTSP port option', async () => {
    const e = await emulator();
    const session = await connect(e, { mainStream: 'videocodec=h264&resolution=320x240', subStream: 'streamprofile=sub', events: false, rtspPort: e.rtspPort });
    expect(session.capabilities.has('events')).toBe(false);
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles.map((p) => [p.id, p.width, p.uri?.replace(/^.*media\.amp/, '')])).toEqual([
      ['main', 320, '?videocodec=h264&resolution=320x240'],
      ['sub', 160, '?streamprofile=sub'],
    ]);
  });

  it('rejects bad connection options with ARGUS_ERR_DRIVER_CONFIG_INVALID', async () => {
    const e = await emulator();
    expect(await errorCode(driver.connect({ ...e.connection(), options: { camera: 0 } }))).toBe('ARGUS_ERR_DRIVER_CONFIG_INVALID');
    expect(await errorCode(driver.connect({ ...e.connection(), options: { colour: 'blue' } }))).toBe('ARGUS_ERR_DRIVER_CONFIG_INVALID');
  });

  it('fails typed on malformed and garbage replies at connect, and connects again afterwards', async () => {
    const e = await emulator();
    e.setFault('malformed');
    expect(await errorCode(driver.connect(e.connection()))).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    e.setFault('garbage');
    expect(await errorCode(driver.connect(e.connection()))).toBe('ARGUS_ERR_DRIVER_PROTOCOL');
    e.setFault('none');
    expect((await connect(e)).capabilities.has('deviceInfo')).toBe(true);
  });

  it('times out on a device that never answers', async () => {
    const e = await emulator();
    e.setFault('hang');
    expect(await errorCode(driver.connect(e.connection()))).toBe('ARGUS_ERR_DRIVER_TIMEOUT');
  });
});

describe('events over the metadata stream', () => {
  it('maps motion, tamper, video loss and I/O, without repeating the initial states', async () => {
    const e = await emulator();
    const session = await connect(e);
    const events = collect(session.require('events').events$);
    await waitFor(() => e.eventSubscribers > 0, 5000, 'the metadata stream');
    e.triggerEvent({ kind: 'motion', state: 'start', channel: 2 });
    e.triggerEvent({ kind: 'tamper', state: 'start' });
    e.triggerEvent({ kind: 'videoLoss', state: 'start' });
    e.triggerEvent({ kind: 'io', state: 'start', channel: 2 });
    e.triggerEvent({ kind: 'motion', state: 'stop', channel: 2 });
    await waitFor(() => events.length >= 5, 3000, 'five events');
    expect(events.map((ev) => [ev.kind, ev.state, ev.channel])).toEqual([
      ['motion', 'start', 2],
      ['tamper', 'start', undefined],
      ['videoLoss', 'start', undefined],
      ['io', 'start', 2],
      ['motion', 'stop', 2],
    ]);
    expect(events[0]?.data).toMatchObject({ application: 'VMD4', profile: 'ANY', operation: 'Changed' });
  });

  it('reconnects after the device restarts: a known state is not repeated, one that changed meanwhile is reported', async () => {
    const e = await emulator();
    const session = await connect(e);
    const events = collect(session.require('events').events$);
    await waitFor(() => e.eventSubscribers > 0, 5000, 'the metadata stream');
    e.triggerEvent({ kind: 'motion', state: 'start' });
    await waitFor(() => events.length === 1, 3000, 'motion start');
    await e.restart(200);
    await waitFor(() => e.eventSubscribers > 0, 10_000, 'the stream to reopen');
    // The reopened stream reported motion as still active (Initialized): nothing new for subscribers.
    expect(events).toHaveLength(1);
    await e.stop();
    e.triggerEvent({ kind: 'motion', state: 'stop' });
    await e.start();
    await waitFor(() => events.length === 2, 10_000, 'the motion end that happened while the stream was down');
    expect(events.map((ev) => [ev.kind, ev.state, ev.data?.['operation']])).toEqual([
      ['motion', 'start', 'Changed'],
      ['motion', 'stop', 'Initialized'],
    ]);
  });

  it('ends events$ with ARGUS_ERR_DRIVER_AUTH when the password stops working', async () => {
    const e = await emulator();
    const session = await connect(e);
    e.setPassword('changed-on-the-device');
    await e.restart();
    const error = await firstValueFrom(session.require('events').events$).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });
});

describe('a PTZ dome', () => {
  it('moves, zooms and stops in the direction asked, and stops by itself after a timeout', async () => {
    const e = await emulator({ ptz: true });
    const session = await connect(e);
    const ptz = session.require('ptz');
    expect(ptz.ptzFeatures).toEqual({ absoluteMove: true, relativeMove: true, presets: true, maxPresets: 100, home: true });
    await ptz.continuousMove({ pan: -0.3, tilt: 0.6, zoom: -1 });
    expect(e.ptz?.velocity).toEqual({ pan: -0.3, tilt: 0.6, zoom: -1 });
    await ptz.stop();
    expect(e.ptz?.velocity).toBeNull();
    await ptz.continuousMove({ pan: 1, tilt: 0, zoom: 0 }, 200);
    await waitFor(() => e.ptz?.velocity === null, 3000, 'the timed stop');
  });

  it('moves to absolute positions in the device degrees and by relative steps', async () => {
    const e = await emulator({ ptz: true, ptzLimits: { minPan: -180, maxPan: 180, minTilt: -90, maxTilt: 0 } });
    const ptz = (await connect(e)).require('ptz');
    await ptz.absoluteMove?.({ pan: 0.5, tilt: -1, zoom: 0.25 });
    const at = e.ptz!.position;
    expect(at.pan).toBeCloseTo(0.5, 4);
    expect(at.tilt).toBeCloseTo(-1, 4);
    expect(at.zoom).toBeCloseTo(0.25, 3);
    await ptz.relativeMove?.({ pan: -0.25, tilt: 0.5, zoom: 0 });
    expect(e.ptz!.position.pan).toBeCloseTo(0.25, 4);
    expect(e.ptz!.position.tilt).toBeCloseTo(-0.5, 4);
  });

  it('stores presets by number, names them, recalls and removes them, and reports unknown ones typed', async () => {
    const e = await emulator({ ptz: true });
    const ptz = (await connect(e)).require('ptz');
    e.ptz!.absoluteMove({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    expect(await ptz.setPreset('Gate')).toBe('1');
    expect(await ptz.setPreset(undefined, '7')).toBe('7');
    expect(await ptz.setPreset('Dock')).toBe('2');
    expect(await ptz.getPresets()).toEqual([
      { id: '1', name: 'Gate' },
      { id: '2', name: 'Dock' },
      { id: '7', name: 'Preset 7' },
    ]);
    e.ptz!.gotoHome();
    await ptz.gotoPreset('7');
    expect(e.ptz!.position).toEqual({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    await ptz.removePreset('7');
    expect(await errorCode(ptz.gotoPreset('7'))).toBe('ARGUS_ERR_DRIVER_REQUEST_FAILED');
    await expect(ptz.gotoPreset('Gate')).rejects.toThrow(RangeError);
    await ptz.gotoHome();
    expect(e.ptz!.position).toEqual({ pan: 0, tilt: 0, zoom: 0 });
  });
});

describe('streams', () => {
  it('plays the main and sub streams at their sizes', async () => {
    const e = await emulator();
    const session = await connect(e);
    for (const [id, width] of [['main', 320], ['sub', 160]] as const) {
      const packets = await firstValueFrom(session.require('liveMedia').openStream(id).pipe(filter((p) => p.track.kind === 'video'), take(3), toArray()));
      expect(packets[0]?.track.width, id).toBe(width);
    }
    expect(() => session.require('liveMedia').openStream('third')).toThrow(TypeError);
  });
});
