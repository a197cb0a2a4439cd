import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import { hasErrorCode, ManualClock, silentLogger, systemClock, type DeviceEvent, type DeviceSession, type Driver, type ErrorCode } from '@argus/core';
import { parseXml, xmlPath } from '@argus/driver-kit';
import { recordingLogger, unusedPort, type LogLine } from '@argus/core/testing';
import { CameraFarm } from '@argus/driver-simulated';
import { onvifFixtures, readFixture } from './fixtures.test-helper.js';
import { onvif, type OnvifDriverOptions } from './index.js';
import { OnvifClient } from './onvif-client.js';
import { OnvifEmulator, type OnvifEmulatorOptions } from './emulator/index.js';
import { FAULTS, faultEnvelope, servicesReply } from './emulator/onvif-replies.js';
import { ONVIF_BRAND_IDENTITIES } from './onvif-certified-identities.test-helper.js';
import { pullPointEvents } from './pull-point-events.js';

let farm: CameraFarm;
const emulators: OnvifEmulator[] = [];
const sessions: DeviceSession[] = [];
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [
      { id: 'main', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: 'sub', codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
      { id: 'hevc', codec: 'h265', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
}, 180_000);

afterAll(async () => {
  for (const s of subscriptions) s.unsubscribe();
  for (const s of sessions) await s.close();
  for (const e of emulators) await e.stop();
  await farm?.close();
});

async function emulator(options: Partial<OnvifEmulatorOptions> = {}): Promise<OnvifEmulator> {
  const e = new OnvifEmulator({ farm, cameraId: 'main', subCameraId: 'sub', ptz: true, ...options });
  emulators.push(e);
  await e.start();
  return e;
}

function driver(options: OnvifDriverOptions = {}): { driver: Driver; lines: LogLine[] } {
  const logger = recordingLogger();
  return { driver: onvif(options)({ logger, clock: systemClock }), lines: logger.lines };
}

async function connect(d: Driver, e: OnvifEmulator, overrides: { password?: string; options?: Record<string, unknown> } = {}): Promise<DeviceSession> {
  const c = e.connection();
  const session = await d.connect({ host: c.host, port: c.port, username: c.username, password: overrides.password ?? c.password, ...(overrides.options === undefined ? {} : { options: overrides.options }) });
  sessions.push(session);
  return session;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<unknown> {
  const err = await failure(promise);
  expect(hasErrorCode(err, code), `expected ${code}, got ${err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err)}`).toBe(true);
  return err;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kit SOAP calls logged by the driver (node-onvif's calls log nothing), by action's last segment. */
function kitCalls(lines: readonly LogLine[]): string[] {
  return lines
    .filter((l) => l.msg === 'soap call')
    .map((l) => (String((l.obj as { action?: string }).action ?? '').split('/').pop() ?? '').replace(/Request$/, ''));
}

describe('ONVIF driver against the emulator', () => {
  it('connects through node-onvif: identity with the MAC, main and sub profiles with RTSP URIs, a snapshot of each', async () => {
    // A Profile S device: without Media2 every call is one node-onvif covers.
    const e = await emulator({ onvifAuth: 'wsse', media2: false });
    const { driver: d, lines } = driver();
    const session = await connect(d, e);
    expect(await session.require('deviceInfo').getDeviceInfo()).toEqual({ ...e.identity });
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles).toEqual([
      { id: 'main', name: 'main', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 300, uri: `rtsp://127.0.0.1:${e.rtspPort}/onvif-media/main` },
      { id: 'sub', name: 'sub', codec: 'h264', width: 160, height: 120, fps: 10, bitrateKbps: 150, uri: `rtsp://127.0.0.1:${e.rtspPort}/onvif-media/sub` },
    ]);
    for (const id of ['main', 'sub']) {
      const shot = await session.require('snapshot').snapshot(id);
      expect([shot.contentType, shot.data[0], shot.data[1]]).toEqual(['image/jpeg', 0xff, 0xd8]);
    }
    // Everything node-onvif covers went through node-onvif: the kit's SoapClient was never used.
    expect(kitCalls(lines)).toEqual([]);
  });

  it('a wrong password is ARGUS_ERR_DRIVER_AUTH from the NotAuthorized fault node-onvif reports', async () => {
    const e = await emulator();
    const { driver: d, lines } = driver();
    await expectCode(connect(d, e, { password: 'wrong' }), 'ARGUS_ERR_DRIVER_AUTH');
    expect(e.requests.filter((r) => r.path === '/onvif/device_service').map((r) => r.status)).toContain(400);
    expect(kitCalls(lines)).toEqual([]);
  });

  it('a device that wants HTTP Digest: node-onvif gets 401, the driver goes on through the kit SoapClient', async () => {
    const e = await emulator({ onvifAuth: 'digest' });
    const { driver: d, lines } = driver();
    const session = await connect(d, e);
    expect((await session.require('deviceInfo').getDeviceInfo()).serial).toBe(e.identity.serial);
    expect(lines.some((l) => l.msg?.includes('switching to the kit SOAP client'))).toBe(true);
    expect(kitCalls(lines)).toContain('GetDeviceInformation');
    expect((await session.require('streams').getStreamProfiles()).length).toBe(2);
    await expectCode(connect(d, e, { password: 'wrong' }), 'ARGUS_ERR_DRIVER_AUTH');
  });

  it('corrects WS-Security Created for a device clock three hours ahead, with either SOAP stack', async () => {
    const e = await emulator({ onvifAuth: 'wsse', clockSkewMs: 3 * 3_600_000, wsseWindowMs: 10_000 });
    for (const soapStack of ['node-onvif', 'kit'] as const) {
      const session = await connect(driver({ soapStack }).driver, e);
      expect((await session.require('deviceInfo').getDeviceInfo()).model).toBe(e.identity.model);
    }
  });

  it('plays live media from the URI GetStreamUri returned, with the device credentials', async () => {
    const e = await emulator();
    const session = await connect(driver().driver, e);
    const packets: { codec: string; width?: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = session
        .require('liveMedia')
        .openStream('sub')
        .subscribe({
          next: (p) => {
            packets.push({ codec: p.track.codec, ...(p.track.width === undefined ? {} : { width: p.track.width }) });
            if (packets.length === 30) {
              sub.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      subscriptions.push(sub);
    });
    expect(packets[0]).toEqual({ codec: 'h264', width: 160 });
  });

  it('PTZ: whole-second moves through node-onvif, sub-second timeouts and non-ASCII preset names through the kit', async () => {
    const e = await emulator({ media2: false });
    const { driver: d, lines } = driver();
    const session = await connect(d, e);
    const ptz = session.require('ptz');
    expect(ptz.ptzFeatures).toEqual({ absoluteMove: true, relativeMove: true, presets: true, maxPresets: 255, home: true });
    await ptz.continuousMove({ pan: 0.5, tilt: 0, zoom: 0 }, 2000);
    expect(e.ptz?.velocity).toEqual({ pan: 0.5, tilt: 0, zoom: 0 });
    await ptz.stop();
    expect(e.ptz?.velocity).toBeNull();
    expect(kitCalls(lines)).toEqual([]);
    await ptz.continuousMove({ pan: 0, tilt: 0.5, zoom: 0 }, 300);
    await waitUntil(() => e.ptz?.velocity === null, 5000, 'the 300 ms move to end');
    const name = 'Въезд & ворота <1>';
    const stored = e.ptz?.position;
    const id = await ptz.setPreset(name);
    expect(e.ptz?.presets().find((p) => p.id === id)?.name).toBe(name);
    expect(await ptz.getPresets()).toContainEqual({ id, name });
    expect(kitCalls(lines)).toEqual(['ContinuousMove', 'SetPreset']);
    await ptz.absoluteMove?.({ pan: -0.5, tilt: 0.5, zoom: 1 });
    expect(e.ptz?.position).toEqual({ pan: -0.5, tilt: 0.5, zoom: 1 });
    await ptz.relativeMove?.({ pan: 0.25, tilt: 0, zoom: -0.5 });
    expect(e.ptz?.position).toEqual({ pan: -0.25, tilt: 0.5, zoom: 0.5 });
    await ptz.gotoPreset(id);
    expect(e.ptz?.position).toEqual(stored);
    await ptz.removePreset(id);
    await expectCode(ptz.gotoPreset(id), 'ARGUS_ERR_DRIVER_REQUEST_FAILED');
    await expect(ptz.continuousMove({ pan: 2, tilt: 0, zoom: 0 })).rejects.toThrow(RangeError);
  });

  it('the kit stack alone (soapStack: kit) serves the whole session', async () => {
    const e = await emulator();
    const { driver: d, lines } = driver({ soapStack: 'kit' });
    const session = await connect(d, e);
    expect((await session.require('deviceInfo').getDeviceInfo()).mac).toBe(e.identity.mac);
    await session.require('ptz').gotoHome();
    expect(kitCalls(lines)).toEqual(expect.arrayContaining(['GetSystemDateAndTime', 'GetCapabilities', 'GetDeviceInformation', 'GetProfiles', 'GetNodes', 'GotoHomePosition']));
  });
});

describe('ONVIF Profile T: Media2', () => {
  const hevc = { cameraId: 'hevc', subCameraId: 'sub' } as const;

  async function firstPackets(session: DeviceSession, id: string, count: number): Promise<{ codec: string; width?: number }[]> {
    const packets: { codec: string; width?: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = session
        .require('liveMedia')
        .openStream(id)
        .subscribe({
          next: (p) => {
            packets.push({ codec: p.track.codec, ...(p.track.width === undefined ? {} : { width: p.track.width }) });
            if (packets.length === count) {
              sub.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      subscriptions.push(sub);
    });
    return packets;
  }

  it('an H.265 camera: profiles, stream and snapshot URIs from Media2; the stream plays as H.265', async () => {
    const e = await emulator(hevc);
    const { driver: d, lines } = driver();
    const session = await connect(d, e);
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles).toEqual([
      { id: 'main', name: 'main', codec: 'h265', width: 320, height: 240, fps: 10, bitrateKbps: 300, uri: `rtsp://127.0.0.1:${e.rtspPort}/onvif-media/main` },
      { id: 'sub', name: 'sub', codec: 'h264', width: 160, height: 120, fps: 10, bitrateKbps: 150, uri: `rtsp://127.0.0.1:${e.rtspPort}/onvif-media/sub` },
    ]);
    expect((await firstPackets(session, 'main', 10))[0]).toEqual({ codec: 'h265', width: 320 });
    const shot = await session.require('snapshot').snapshot('main');
    expect([shot.contentType, shot.data[0], shot.data[1]]).toEqual(['image/jpeg', 0xff, 0xd8]);
    // Media2 went through the kit's SoapClient (node-onvif has no Media2); ver10 media was never asked.
    const media2Actions = lines.filter((l) => l.msg === 'soap call' && String((l.obj as { action?: string }).action).startsWith('http://www.onvif.org/ver20/media/wsdl/'));
    expect(new Set(media2Actions.map((l) => String((l.obj as { action?: string }).action).split('/').pop()))).toEqual(new Set(['GetProfiles', 'GetStreamUri', 'GetSnapshotUri']));
    expect(e.requests.filter((r) => r.path === '/onvif/media_service')).toEqual([]);
    // PTZ is bound through the Media2 profile's PTZ configuration.
    await session.require('ptz').gotoHome();
  });

  it('the same camera through Media ver10 (media2: false) is what a Profile S client sees: H.264 claimed for an H.265 stream', async () => {
    const e = await emulator(hevc);
    const session = await connect(driver().driver, e, { options: { media2: false } });
    const [main] = await session.require('streams').getStreamProfiles();
    expect(main?.codec).toBe('h264');
    expect((await firstPackets(session, 'main', 5))[0]?.codec).toBe('h265');
    expect(e.requests.filter((r) => r.path === '/onvif/media2_service')).toEqual([]);
  });

  it('a device that refuses RtspUnicast: GetStreamUri falls back to the RTSP protocol and keeps it', async () => {
    const e = await emulator({ ...hevc, media2Protocols: ['RTSP'] });
    const { driver: d, lines } = driver({ soapStack: 'kit' });
    const session = await connect(d, e);
    expect((await firstPackets(session, 'sub', 5))[0]).toEqual({ codec: 'h264', width: 160 });
    expect((await session.require('streams').getStreamProfiles()).map((p) => p.codec)).toEqual(['h265', 'h264']);
    expect(lines.filter((l) => l.msg === 'Media2 GetStreamUri refused this protocol')).toHaveLength(1);
  });

  it('an H.264 Profile T device plays the same through Media2 and Media ver10', async () => {
    const e = await emulator();
    const viaMedia2 = await (await connect(driver().driver, e)).require('streams').getStreamProfiles();
    const viaMedia1 = await (await connect(driver().driver, e, { options: { media2: false } })).require('streams').getStreamProfiles();
    expect(viaMedia2).toEqual(viaMedia1);
  });
});

describe('ONVIF events through PullPoint', () => {
  function listen(session: DeviceSession): DeviceEvent[] {
    const events: DeviceEvent[] = [];
    subscriptions.push(session.require('events').events$.subscribe({ next: (ev) => events.push(ev), error: (err: unknown) => events.push({ kind: 'error', state: 'pulse', at: 0, data: { err } }) }));
    return events;
  }

  it('maps motion (sent on two topics, reported once), tamper, digital input and video loss; renews; unsubscribes', async () => {
    const e = await emulator();
    const { driver: d, lines } = driver({ subscriptionMs: 2000, pullTimeoutMs: 500 });
    const session = await connect(d, e);
    const events = listen(session);
    await waitUntil(() => e.eventSubscribers === 1, 5000, 'the pull point');
    e.triggerEvent({ kind: 'motion', state: 'start' });
    e.triggerEvent({ kind: 'tamper', state: 'start', channel: 2 });
    e.triggerEvent({ kind: 'io', state: 'start', channel: 3 });
    e.triggerEvent({ kind: 'videoLoss', state: 'start' });
    e.triggerEvent({ kind: 'motion', state: 'stop' });
    await waitUntil(() => events.length >= 5, 5000, 'five events');
    expect(events.map((ev) => [ev.kind, ev.state, ev.channel])).toEqual([
      ['motion', 'start', 1],
      ['tamper', 'start', 2],
      ['io', 'start', 3],
      ['videoLoss', 'start', 1],
      ['motion', 'stop', 1],
    ]);
    expect(events[0]?.data).toMatchObject({ topic: 'tns1:VideoSource/MotionAlarm', Source: 'VideoSource_1' });
    await waitUntil(() => kitCalls(lines).includes('Renew'), 5000, 'a Renew at half the subscription lifetime');
    subscriptions.pop()?.unsubscribe();
    await waitUntil(() => e.pullPoints === 0 && e.eventSubscribers === 0, 5000, 'Unsubscribe');
    expect(kitCalls(lines)).toContain('Unsubscribe');
  });

  it('subscribes again when the device forgets the subscription or restarts, and keeps delivering', async () => {
    const e = await emulator();
    const session = await connect(driver({ pullTimeoutMs: 1000 }).driver, e);
    const events = listen(session);
    await waitUntil(() => e.eventSubscribers === 1, 5000, 'the pull point');
    e.dropPullPoints();
    await waitUntil(() => e.eventSubscribers === 1, 10_000, 'a new pull point after the device forgot the first');
    e.triggerEvent({ kind: 'motion', state: 'start' });
    await waitUntil(() => events.some((ev) => ev.kind === 'motion' && ev.state === 'start'), 5000, 'motion after resubscribing');
    await e.restart(500);
    await waitUntil(() => e.eventSubscribers === 1, 15_000, 'a new pull point after the restart');
    e.triggerEvent({ kind: 'motion', state: 'stop' });
    await waitUntil(() => events.some((ev) => ev.kind === 'motion' && ev.state === 'stop'), 5000, 'motion stop after the restart');
    expect(events.filter((ev) => ev.kind === 'error')).toEqual([]);
  });

  it('completes events$ when the session closes', async () => {
    const e = await emulator();
    const session = await connect(driver({ pullTimeoutMs: 1000 }).driver, e);
    let completed = false;
    subscriptions.push(session.require('events').events$.subscribe({ complete: () => (completed = true) }));
    await waitUntil(() => e.eventSubscribers === 1, 5000, 'the pull point');
    await session.close();
    await waitUntil(() => completed, 5000, 'events$ to complete');
  });
});

describe('ONVIF driver failures are typed errors', () => {
  for (const soapStack of ['node-onvif', 'kit'] as const) {
    it(`${soapStack}: malformed replies and garbage -> PROTOCOL, a hung device -> TIMEOUT, a closed port -> UNREACHABLE`, async () => {
      const e = await emulator();
      const d = driver({ soapStack, timeoutMs: 1500 }).driver;
      e.setFault('malformed');
      await expectCode(connect(d, e), 'ARGUS_ERR_DRIVER_PROTOCOL');
      e.setFault('garbage');
      await expectCode(connect(d, e), 'ARGUS_ERR_DRIVER_PROTOCOL');
      e.setFault('hang');
      await expectCode(connect(d, e), 'ARGUS_ERR_DRIVER_TIMEOUT');
      e.setFault('none');
      await expectCode(d.connect({ host: '127.0.0.1', port: await unusedPort(), username: 'admin', password: 'x' }), 'ARGUS_ERR_DRIVER_UNREACHABLE');
      const session = await connect(d, e);
      expect((await session.require('deviceInfo').getDeviceInfo()).serial).toBe(e.identity.serial);
    });
  }

  it('rejects bad connection options with ARGUS_ERR_DRIVER_CONFIG_INVALID', async () => {
    const e = await emulator();
    await expectCode(connect(driver().driver, e, { options: { scheme: 'ftp' } }), 'ARGUS_ERR_DRIVER_CONFIG_INVALID');
    await expectCode(connect(driver().driver, e, { options: { unknown: true } }), 'ARGUS_ERR_DRIVER_CONFIG_INVALID');
  });
});

const root = onvifFixtures();

describe.skipIf(root === undefined)('captured SOAP faults and broken replies served over HTTP become typed errors', () => {
  let server: Server;
  let port = 0;
  let reply: { status: number; body: string } = { status: 200, body: '' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const soapStack of ['node-onvif', 'kit'] as const) {
    it(`${soapStack}: the ex_onvif NoProfile fault (HTTP 400), a template that is not XML, and another operation's reply`, async () => {
      const client = new OnvifClient({ host: '127.0.0.1', port, username: 'admin', password: 'x', soapStack, timeoutMs: 3000 });
      try {
        reply = { status: 400, body: readFixture(root ?? '', 'ex_onvif', 'soap_fault.xml') };
        const fault = await expectCode(client.getDeviceInformation(), 'ARGUS_ERR_DRIVER_REQUEST_FAILED');
        expect(JSON.stringify((fault as { details?: unknown }).details)).toMatch(/Argument Value Invalid/);
        reply = { status: 200, body: readFixture(root ?? '', 'agsh-serverMockup', 'PullMessages.xml') };
        await expectCode(client.getDeviceInformation(), 'ARGUS_ERR_DRIVER_PROTOCOL');
        reply = { status: 200, body: readFixture(root ?? '', 'ex_onvif', 'get_ptz_presets.xml') };
        await expectCode(client.getDeviceInformation(), 'ARGUS_ERR_DRIVER_PROTOCOL');
        reply = { status: 200, body: '' };
        await expectCode(client.getDeviceInformation(), 'ARGUS_ERR_DRIVER_PROTOCOL');
        reply = { status: 200, body: readFixture(root ?? '', 'ex_onvif', 'get_device_information.xml') };
        expect((await client.getDeviceInformation()).model).toBe('MS-C8165-PE');
      } finally {
        await client.close();
      }
    });
  }
});

describe.skipIf(root === undefined)('PullPoint events over captured replies (routed by operation)', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  let replies: Record<string, { status: number; body: string; delayMs?: number }> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = xmlPath(parseXml(Buffer.concat(chunks).toString('utf8')), 'Envelope', 'Body') as Record<string, unknown>;
        const operation = Object.keys(body).find((k) => !k.startsWith('@_')) ?? '';
        seen.push(operation);
        const reply = replies[operation] ?? { status: 500, body: faultEnvelope(FAULTS.actionNotSupported) };
        setTimeout(() => {
          res.writeHead(reply.status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
          res.end(reply.body);
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function client(): Promise<OnvifClient> {
    const c = new OnvifClient({ host: '127.0.0.1', port, username: 'admin', password: 'x', timeoutMs: 3000 });
    // The agsh capture's XAddrs point at 192.168.68.111: only their paths are used, on the address we reached.
    replies = { GetCapabilities: { status: 200, body: readFixture(root ?? '', 'agsh-serverMockup', 'GetCapabilities.xml') } };
    await c.resolveServices();
    expect(c.services).toEqual({ device: '/onvif/services', media: '/onvif/services', ptz: '/onvif/services', events: '/onvif/services' });
    return c;
  }

  it('pulls the spec line crossings from the Hikvision pull point, keeps pulling when Renew is refused, unsubscribes', async () => {
    const c = await client();
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    replies = {
      CreatePullPointSubscription: { status: 200, body: readFixture(root ?? '', 'ex_onvif', 'create_pull_point_subscription.xml') },
      PullMessages: { status: 200, body: readFixture(root ?? '', 'onvif-spec-examples', 'core_L8170_PullMessages_response_LineDetector_Crossed.xml'), delayMs: 50 },
      Renew: { status: 500, body: faultEnvelope(FAULTS.actionNotSupported) },
      Unsubscribe: { status: 200, body: readFixture(root ?? '', 'onvif-spec-examples', 'core_L8254_Unsubscribe_response.xml') },
    };
    seen.length = 0;
    const events: DeviceEvent[] = [];
    let failed: unknown;
    const sub = pullPointEvents(c, { logger: silentLogger(), clock }).subscribe({ next: (e) => events.push(e), error: (err: unknown) => (failed = err) });
    try {
      await waitUntil(() => events.length >= 2, 5000, 'two line crossings');
      expect(events.slice(0, 2).map((e) => [e.kind, e.state, e.data?.['Rule']])).toEqual([
        ['lineCrossing', 'pulse', 'MyImportantFence1'],
        ['lineCrossing', 'pulse', 'MyImportantFence2'],
      ]);
      clock.advance(31_000); // past half of the 60 s the Hikvision pull point grants
      await waitUntil(() => seen.includes('Renew'), 5000, 'a Renew');
      const after = events.length;
      await waitUntil(() => events.length >= after + 2, 5000, 'pulling to go on after the refused Renew');
      expect(seen.filter((op) => op === 'CreatePullPointSubscription')).toHaveLength(1);
      expect(failed).toBeUndefined();
    } finally {
      sub.unsubscribe();
    }
    await waitUntil(() => seen.includes('Unsubscribe'), 5000, 'Unsubscribe');
    await c.close();
  });

  it('errors events$ with ARGUS_ERR_DRIVER_UNSUPPORTED when the device has no PullPoint', async () => {
    const c = await client();
    replies = {};
    let failed: unknown;
    const sub = pullPointEvents(c, { logger: silentLogger(), clock: systemClock }).subscribe({ error: (err: unknown) => (failed = err) });
    try {
      await waitUntil(() => failed !== undefined, 5000, 'events$ to fail');
      expect(hasErrorCode(failed, 'ARGUS_ERR_DRIVER_UNSUPPORTED')).toBe(true);
    } finally {
      sub.unsubscribe();
      await c.close();
    }
  });
});

describe.skipIf(root === undefined)('Media2 fallback on a captured device (agsh replies) whose Media2 service misbehaves', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  let media2Reply: { status: number; body: string } = { status: 500, body: '' };

  beforeAll(async () => {
    const fixture = (name: string): { status: number; body: string } => ({ status: 200, body: readFixture(root ?? '', 'agsh-serverMockup', name) });
    // The capture's XAddrs are http://192.168.68.111/onvif/services: only their paths are used, here.
    const capturedHost = 'http://192.168.68.111';
    const replies: Record<string, { status: number; body: string }> = {
      GetSystemDateAndTime: fixture('GetSystemDateAndTime.xml'),
      GetCapabilities: fixture('GetCapabilities.xml'),
      GetServices: {
        status: 200,
        body: servicesReply({ device: `${capturedHost}/onvif/services`, media: `${capturedHost}/onvif/services`, media2: `${capturedHost}/onvif/media2`, events: `${capturedHost}/onvif/services` }),
      },
      GetDeviceInformation: fixture('GetDeviceInformation.xml'),
      GetProfiles: fixture('GetProfiles.xml'),
      GetStreamUri: fixture('GetStreamUri.xml'),
      GetNodes: fixture('GetNodes.xml'),
    };
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = xmlPath(parseXml(Buffer.concat(chunks).toString('utf8')), 'Envelope', 'Body') as Record<string, unknown>;
        const operation = Object.keys(body).find((k) => !k.startsWith('@_')) ?? '';
        seen.push(`${req.url ?? ''} ${operation}`);
        const reply = req.url === '/onvif/media2' ? media2Reply : (replies[operation] ?? { status: 500, body: faultEnvelope(FAULTS.actionNotSupported) });
        res.writeHead(reply.status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const captured = [{ id: 'main', name: 'main', codec: 'h264', width: 1920, height: 1080, fps: 5, bitrateKbps: 1000, uri: 'rtsp://192.168.68.111/h264main' }];

  for (const [what, reply] of [
    ['refuses GetProfiles (ActionNotSupported)', { status: 500, body: faultEnvelope(FAULTS.actionNotSupported) }],
    ['lists no video profile', { status: 200, body: '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"><s:Body><tr2:GetProfilesResponse><tr2:Profiles token="audio"><tr2:Name>audio</tr2:Name></tr2:Profiles></tr2:GetProfilesResponse></s:Body></s:Envelope>' }],
  ] as const) {
    it(`Media2 ${what}: the profiles come from Media ver10, and Media2 is not asked again in the session`, async () => {
      media2Reply = reply;
      seen.length = 0;
      const { driver: d, lines } = driver();
      const session = await d.connect({ host: '127.0.0.1', port, username: 'admin', password: 'x' });
      sessions.push(session);
      expect(await session.require('streams').getStreamProfiles()).toEqual(captured);
      expect(await session.require('streams').getStreamProfiles()).toEqual(captured);
      expect(seen.filter((s) => s.startsWith('/onvif/media2 '))).toEqual(['/onvif/media2 GetProfiles']);
      expect(seen.filter((s) => s === '/onvif/services GetProfiles').length).toBeGreaterThanOrEqual(2);
      expect(lines.some((l) => l.msg?.startsWith('Media2') && l.msg.includes('using Media ver10 for this session'))).toBe(true);
    });
  }
});

describe('ONVIF probe', () => {
  it('fingerprints an unauthenticated GetSystemDateAndTime (80) and identifies with credentials (95, camera type)', async () => {
    const e = await emulator();
    const d = driver().driver;
    const options = { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 };
    expect(await d.probe({ host: '127.0.0.1', port: e.httpPort }, options)).toEqual({ driver: 'onvif', score: 80, details: { devicePath: '/onvif/device_service' } });
    expect(await d.probe({ host: '127.0.0.1', port: e.httpPort, username: e.username, password: e.password }, options)).toMatchObject({
      driver: 'onvif',
      score: 95,
      cameraType: 24,
      model: e.identity.model,
      details: { profileT: true },
    });
    await expectCode(d.probe({ host: '127.0.0.1', port: e.httpPort, username: e.username, password: 'wrong' }, options), 'ARGUS_ERR_DRIVER_AUTH');
    expect(await d.probe({ host: '127.0.0.1', port: e.rtspPort, scheme: 'rtsp' }, options)).toBeNull();
  });

  it('signs the identification with the clock of the fingerprint reply, without asking GetSystemDateAndTime again', async () => {
    const e = await emulator({ onvifAuth: 'wsse', clockSkewMs: 3 * 3_600_000, wsseWindowMs: 10_000 });
    const { driver: d, lines } = driver({ soapStack: 'kit' });
    const options = { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 };
    expect(await d.probe({ host: '127.0.0.1', port: e.httpPort, username: e.username, password: e.password }, options)).toMatchObject({ score: 95 });
    expect(kitCalls(lines)).toEqual(['GetCapabilities', 'GetServices', 'GetDeviceInformation']);
  });

  it('identifies each certified camera type: 23 without Media2, 24 with it, 16-20 by manufacturer whatever the profile', async () => {
    const d = driver().driver;
    const options = { signal: AbortSignal.timeout(20_000), timeoutMs: 10_000 };
    const targets: { type: number; options: Partial<OnvifEmulatorOptions> }[] = [
      { type: 23, options: { media2: false } },
      { type: 24, options: {} },
      ...Object.entries(ONVIF_BRAND_IDENTITIES).flatMap(([type, identity]) => [
        { type: Number(type), options: { identity } },
        { type: Number(type), options: { identity, media2: false } },
      ]),
      { type: 20, options: { identity: { manufacturer: 'Milesight Technology Co.,Ltd.', model: 'MS-C8165-PE' } } },
    ];
    for (const target of targets) {
      const e = await emulator({ ptz: false, ...target.options });
      const match = await d.probe({ host: '127.0.0.1', port: e.httpPort, username: e.username, password: e.password }, options);
      expect([match?.cameraType, match?.model], `${e.identity.manufacturer} ${e.identity.model}, Media2 ${String(e.media2)}`).toEqual([target.type, e.identity.model]);
      await e.stop();
    }
  });

  it('is null for an HTTP server that is not ONVIF and for a port that answers garbage; unreachable for a closed port', async () => {
    const d = driver().driver;
    const options = { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 };
    const web: Server = createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not here</body></html>');
    });
    const junk: TcpServer = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('\u0000\u0001 not http at all\r\n\r\n', () => socket.destroy());
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    try {
      expect(await d.probe({ host: '127.0.0.1', port: (web.address() as { port: number }).port }, options)).toBeNull();
      expect(await d.probe({ host: '127.0.0.1', port: (junk.address() as { port: number }).port }, options)).toBeNull();
      await expectCode(d.probe({ host: '127.0.0.1', port: await unusedPort() }, options), 'ARGUS_ERR_DRIVER_UNREACHABLE');
    } finally {
      web.closeAllConnections();
      await new Promise<void>((resolve) => web.close(() => resolve()));
      await new Promise<void>((resolve) => junk.close(() => resolve()));
    }
  });
});
