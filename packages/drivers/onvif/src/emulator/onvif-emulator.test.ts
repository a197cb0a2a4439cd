import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, ManualClock } from '@argus/core';
import { CameraFarm } from '@argus/driver-simulated';
import { ClockOffset, DeviceHttpClient, SoapClient, parseXml, soapEnvelope, wsseUsernameToken, type XmlObject } from '@argus/driver-kit';
import { onvifFixtures, readFixture } from '../fixtures.test-helper.js';
import {
  OnvifEventMapper,
  parseCapabilities,
  parseCreatePullPointSubscription,
  parseDeviceInformation,
  parseNetworkInterfacesMac,
  parsePresets,
  parseProbeMatches,
  parseProfiles,
  parsePullMessages,
  parseMedia2Profiles,
  parseMedia2SnapshotUri,
  parseMedia2StreamUri,
  parseServices,
  parseSetPresetResponse,
  parseSnapshotUri,
  parseStreamUri,
  parseSystemDateAndTime,
  soapBody,
  discoverOnvif,
} from '../index.js';
import { ONVIF_EMULATOR_PATHS, OnvifEmulator, WsseVerifier } from './index.js';

const root = onvifFixtures();
const fixture = (...parts: string[]): XmlObject => soapBody(readFixture(root ?? '', ...parts), 'fixture');

let farm: CameraFarm;
const emulators: OnvifEmulator[] = [];

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [
      // The agsh capture's main profile: H.264 1920x1080, 5 fps, 1000 kbit/s.
      { id: 'agsh-main', codec: 'h264', width: 1920, height: 1080, fps: 5, gopSeconds: 1, loopSeconds: 1, bitrateKbps: 1000 },
      { id: 'small', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: 'hevc', codec: 'h265', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
}, 180_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await farm?.close();
});

async function started(options: Partial<ConstructorParameters<typeof OnvifEmulator>[0]> = {}): Promise<OnvifEmulator> {
  const emulator = new OnvifEmulator({ farm, cameraId: 'small', ...options });
  emulators.push(emulator);
  await emulator.start();
  return emulator;
}

/** Asks the emulator as a client would (WS-Security with the device clock offset); returns the reply's Body. */
async function ask(emulator: OnvifEmulator, path: string, body: string, auth = true): Promise<XmlObject> {
  const http = new DeviceHttpClient({ baseUrl: `http://${emulator.host}:${emulator.httpPort}` });
  try {
    const soap = new SoapClient({ http, username: emulator.username, password: emulator.password, clock: new ClockOffset() });
    await soap.syncClock(ONVIF_EMULATOR_PATHS.device);
    const { name, value } = await soap.callNamed(path, body, { auth });
    return { [name]: value };
  } finally {
    await http.close();
  }
}

describe.skipIf(root === undefined)('OnvifEmulator answers like the captured devices (parsed with the driver parsers)', () => {
  it('GetDeviceInformation with the identity of the Milesight capture and of the agsh mockup', async () => {
    for (const file of [['ex_onvif', 'get_device_information.xml'], ['agsh-serverMockup', 'GetDeviceInformation.xml']]) {
      const captured = parseDeviceInformation(fixture(...file));
      const emulator = await started({ identity: { ...captured, hardwareId: captured.hardwareId ?? '' } });
      expect(parseDeviceInformation(await ask(emulator, ONVIF_EMULATOR_PATHS.device, '<tds:GetDeviceInformation/>'))).toEqual(captured);
    }
  });

  it('GetNetworkInterfaces reports the MAC of the agsh capture', async () => {
    const mac = parseNetworkInterfacesMac(fixture('agsh-serverMockup', 'device.GetNetworkInterfaces.xml'));
    const emulator = await started({ identity: { mac: mac ?? '' } });
    expect(parseNetworkInterfacesMac(await ask(emulator, ONVIF_EMULATOR_PATHS.device, '<tds:GetNetworkInterfaces/>'))).toBe(mac);
  });

  it('GetSystemDateAndTime, without credentials, at the Axis capture time (clock) and with a device clock skew', async () => {
    const captured = parseSystemDateAndTime(fixture('ex_onvif', 'get_system_date_and_time.xml'));
    const emulator = await started({ clock: new ManualClock(captured.getTime() - 3_600_000), clockSkewMs: 3_600_000 });
    expect(parseSystemDateAndTime(await ask(emulator, ONVIF_EMULATOR_PATHS.device, '<tds:GetSystemDateAndTime/>', false))).toEqual(captured);
  });

  it('GetProfiles: the main profile of a farm camera like the agsh capture parses to the same values', async () => {
    const [captured] = parseProfiles(fixture('agsh-serverMockup', 'GetProfiles.xml'));
    const emulator = await started({ cameraId: 'agsh-main', subCameraId: 'small', ptz: true });
    const profiles = parseProfiles(await ask(emulator, ONVIF_EMULATOR_PATHS.media, '<trt:GetProfiles/>'));
    const pick = (p: (typeof profiles)[number] | undefined) => ({
      token: p?.token,
      name: p?.name,
      encoding: p?.encoding,
      codec: p?.codec,
      width: p?.width,
      height: p?.height,
      fps: p?.fps,
      bitrateKbps: p?.bitrateKbps,
      absolute: p?.ptz?.absolute,
      relative: p?.ptz?.relative,
    });
    expect(pick(profiles[0])).toEqual(pick(captured));
    expect(profiles[1]).toMatchObject({ token: 'sub', codec: 'h264', width: 320, height: 240, fps: 10, bitrateKbps: 300 });
  });

  it('GetStreamUri and GetSnapshotUri: same MediaUri fields as agsh, URIs on 127.0.0.1 (RTSP port of the emulator)', async () => {
    const emulator = await started();
    const stream = parseStreamUri(
      await ask(
        emulator,
        ONVIF_EMULATOR_PATHS.media,
        '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>main</trt:ProfileToken></trt:GetStreamUri>',
      ),
    );
    const capturedStream = parseStreamUri(fixture('agsh-serverMockup', 'GetStreamUri.xml'));
    expect({ ...stream, uri: new URL(stream.uri).protocol }).toEqual({ ...capturedStream, uri: new URL(capturedStream.uri).protocol });
    expect(new URL(stream.uri).host).toBe(`127.0.0.1:${emulator.rtspPort}`);
    const snapshot = parseSnapshotUri(await ask(emulator, ONVIF_EMULATOR_PATHS.media, '<trt:GetSnapshotUri><trt:ProfileToken>sub</trt:ProfileToken></trt:GetSnapshotUri>'));
    const capturedSnapshot = parseSnapshotUri(fixture('agsh-serverMockup', 'GetSnapshotUri.xml'));
    expect({ ...snapshot, uri: new URL(snapshot.uri).protocol }).toEqual({ ...capturedSnapshot, uri: new URL(capturedSnapshot.uri).protocol });
    expect(new URL(snapshot.uri).host).toBe(`127.0.0.1:${emulator.httpPort}`);
  });

  it('GetCapabilities lists the services of the agsh capture (without imaging) and PullPoint support', async () => {
    const emulator = await started({ ptz: true });
    const captured = parseCapabilities(fixture('agsh-serverMockup', 'GetCapabilities.xml'));
    const answered = parseCapabilities(await ask(emulator, ONVIF_EMULATOR_PATHS.device, '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>', false));
    const { imaging: _imaging, ...withoutImaging } = captured;
    expect(Object.keys(answered).sort()).toEqual(Object.keys(withoutImaging).sort());
    expect(answered.pullPoint).toBe(true);
    for (const url of [answered.device, answered.media, answered.ptz, answered.events]) expect(new URL(url ?? '').hostname).toBe('127.0.0.1');
  });

  it('GetPresets and SetPreset with the presets of the ex_onvif capture', async () => {
    const captured = parsePresets(fixture('ex_onvif', 'get_ptz_presets.xml'));
    const emulator = await started({ ptz: true });
    for (const preset of captured) {
      emulator.ptz?.absoluteMove(preset.position ?? { pan: 0, tilt: 0, zoom: 0 });
      emulator.ptz?.setPreset(preset.name, preset.token);
    }
    expect(parsePresets(await ask(emulator, ONVIF_EMULATOR_PATHS.ptz, '<tptz:GetPresets><tptz:ProfileToken>main</tptz:ProfileToken></tptz:GetPresets>'))).toEqual(captured);
    const token = parseSetPresetResponse(fixture('ex_onvif', 'set_ptz_preset.xml'));
    expect(
      parseSetPresetResponse(
        await ask(emulator, ONVIF_EMULATOR_PATHS.ptz, `<tptz:SetPreset><tptz:ProfileToken>main</tptz:ProfileToken><tptz:PresetToken>${token}</tptz:PresetToken></tptz:SetPreset>`),
      ),
    ).toBe(token);
  });

  it('CreatePullPointSubscription and PullMessages are shaped like the Hikvision captures', async () => {
    const emulator = await started();
    const created = parseCreatePullPointSubscription(
      await ask(emulator, ONVIF_EMULATOR_PATHS.events, '<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>'),
    );
    const capturedCreated = parseCreatePullPointSubscription(fixture('ex_onvif', 'create_pull_point_subscription.xml'));
    const lifetime = (s: typeof created): number => (s.terminationTime ?? 0) - (s.currentTime ?? 0);
    expect(lifetime(created)).toBe(lifetime(capturedCreated));
    expect(new URL(created.address).hostname).toBe('127.0.0.1');

    const captured = parsePullMessages(fixture('ex_onvif', 'pull_messages.xml'));
    const first = parsePullMessages(await ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>'));
    // The state of every property first, as Hikvision sends it.
    const shape = (n: (typeof first.notifications)[number]) => ({ topic: n.topic, op: n.propertyOperation, source: Object.keys(n.source), data: Object.keys(n.data) });
    const capturedShapes = captured.notifications.map(shape);
    expect(first.notifications.map((n) => n.topic)).toEqual(['tns1:VideoSource/MotionAlarm', 'tns1:RuleEngine/CellMotionDetector/Motion', 'tns1:RuleEngine/TamperDetector/Tamper']);
    for (const s of first.notifications.map(shape)) expect(capturedShapes).toContainEqual(s);

    emulator.triggerEvent({ kind: 'motion', state: 'start' });
    const pulled = parsePullMessages(await ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT5S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>'));
    expect(pulled.notifications.map((n) => [n.topic, n.propertyOperation, Object.values(n.data)])).toEqual([
      ['tns1:VideoSource/MotionAlarm', 'Changed', ['true']],
      ['tns1:RuleEngine/CellMotionDetector/Motion', 'Changed', ['true']],
    ]);
    expect(pulled.notifications.map((n) => ({ source: Object.keys(n.source), data: Object.keys(n.data) }))).toEqual(
      captured.notifications.slice(0, 2).map((n) => ({ source: Object.keys(n.source), data: Object.keys(n.data) })),
    );
    const events = pulled.notifications.flatMap((n) => new OnvifEventMapper().process(n, 0));
    expect(events.map((e) => [e.kind, e.state, e.channel])).toEqual([
      ['motion', 'start', 1],
      ['motion', 'start', 1],
    ]);
  });

  it('answers a unicast WS-Discovery Probe like the agsh Probe capture, with XAddrs on 127.0.0.1', async () => {
    const captured = parseProbeMatches(readFixture(root ?? '', 'agsh-serverMockup', 'Probe.xml'))[0];
    const emulator = await started({ identity: { model: captured?.hardware ?? '', manufacturer: captured?.name ?? '' }, ptz: true, discovery: {} });
    const [device, ...others] = await discoverOnvif({ address: '127.0.0.1', port: emulator.discoveryPort, timeoutMs: 1500 });
    expect(others).toEqual([]);
    expect(device?.types).toEqual(captured?.types);
    expect([device?.hardware, device?.name]).toEqual([captured?.hardware, captured?.name]);
    for (const scope of captured?.scopes ?? []) if (!scope.includes('audio')) expect(device?.scopes).toContain(scope);
    expect(device?.xaddrs).toEqual([`http://127.0.0.1:${emulator.httpPort}${ONVIF_EMULATOR_PATHS.device}`]);
  });
});

describe('OnvifEmulator Media2 (Profile T)', () => {
  const allProfiles = '<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>';

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (err) {
      return err;
    }
    throw new Error('expected a rejection');
  }

  it('GetServices lists Media2 at its own XAddr on 127.0.0.1 (by default), or not at all when switched off', async () => {
    const on = await started();
    expect(parseServices(await ask(on, ONVIF_EMULATOR_PATHS.device, '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>', false)).media2).toBe(
      `http://127.0.0.1:${on.httpPort}${ONVIF_EMULATOR_PATHS.media2}`,
    );
    expect(on.scopes()).toContain('onvif://www.onvif.org/Profile/T');
    const off = await started({ media2: false });
    expect(parseServices(await ask(off, ONVIF_EMULATOR_PATHS.device, '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>', false)).media2).toBeUndefined();
    expect(off.scopes()).not.toContain('onvif://www.onvif.org/Profile/T');
    const http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${off.httpPort}`, username: off.username, password: off.password });
    try {
      const response = await http.request({ method: 'POST', path: ONVIF_EMULATOR_PATHS.media2, body: soapEnvelope(allProfiles) });
      expect(response.status).toBe(404);
    } finally {
      await http.close();
    }
  });

  it('Media2 GetProfiles follows the farm codec (H.265 main, H.264 sub) with the PTZ binding; ver10 shows the H.265 camera as H.264 by default', async () => {
    const emulator = await started({ cameraId: 'hevc', subCameraId: 'small', ptz: true });
    const media2 = parseMedia2Profiles(await ask(emulator, ONVIF_EMULATOR_PATHS.media2, allProfiles));
    expect(media2.map((p) => [p.token, p.mediaService, p.encoding, p.codec, p.width, p.height, p.fps, p.bitrateKbps, p.ptz?.nodeToken])).toEqual([
      ['main', 'media2', 'H265', 'h265', 320, 240, 10, 300, 'PTZNode_1'],
      ['sub', 'media2', 'H264', 'h264', 320, 240, 10, 300, 'PTZNode_1'],
    ]);
    const ver10 = parseProfiles(await ask(emulator, ONVIF_EMULATOR_PATHS.media, '<trt:GetProfiles/>'));
    expect(ver10.map((p) => [p.token, p.encoding, p.codec])).toEqual([
      ['main', 'H264', 'h264'],
      ['sub', 'H264', 'h264'],
    ]);
    // Same profiles, same tokens: a real device's two media services share them.
    expect(ver10.map((p) => [p.token, p.width, p.height, p.fps, p.bitrateKbps, p.ptz?.configurationToken])).toEqual(
      media2.map((p) => [p.token, p.width, p.height, p.fps, p.bitrateKbps, p.ptz?.configurationToken]),
    );
  });

  it('ver10 can also omit the encoder of an H.265 profile (Dahua) or write the non-schema H265', async () => {
    const omit = await started({ cameraId: 'hevc', subCameraId: 'small', media1H265: 'omit' });
    expect(parseProfiles(await ask(omit, ONVIF_EMULATOR_PATHS.media, '<trt:GetProfiles/>')).map((p) => [p.codec, p.width])).toEqual([
      ['none', 320],
      ['h264', 320],
    ]);
    const h265 = await started({ cameraId: 'hevc', media1H265: 'H265', media2: false });
    expect(parseProfiles(await ask(h265, ONVIF_EMULATOR_PATHS.media, '<trt:GetProfiles/>')).map((p) => p.codec)).toEqual(['h265', 'h265']);
  });

  it('Media2 GetProfiles honours Type and Token: names only without a Type, NoProfile for an unknown token', async () => {
    const emulator = await started({ cameraId: 'hevc', ptz: true });
    expect(parseMedia2Profiles(await ask(emulator, ONVIF_EMULATOR_PATHS.media2, '<tr2:GetProfiles/>'))).toEqual([
      { token: 'main', name: 'main', mediaService: 'media2', codec: 'none', width: 0, height: 0 },
      { token: 'sub', name: 'sub', mediaService: 'media2', codec: 'none', width: 0, height: 0 },
    ]);
    const encoderOnly = parseMedia2Profiles(await ask(emulator, ONVIF_EMULATOR_PATHS.media2, '<tr2:GetProfiles><tr2:Token>sub</tr2:Token><tr2:Type>VideoEncoder</tr2:Type></tr2:GetProfiles>'));
    expect(encoderOnly).toEqual([{ token: 'sub', name: 'sub', mediaService: 'media2', encoding: 'H265', codec: 'h265', width: 320, height: 240, fps: 10, bitrateKbps: 300 }]);
    const err = await failure(ask(emulator, ONVIF_EMULATOR_PATHS.media2, '<tr2:GetProfiles><tr2:Token>nope</tr2:Token><tr2:Type>All</tr2:Type></tr2:GetProfiles>'));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });

  it('Media2 GetStreamUri (RtspUnicast and RTSP give the ver10 URI; other protocols fault) and GetSnapshotUri', async () => {
    const emulator = await started({ cameraId: 'hevc' });
    const ver10 = parseStreamUri(
      await ask(
        emulator,
        ONVIF_EMULATOR_PATHS.media,
        '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>main</trt:ProfileToken></trt:GetStreamUri>',
      ),
    ).uri;
    for (const protocol of ['RtspUnicast', 'RTSP']) {
      const uri = parseMedia2StreamUri(await ask(emulator, ONVIF_EMULATOR_PATHS.media2, `<tr2:GetStreamUri><tr2:Protocol>${protocol}</tr2:Protocol><tr2:ProfileToken>main</tr2:ProfileToken></tr2:GetStreamUri>`));
      expect(uri).toEqual({ uri: ver10 });
    }
    expect(new URL(ver10).host).toBe(`127.0.0.1:${emulator.rtspPort}`);
    const refused = await failure(ask(emulator, ONVIF_EMULATOR_PATHS.media2, '<tr2:GetStreamUri><tr2:Protocol>RtspOverHttp</tr2:Protocol><tr2:ProfileToken>main</tr2:ProfileToken></tr2:GetStreamUri>'));
    expect(hasErrorCode(refused, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    const snapshot = parseMedia2SnapshotUri(await ask(emulator, ONVIF_EMULATOR_PATHS.media2, '<tr2:GetSnapshotUri><tr2:ProfileToken>sub</tr2:ProfileToken></tr2:GetSnapshotUri>'));
    expect(snapshot.uri).toBe(`http://127.0.0.1:${emulator.httpPort}${ONVIF_EMULATOR_PATHS.snapshot}?profile=sub`);
  });

  it('Media2 wants authentication like the other services', async () => {
    const emulator = await started();
    const err = await failure(ask(emulator, ONVIF_EMULATOR_PATHS.media2, allProfiles, false));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });
});

describe('OnvifEmulator authentication', () => {
  async function post(emulator: OnvifEmulator, body: string, header?: string): Promise<{ status: number; text: string; authenticate?: string }> {
    const http = new DeviceHttpClient({ baseUrl: `http://${emulator.host}:${emulator.httpPort}` });
    try {
      const res = await http.request({
        method: 'POST',
        path: ONVIF_EMULATOR_PATHS.device,
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        body: soapEnvelope(body, header === undefined ? {} : { header }),
      });
      return { status: res.status, text: res.text(), ...(res.headers['www-authenticate'] === undefined ? {} : { authenticate: res.headers['www-authenticate'] }) };
    } finally {
      await http.close();
    }
  }

  it('answers GetSystemDateAndTime without credentials and refuses GetDeviceInformation with a 401 Digest challenge and a NotAuthorized fault', async () => {
    const emulator = await started();
    expect((await post(emulator, '<tds:GetSystemDateAndTime/>')).status).toBe(200);
    const refused = await post(emulator, '<tds:GetDeviceInformation/>');
    expect(refused.status).toBe(401);
    expect(refused.authenticate).toMatch(/^Digest /);
    expect(soapBody(refused.text)).toHaveProperty('Fault');
    expect(refused.text).toContain('ter:NotAuthorized');
  });

  it('verifies UsernameToken digests, refuses a replayed nonce and a Created outside the window (400 NotAuthorized)', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const emulator = await started({ clock, wsseWindowMs: 5000 });
    const token = wsseUsernameToken(emulator.username, emulator.password, { created: new Date(clock.now()) });
    expect((await post(emulator, '<tds:GetDeviceInformation/>', token)).status).toBe(200);
    const replay = await post(emulator, '<tds:GetDeviceInformation/>', token);
    expect([replay.status, replay.text.includes('ter:NotAuthorized')]).toEqual([400, true]);
    const stale = wsseUsernameToken(emulator.username, emulator.password, { created: new Date(clock.now() - 60_000) });
    expect((await post(emulator, '<tds:GetDeviceInformation/>', stale)).status).toBe(400);
    const wrong = wsseUsernameToken(emulator.username, 'not-the-password', { created: new Date(clock.now()) });
    expect((await post(emulator, '<tds:GetDeviceInformation/>', wrong)).status).toBe(400);
  });

  it('in digest mode ignores WS-Security and accepts HTTP Digest; in wsse mode never challenges', async () => {
    const digestOnly = await started({ onvifAuth: 'digest' });
    const token = wsseUsernameToken(digestOnly.username, digestOnly.password);
    expect((await post(digestOnly, '<tds:GetDeviceInformation/>', token)).status).toBe(401);
    const http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${digestOnly.httpPort}`, username: digestOnly.username, password: digestOnly.password });
    try {
      const soap = new SoapClient({ http });
      expect(parseDeviceInformation({ GetDeviceInformationResponse: await soap.call(ONVIF_EMULATOR_PATHS.device, '<tds:GetDeviceInformation/>') }).serial).toBe(digestOnly.identity.serial);
    } finally {
      await http.close();
    }
    const wsseOnly = await started({ onvifAuth: 'wsse' });
    const refused = await post(wsseOnly, '<tds:GetDeviceInformation/>');
    expect([refused.status, refused.authenticate]).toEqual([400, undefined]);
  });

  it('a client that ignores the device clock is refused by a skewed device; one that syncs is not', async () => {
    const emulator = await started({ clockSkewMs: 2 * 3_600_000 });
    const http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${emulator.httpPort}` });
    try {
      const naive = new SoapClient({ http, username: emulator.username, password: emulator.password });
      let error: unknown;
      try {
        await naive.call(ONVIF_EMULATOR_PATHS.device, '<tds:GetDeviceInformation/>');
      } catch (err) {
        error = err;
      }
      expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
      await naive.syncClock(ONVIF_EMULATOR_PATHS.device);
      expect(Math.round(naive.clock.offsetMs / 60_000)).toBe(120);
      expect((await naive.call(ONVIF_EMULATOR_PATHS.device, '<tds:GetDeviceInformation/>'))['Model']).toBe(emulator.identity.model);
    } finally {
      await http.close();
    }
  });

  it('answers malformed requests with a SOAP fault and unknown operations with ActionNotSupported', async () => {
    const emulator = await started();
    const http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${emulator.httpPort}` });
    try {
      const broken = await http.request({ method: 'POST', path: ONVIF_EMULATOR_PATHS.device, body: '<s:Envelope><s:Body><unclosed>' });
      expect(broken.status).toBe(400);
      expect(broken.text()).toContain('ter:WellFormed');
      const get = await http.request({ path: ONVIF_EMULATOR_PATHS.device });
      expect(get.status).toBe(405);
    } finally {
      await http.close();
    }
    let error: unknown;
    try {
      await ask(emulator, ONVIF_EMULATOR_PATHS.device, '<tds:SystemReboot/>');
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_UNSUPPORTED')).toBe(true);
  });

  it('forgets pull points when it restarts (a reboot), so the old subscription faults', async () => {
    const emulator = await started();
    const created = parseCreatePullPointSubscription(
      await ask(emulator, ONVIF_EMULATOR_PATHS.events, '<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>'),
    );
    expect([emulator.pullPoints, emulator.eventSubscribers]).toEqual([1, 1]);
    await emulator.restart(0);
    expect([emulator.pullPoints, emulator.eventSubscribers]).toEqual([0, 0]);
    let error: unknown;
    try {
      await ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>');
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });

  it('every stop is a reboot (lifecycle hooks): stop() then start() forgets pull points and ends a waiting poll; WS-Discovery answers again on its port', async () => {
    const emulator = await started({ discovery: {} });
    const port = emulator.discoveryPort;
    const created = parseCreatePullPointSubscription(
      await ask(emulator, ONVIF_EMULATOR_PATHS.events, '<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>'),
    );
    // Drain the Initialized states, then leave a long poll waiting across the stop.
    await ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>');
    const waiting = ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT30S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>').then(
      () => 'answered',
      (err: unknown) => (hasErrorCode(err) ? 'failed' : 'crashed'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await emulator.stop();
    expect(await waiting).toBe('failed');
    expect([emulator.pullPoints, emulator.eventSubscribers]).toEqual([0, 0]);
    await emulator.start();
    expect(emulator.discoveryPort).toBe(port);
    expect((await discoverOnvif({ address: '127.0.0.1', port, timeoutMs: 1500 })).map((d) => d.xaddrs)).toEqual([[`http://127.0.0.1:${emulator.httpPort}${ONVIF_EMULATOR_PATHS.device}`]]);
    let error: unknown;
    try {
      await ask(emulator, created.address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>');
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });
});

describe('WsseVerifier', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const verifier = (): WsseVerifier => new WsseVerifier({ username: 'admin', password: 'pässword', now: () => now, windowMs: 10_000 });
  const security = (xml: string): XmlObject => (parseXml(`<s:Envelope xmlns:s="x"><s:Header>${xml}</s:Header></s:Envelope>`)['Envelope'] as XmlObject)['Header'] as XmlObject;

  it('accepts a digest made by the kit (non-ASCII password), PasswordText, and reports what is wrong otherwise', () => {
    const v = verifier();
    const ok = security(wsseUsernameToken('admin', 'pässword', { created: new Date(now) }))['Security'];
    expect(v.verify(ok)).toEqual({ ok: true, username: 'admin' });
    expect(v.verify(ok)).toEqual({ ok: false, present: true, reason: 'nonce replayed' });
    expect(v.verify(undefined)).toEqual({ ok: false, present: false, reason: 'no UsernameToken' });
    const text = security(
      '<wsse:Security xmlns:wsse="w"><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">pässword</wsse:Password></wsse:UsernameToken></wsse:Security>',
    )['Security'];
    expect(v.verify(text).ok).toBe(true);
    const late = security(wsseUsernameToken('admin', 'pässword', { created: new Date(now + 11_000) }))['Security'];
    expect(v.verify(late)).toEqual({ ok: false, present: true, reason: 'Created outside the time window' });
    const stranger = security(wsseUsernameToken('root', 'pässword', { created: new Date(now) }))['Security'];
    expect(v.verify(stranger)).toEqual({ ok: false, present: true, reason: 'unknown user' });
  });
});
