import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { firstValueFrom, filter, take, toArray, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, isVideoKeyframe, silentLogger, systemClock, type DeviceEvent, type DeviceSession, type Driver, type ProbeEndpoint } from '@argus/core';
import { recordingLogger } from '@argus/core/testing';
import { DeviceHttpClient } from '@argus/driver-kit';
import type { CameraFarm } from '@argus/driver-simulated';
import { DahuaApi } from './dahua-api.js';
import { dahua, type DahuaDriverOptions } from './dahua-driver.js';
import { DahuaEmulator, type DahuaEmulatorOptions } from './emulator/dahua-emulator.js';
import { MAIN_CAMERA, startTestFarm, SUB_CAMERA } from './test-farm.test-helper.js';


let farm: CameraFarm;
const emulators: DahuaEmulator[] = [];
const sessions: DeviceSession[] = [];
const servers: (HttpServer | TcpServer)[] = [];
const subscriptions: Subscription[] = [];
/** Sockets of the raw TCP test server, destroyed at the end (the HTTP client leaves a half-closed one after garbage). */
const rawSockets: Socket[] = [];

beforeAll(async () => {
  farm = await startTestFarm();
}, 180_000);

afterAll(async () => {
  for (const subscription of subscriptions) subscription.unsubscribe();
  for (const session of sessions) await session.close();
  for (const emulator of emulators) await emulator.stop();
  for (const socket of rawSockets) socket.destroy();
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await farm?.close();
});

function driver(options: DahuaDriverOptions = {}): Driver {
  return dahua({ timeoutMs: 5000, eventRetryInitialMs: 100, eventRetryMaxMs: 1000, ...options })({ logger: silentLogger(), clock: systemClock });
}

async function emulator(options: Partial<DahuaEmulatorOptions> = {}): Promise<DahuaEmulator> {
  const device = new DahuaEmulator({ farm, cameraId: MAIN_CAMERA, subCameraId: SUB_CAMERA, ...options });
  emulators.push(device);
  await device.start();
  return device;
}

async function connect(device: DahuaEmulator, options?: Record<string, unknown>, drv = driver()): Promise<DeviceSession> {
  const session = await drv.connect({ ...device.connection(), ...(options === undefined ? {} : { options }) });
  sessions.push(session);
  return session;
}

function probe(endpoint: ProbeEndpoint, drv = driver()): ReturnType<Driver['probe']> {
  return drv.probe(endpoint, { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Subscribes to events$ and waits until the emulator sees the channel open. */
async function listen(device: DahuaEmulator, session: DeviceSession): Promise<DeviceEvent[]> {
  const events: DeviceEvent[] = [];
  const before = device.eventSubscribers;
  subscriptions.push(session.require('events').events$.subscribe({ next: (e) => events.push(e), error: (err: unknown) => events.push({ kind: 'error', state: 'pulse', at: 0, data: { err } }) }));
  await waitFor(() => device.eventSubscribers > before, 'the event channel to open');
  return events;
}

async function listenOn(port: number, server: HttpServer | TcpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

describe('probe', () => {
  it('scores a Dahua realm without credentials as a hint, and identifies the device with them', async () => {
    const device = await emulator({ identity: { serial: 'PROBE0001' } });
    const { host, port, username, password } = device.connection();
    expect(await probe({ host, port })).toEqual({ driver: 'dahua', score: 60, details: { realm: 'Login to PROBE0001' } });
    expect(await probe({ host, port, username, password })).toEqual({
      driver: 'dahua',
      score: 95,
      cameraType: 5,
      model: 'IPC-HDW5831R-ZE',
      details: { realm: 'Login to PROBE0001', serial: 'PROBE0001', deviceType: 'IPC-HDW5831R-ZE' },
    });
  });

  it('recognises a recorder as camera type 7 and an Imou model as type 8', async () => {
    const nvr = await emulator({ identity: { model: 'DHI-NVR4108HS-4KS2' }, channels: 4 });
    expect(await probe({ ...nvr.connection() })).toMatchObject({ score: 95, cameraType: 7, model: 'DHI-NVR4108HS-4KS2' });
    const imou = await emulator({ identity: { model: 'IPC-C22EP', manufacturer: 'Imou' } });
    expect(await probe({ ...imou.connection() })).toMatchObject({ score: 95, cameraType: 8 });
  });

  it('throws ARGUS_ERR_DRIVER_AUTH for a recognised device and a wrong password', async () => {
    const device = await emulator();
    const error = await rejection(probe({ ...device.connection(), password: 'wrong-password' }));
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_AUTH'), String(error)).toBe(true);
  });

  it('returns null for other HTTP servers, non-HTTP sockets and other schemes', async () => {
    const other = await listenOn(
      0,
      createHttpServer((req, res) => {
        res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="IP Camera(C1234)", nonce="abc", qop="auth"' }).end();
      }),
    );
    const notFound = await listenOn(0, createHttpServer((req, res) => res.writeHead(404).end('not here')));
    const plainOk = await listenOn(0, createHttpServer((req, res) => res.writeHead(200).end('<html>welcome</html>')));
    const garbage = await listenOn(
      0,
      createTcpServer((socket) => {
        rawSockets.push(socket);
        socket.on('error', () => undefined);
        socket.end('\u0000\u00ffnot http at all\r\n\r\n');
      }),
    );
    for (const port of [other, notFound, plainOk, garbage]) {
      expect(await probe({ host: '127.0.0.1', port, username: 'admin', password: 'x' }), `port ${port}`).toBeNull();
    }
    expect(await probe({ host: '127.0.0.1', port: other, scheme: 'rtsp' })).toBeNull();
  });
});

describe('connect and device calls', () => {
  it('reports the identity, profiles and no PTZ for a fixed camera', async () => {
    const device = await emulator({ identity: { serial: 'FIXED0001', mac: '3C:EF:8C:AA:BB:CC' } });
    const session = await connect(device);
    expect([...session.capabilities].sort()).toEqual(['deviceInfo', 'events', 'liveMedia', 'snapshot', 'streams']);
    expect(await session.require('deviceInfo').getDeviceInfo()).toEqual({
      manufacturer: 'Dahua',
      model: 'IPC-HDW5831R-ZE',
      firmware: '2.800.0000016.0.R',
      serial: 'FIXED0001',
      hardwareId: '1.00',
      mac: '3c:ef:8c:aa:bb:cc',
    });
    const uri = (subtype: number): string => `rtsp://127.0.0.1:${device.rtspPort}/cam/realmonitor?channel=1&subtype=${subtype}`;
    expect(await session.require('streams').getStreamProfiles()).toEqual([
      { id: 'main', name: 'Main stream', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 1024, uri: uri(0) },
      { id: 'sub', name: 'Sub stream 1', codec: 'h264', width: 160, height: 120, fps: 10, bitrateKbps: 256, uri: uri(1) },
    ]);
  });

  it('plays the sub stream through /cam/realmonitor and takes a snapshot', async () => {
    const device = await emulator();
    const session = await connect(device);
    const packets = await firstValueFrom(
      session.require('liveMedia').openStream('sub').pipe(
        filter((p) => p.track.kind === 'video'),
        take(12),
        toArray(),
      ),
    );
    const keyframe = packets.find((p) => isVideoKeyframe(p));
    expect([keyframe?.track.width, keyframe?.track.height]).toEqual([160, 120]);
    const snapshot = await session.require('snapshot').snapshot();
    expect(snapshot.contentType).toBe('image/jpeg');
    expect([snapshot.data[0], snapshot.data[1], snapshot.data.at(-2), snapshot.data.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(() => session.require('liveMedia').openStream('third')).toThrow(TypeError);
  });

  it('addresses a recorder channel in RTSP URIs and honours an RTSP port override', async () => {
    const device = await emulator({ identity: { model: 'DHI-NVR4108HS-4KS2' }, channels: 4 });
    const session = await connect(device, { channel: 3, rtspPort: 10554 });
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles.map((p) => p.uri)).toEqual([
      `rtsp://127.0.0.1:10554/cam/realmonitor?channel=3&subtype=0`,
      `rtsp://127.0.0.1:10554/cam/realmonitor?channel=3&subtype=1`,
    ]);
    expect((await session.require('snapshot').snapshot()).data[0]).toBe(0xff);
  });

  it('rejects bad options, wrong credentials and closed ports with typed errors', async () => {
    const device = await emulator();
    const config = await rejection(driver().connect({ ...device.connection(), options: { channel: 0, extra: true } }));
    expect(hasErrorCode(config, 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
    expect(hasErrorCode(await rejection(driver().connect({ ...device.connection(), password: 'nope' })), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    await device.stop();
    expect(hasErrorCode(await rejection(driver().connect(device.connection())), 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
  });

  it('gives typed protocol errors for malformed and garbage replies and works again afterwards', async () => {
    const device = await emulator({ ptz: true });
    const session = await connect(device);
    device.setFault('malformed');
    expect(hasErrorCode(await rejection(session.require('deviceInfo').getDeviceInfo()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(hasErrorCode(await rejection(session.require('streams').getStreamProfiles()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(hasErrorCode(await rejection(session.require('snapshot').snapshot()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(hasErrorCode(await rejection(session.require('ptz').continuousMove({ pan: 0.5, tilt: 0, zoom: 0 })), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(hasErrorCode(await rejection(driver().connect(device.connection())), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    device.setFault('garbage');
    expect(hasErrorCode(await rejection(session.require('deviceInfo').getDeviceInfo()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    device.setFault('none');
    expect((await session.require('deviceInfo').getDeviceInfo()).serial).toBe(device.identity.serial);
  });

  it("turns a Dahua 'Error' answer sent with status 200 into ARGUS_ERR_DRIVER_REQUEST_FAILED", async () => {
    const port = await listenOn(0, createHttpServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Error\r\nBad Request!\r\n')));
    const api = new DahuaApi(new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${port}` }));
    try {
      const error = await rejection(api.text('/cgi-bin/configManager.cgi?action=getConfig&name=Nope'));
      expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
      expect((error as { details: unknown }).details).toMatchObject({ status: 200, reason: 'Bad Request!', path: '/cgi-bin/configManager.cgi' });
    } finally {
      await api.close();
    }
  });
});

describe('PTZ', () => {
  it('moves, stops and handles presets on the emulated head through ptz.cgi', async () => {
    const device = await emulator({ ptz: true });
    const model = device.ptz;
    if (model === undefined) throw new Error('no PTZ model');
    const session = await connect(device);
    const ptz = session.require('ptz');
    expect(ptz.ptzFeatures).toEqual({ absoluteMove: false, relativeMove: false, presets: true, maxPresets: 255, home: false });

    await ptz.continuousMove({ pan: -0.25, tilt: 0.75, zoom: 0 });
    expect(model.velocity).toEqual({ pan: -0.25, tilt: 0.75, zoom: 0 });
    await ptz.continuousMove({ pan: 0, tilt: 0, zoom: -1 });
    expect(model.velocity).toEqual({ pan: 0, tilt: 0, zoom: -1 });
    await ptz.stop();
    expect(model.velocity).toBeNull();
    await ptz.stop();
    expect(model.velocity).toBeNull();

    model.absoluteMove({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    expect(await ptz.setPreset('ignored name')).toBe('1');
    model.absoluteMove({ pan: -0.5, tilt: -0.5, zoom: 0 });
    expect(await ptz.setPreset(undefined, '7')).toBe('7');
    expect(await ptz.setPreset()).toBe('2');
    expect(await ptz.getPresets()).toEqual([
      { id: '1', name: 'Preset 1' },
      { id: '2', name: 'Preset 2' },
      { id: '7', name: 'Preset 7' },
    ]);
    await ptz.gotoPreset('1');
    expect(model.position).toEqual({ pan: 0.1, tilt: 0.2, zoom: 0.3 });
    await ptz.removePreset('1');
    expect(model.presets().map((p) => p.id)).toEqual(['2', '7']);
    expect(hasErrorCode(await rejection(ptz.removePreset('1')), 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    expect(hasErrorCode(await rejection(ptz.gotoPreset('99')), 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    expect(hasErrorCode(await rejection(ptz.gotoHome()), 'ARGUS_ERR_DRIVER_UNSUPPORTED')).toBe(true);
    await expect(ptz.gotoPreset('home')).rejects.toThrow(RangeError);
    await expect(ptz.continuousMove({ pan: 2, tilt: 0, zoom: 0 })).rejects.toThrow(RangeError);
  });

  it('ends a timed move by itself', async () => {
    const device = await emulator({ ptz: true });
    const session = await connect(device);
    await session.require('ptz').continuousMove({ pan: 0, tilt: -0.5, zoom: 0 }, 200);
    expect(device.ptz?.velocity).not.toBeNull();
    await waitFor(() => device.ptz?.velocity === null, 'the timed stop');
    expect(device.ptz?.position.tilt).toBeLessThan(0);
  });

  it('can be forced off, and uses the configured PTZ channel', async () => {
    const device = await emulator({ ptz: true, channels: 2 });
    expect((await connect(device, { ptz: false })).capabilities.has('ptz')).toBe(false);
    const second = await connect(device, { channel: 2 });
    await second.require('ptz').continuousMove({ pan: 1, tilt: 0, zoom: 0 });
    expect(device.ptz?.velocity).toEqual({ pan: 1, tilt: 0, zoom: 0 });
    await second.require('ptz').stop();
    const wrong = await connect(device, { ptz: true, ptzChannel: 5 });
    expect(hasErrorCode(await rejection(wrong.require('ptz').stop()), 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });
});

describe('events', () => {
  it('delivers triggered events and IVS events whose JSON holds ";" and "="', async () => {
    const device = await emulator();
    const session = await connect(device);
    const events = await listen(device, session);
    device.triggerEvent({ kind: 'motion', state: 'start' });
    device.triggerEvent({ kind: 'io', state: 'start', channel: 2 });
    device.emitEvent({ code: 'CrossLineDetection', action: 'Start', data: { Name: 'gate;lane=2', UTC: 1620477656, UTCMS: 180, Object: { ObjectType: 'Vehicle' } } });
    device.triggerEvent({ kind: 'motion', state: 'stop' });
    await waitFor(() => events.length >= 4, 'four events');
    expect(events.map((e) => [e.kind, e.state, e.channel])).toEqual([
      ['motion', 'start', 1],
      ['io', 'start', 2],
      ['lineCrossing', 'start', 1],
      ['motion', 'stop', 1],
    ]);
    expect(events[2]).toMatchObject({ at: 1620477656180, data: { rule: 'gate;lane=2', objectType: 'Vehicle' } });
  });

  it("drops other channels' video events on a recorder channel", async () => {
    const device = await emulator({ identity: { model: 'DHI-NVR4108HS-4KS2' }, channels: 4 });
    const session = await connect(device, { channel: 2 });
    const events = await listen(device, session);
    device.triggerEvent({ kind: 'motion', state: 'start', channel: 1 });
    device.triggerEvent({ kind: 'videoLoss', state: 'start', channel: 2 });
    await waitFor(() => events.length >= 1, 'an event');
    device.triggerEvent({ kind: 'tamper', state: 'start', channel: 2 });
    await waitFor(() => events.length >= 2, 'two events');
    expect(events.map((e) => [e.kind, e.channel])).toEqual([
      ['videoLoss', 2],
      ['tamper', 2],
    ]);
  });

  it('skips garbled parts, keeps the channel open on heartbeats, and reopens it after a restart', async () => {
    const device = await emulator();
    const logger = recordingLogger();
    const session = await dahua({ timeoutMs: 5000, heartbeatSec: 1, eventRetryInitialMs: 100, eventRetryMaxMs: 500 })({ logger, clock: systemClock }).connect(device.connection());
    sessions.push(session);
    const events = await listen(device, session);
    const attaches = (): number => device.requests.filter((r) => r.path === '/cgi-bin/eventManager.cgi').length;
    device.setFault('malformed');
    device.triggerEvent({ kind: 'motion', state: 'start' });
    device.setFault('none');
    device.triggerEvent({ kind: 'tamper', state: 'start' });
    await waitFor(() => events.length >= 1, 'the event after the garbled one');
    expect(events.map((e) => e.kind)).toEqual(['tamper']);
    expect(logger.lines.some((line) => line.msg === 'Dahua event part skipped')).toBe(true);
    // Three heartbeat periods of silence: the heartbeats keep the 3 s idle limit from firing.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(attaches()).toBe(1);
    await device.restart(300);
    await waitFor(() => device.eventSubscribers > 0, 'the channel to reopen');
    device.triggerEvent({ kind: 'motion', state: 'start' });
    await waitFor(() => events.length >= 2, 'an event after the restart');
    expect(events[1]).toMatchObject({ kind: 'motion', state: 'start' });
    expect(events.some((e) => e.kind === 'error')).toBe(false);
  });

  it('ends with ARGUS_ERR_DRIVER_AUTH when the password changes', async () => {
    const device = await emulator();
    const session = await connect(device);
    await listen(device, session);
    const failure = firstValueFrom(session.require('events').events$.pipe(toArray())).catch((err: unknown) => err);
    await waitFor(() => device.eventSubscribers >= 2, 'the second channel');
    device.setPassword('Changed-Pass-2');
    await device.restart(0);
    expect(hasErrorCode(await failure, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });
});
