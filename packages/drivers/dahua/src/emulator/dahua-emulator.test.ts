import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { RtspClient, videoTrackFromParameterSets } from '@argus/core/media';
import { DeviceHttpClient, parseAuthChallenges } from '@argus/driver-kit';
import type { CameraFarm } from '@argus/driver-simulated';
import { fixturesOrSkip, readFixture, readFixtureBytes } from '../fixtures.test-helper.js';
import { parseKeyValueLines } from '../parse-key-value.js';
import { parseEventPart } from '../parse-event-part.js';
import { parsePtzStatus } from '../parse-ptz-status.js';
import { parseSystemInfo } from '../parse-system-info.js';
import { MAIN_CAMERA, startTestFarm, SUB_CAMERA } from '../test-farm.test-helper.js';
import { DahuaEmulator, type DahuaEmulatorOptions } from './dahua-emulator.js';

const dir = fixturesOrSkip();

let farm: CameraFarm;
const started: DahuaEmulator[] = [];
const clients: DeviceHttpClient[] = [];

beforeAll(async () => {
  farm = await startTestFarm();
}, 180_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const emulator of started) await emulator.stop();
  await farm?.close();
});

async function emulator(options: Partial<DahuaEmulatorOptions> = {}): Promise<DahuaEmulator> {
  const device = new DahuaEmulator({ farm, cameraId: MAIN_CAMERA, subCameraId: SUB_CAMERA, ...options });
  started.push(device);
  await device.start();
  return device;
}

function client(device: DahuaEmulator, password = device.password): DeviceHttpClient {
  const http = new DeviceHttpClient({ baseUrl: `http://${device.host}:${device.httpPort}`, username: device.username, password });
  clients.push(http);
  return http;
}

/** Reads a multipart stream until `done` says the bytes so far are enough (or 5 s pass), then closes it. */
async function readStream(http: DeviceHttpClient, path: string, act: () => void, done: (text: string) => boolean): Promise<string> {
  const stream = await http.stream({ path });
  let text = '';
  const timer = setTimeout(() => stream.close(), 5000);
  try {
    act();
    for await (const chunk of stream.body) {
      text += Buffer.from(chunk).toString('utf8');
      if (done(text)) break;
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  return text;
}

describe.skipIf(dir === undefined)('DahuaEmulator parity with the captures', () => {
  const fixtures = dir ?? '';

  it('answers magicBox calls byte for byte like the captured Dahua IPC-HDW5831R-ZE', async () => {
    const device = await emulator({
      identity: { manufacturer: 'Dahua', model: 'IPC-HDW5831R-ZE', serial: '4X7C5A1ZAG21L3F', firmware: '2.800.0000016.0.R', hardwareId: '1.00' },
      systemInfo: { processor: 'S3LM', updateSerial: 'IPC-HDW5830R-Z', updateSerialCloudUpgrade: 'IPC-HDW5830R-Z:07:01:08:70:52:00:09:0E:03:00:04:8F0:00:00:00:00:00:02:00:00:600' },
      softwareBuild: '2020-06-05',
      machineName: 'FrontDoorCam',
    });
    const http = client(device);
    const expectSame = async (path: string, fixture: string): Promise<void> => {
      const text = await http.text({ path });
      expect(text, path).toBe(readFixture(fixtures, fixture));
      expect(parseKeyValueLines(text), path).toEqual(parseKeyValueLines(readFixture(fixtures, fixture)));
    };
    await expectSame('/cgi-bin/magicBox.cgi?action=getSystemInfo', 'rroller-dahua/magicBox_getSystemInfo.txt');
    await expectSame('/cgi-bin/magicBox.cgi?action=getDeviceType', 'rroller-dahua/magicBox_getDeviceType.txt');
    await expectSame('/cgi-bin/magicBox.cgi?action=getSoftwareVersion', 'rroller-dahua/magicBox_getSoftwareVersion.txt');
    await expectSame('/cgi-bin/magicBox.cgi?action=getMachineName', 'rroller-dahua/magicBox_getMachineName.txt');
    await expectSame('/cgi-bin/magicBox.cgi?action=getVendor', 'rroller-dahua/magicBox_getVendor.txt');
  });

  it('answers getSystemInfo like the captured Amcrest IP4M-1041B', async () => {
    const device = await emulator({
      identity: { manufacturer: 'Amcrest', model: 'IP4M-1041B', serial: '12345', hardwareId: '1.00' },
      systemInfo: { processor: 'SSC327DE', updateSerial: 'IPC-AW46WN-S2', updateSerialCloudUpgrade: 'IPC-AW46WN-.....' },
    });
    const text = await client(device).text({ path: '/cgi-bin/magicBox.cgi?action=getSystemInfo' });
    const fixture = readFixture(fixtures, 'scrypted-amcrest/magicBox_getSystemInfo_amcrest_IP4M-1041B.txt');
    expect(text).toBe(fixture);
    expect(parseSystemInfo(text)).toEqual(parseSystemInfo(fixture));
  });

  it('answers a dotted configManager name like the captured General.MachineName reply', async () => {
    const device = await emulator({ machineName: 'Cam4' });
    const text = await client(device).text({ path: '/cgi-bin/configManager.cgi?action=getConfig&name=General.MachineName' });
    expect(text).toBe(readFixture(fixtures, 'rroller-dahua/configManager_getConfig_General.MachineName.txt'));
  });

  it('answers ptz getStatus with the captured shape and values once the head sits at preset 2', async () => {
    const device = await emulator({ ptz: true });
    device.ptz?.absoluteMove({ pan: 91.6 / 180, tilt: -2.6 / 90, zoom: 0 });
    const http = client(device);
    expect(await http.text({ path: '/cgi-bin/ptz.cgi?action=start&channel=0&code=SetPreset&arg1=0&arg2=2&arg3=0' })).toBe('OK\r\n');
    device.ptz?.absoluteMove({ pan: 0, tilt: 0, zoom: 0.5 });
    expect(await http.text({ path: '/cgi-bin/ptz.cgi?action=start&channel=0&code=GotoPreset&arg1=0&arg2=2&arg3=0' })).toBe('OK\r\n');
    const text = await http.text({ path: '/cgi-bin/ptz.cgi?action=getStatus' });
    const fixture = readFixture(fixtures, 'rroller-dahua/ptz_getStatus.txt');
    expect(Object.keys(parseKeyValueLines(text))).toEqual(Object.keys(parseKeyValueLines(fixture)));
    const status = parsePtzStatus(text);
    const expected = parsePtzStatus(fixture);
    expect({ ...status, panDegrees: undefined, tiltDegrees: undefined }).toEqual({ ...expected, panDegrees: undefined, tiltDegrees: undefined });
    expect(status.panDegrees).toBeCloseTo(expected.panDegrees ?? Number.NaN, 5);
    expect(status.tiltDegrees).toBeCloseTo(expected.tiltDegrees ?? Number.NaN, 5);
  });

  it('frames emitted events byte for byte like the captured TimeChange/NTPAdjustTime stream', async () => {
    const device = await emulator();
    const capture = readFixtureBytes(fixtures, 'multipart-stream-rs/eventManager_attach_TimeChange_NTPAdjustTime.bin').toString('utf8');
    const text = await readStream(
      client(device),
      '/cgi-bin/eventManager.cgi?action=attach&codes=[All]',
      () => {
        device.emitEvent({ code: 'TimeChange', action: 'Pulse', data: { BeforeModifyTime: '2019-02-20 13:49:58', ModifiedTime: '2019-02-20 13:49:58' } });
        device.emitEvent({ code: 'NTPAdjustTime', action: 'Pulse', data: { Address: '192.168.5.254', Before: '2019-02-20 13:49:57', result: true } });
      },
      (t) => t.length >= capture.length + 2,
    );
    // The capture stops after the last part's first CRLF; the device writes CRLF CRLF after every part.
    expect(text).toBe(`${capture}\r\n`);
  });

  it('sends heartbeats byte for byte like the captured one, and motion parts like the captured VideoMotion part', async () => {
    const device = await emulator();
    const heartbeat = readFixtureBytes(fixtures, 'multipart-stream-rs/eventManager_attach_Heartbeat.bin').toString('utf8');
    const text = await readStream(client(device), '/cgi-bin/eventManager.cgi?action=attach&codes=[VideoMotion]&heartbeat=1', () => undefined, (t) => t.length >= heartbeat.length);
    expect(text).toBe(heartbeat);

    const part = readFixture(fixtures, 'rroller-dahua/eventManager_attach_part_VideoMotion_Start.txt');
    const motion = await readStream(
      client(device),
      '/cgi-bin/eventManager.cgi?action=attach&codes=[VideoMotion]',
      () => {
        device.triggerEvent({ kind: 'tamper', state: 'start' });
        device.triggerEvent({ kind: 'motion', state: 'start' });
      },
      (t) => t.split('\r\n\r\n').length >= 3,
    );
    const body = part.trimEnd();
    expect(motion).toBe(`--myboundary\r\nContent-Type: text/plain\r\nContent-Length:${Buffer.byteLength(`${body}\n`)}\r\n\r\n${body}\n\r\n\r\n`);
    expect(parseEventPart(`${body}\n`)).toEqual(parseEventPart(part));
  });
});

describe('DahuaEmulator protocol', () => {
  it('challenges with Digest MD5 and a "Login to <serial>" realm, and rejects a wrong password', async () => {
    const device = await emulator({ identity: { serial: 'EMU0SERIAL' } });
    const anonymous = new DeviceHttpClient({ baseUrl: `http://${device.host}:${device.httpPort}` });
    clients.push(anonymous);
    const reply = await anonymous.request({ path: '/cgi-bin/magicBox.cgi?action=getSystemInfo' });
    expect(reply.status).toBe(401);
    const [challenge] = parseAuthChallenges(reply.headers['www-authenticate']);
    expect(challenge?.scheme).toBe('digest');
    expect(challenge?.params).toMatchObject({ realm: 'Login to EMU0SERIAL', algorithm: 'MD5', qop: 'auth' });
    await expect(client(device, 'wrong').text({ path: '/cgi-bin/magicBox.cgi?action=getSystemInfo' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
  });

  it('answers Dahua errors for unknown actions and names, 404 for unknown CGIs', async () => {
    const http = client(await emulator());
    for (const path of [
      '/cgi-bin/magicBox.cgi?action=reboot',
      '/cgi-bin/configManager.cgi?action=getConfig&name=NoSuchTable',
      '/cgi-bin/ptz.cgi?action=getStatus',
      '/cgi-bin/snapshot.cgi?channel=9',
      '/cgi-bin/eventManager.cgi?action=attach&codes=All',
    ]) {
      const reply = await http.request({ path });
      expect([reply.status, reply.text()], path).toEqual([400, 'Error\r\nBad Request!\r\n']);
    }
    expect((await http.request({ path: '/cgi-bin/unknown.cgi' })).status).toBe(404);
  });

  it('reports the farm streams in the Encode config and its RTSP port', async () => {
    const device = await emulator({ channels: 2 });
    const http = client(device);
    const encode = parseKeyValueLines(await http.text({ path: '/cgi-bin/configManager.cgi?action=getConfig&name=Encode' }));
    expect(encode['table.Encode[1].MainFormat[0].Video.Width']).toBe('320');
    expect(encode['table.Encode[0].ExtraFormat[0].Video.Height']).toBe('120');
    expect(encode['table.Encode[0].ExtraFormat[1].VideoEnable']).toBe('false');
    const rtsp = parseKeyValueLines(await http.text({ path: '/cgi-bin/configManager.cgi?action=getConfig&name=RTSP' }));
    expect(rtsp['table.RTSP.Port']).toBe(String(device.rtspPort));
  });

  it('serves main and sub at /cam/realmonitor by subtype, and 404 for other channels and subtypes', async () => {
    const device = await emulator({ channels: 2 });
    const size = async (query: string): Promise<[number | undefined, number | undefined]> => {
      const rtsp = new RtspClient({ url: device.rtspUrl(`/cam/realmonitor?${query}`), username: device.username, password: device.password, timeoutMs: 5000 });
      try {
        const described = await rtsp.describe();
        const video = described.tracks.find((t) => t.type === 'video');
        const track = videoTrackFromParameterSets('h264', video?.parameterSets ?? [], 0);
        return [track.width, track.height];
      } finally {
        await rtsp.close();
      }
    };
    expect(await size('channel=1&subtype=0')).toEqual([320, 240]);
    expect(await size('channel=2&subtype=1')).toEqual([160, 120]);
    expect(await size('channel=1&subtype=1&unicast=true&proto=Onvif')).toEqual([160, 120]);
    for (const query of ['channel=3&subtype=0', 'channel=1&subtype=2']) {
      const error = await size(query).catch((err: unknown) => err);
      expect(hasErrorCode(error), `${query}: ${String(error)}`).toBe(true);
    }
  });

  it('keeps its ports across a restart', async () => {
    const device = await emulator();
    const ports = [device.httpPort, device.rtspPort];
    await device.restart(50);
    expect([device.httpPort, device.rtspPort]).toEqual(ports);
    expect(await client(device).text({ path: '/cgi-bin/magicBox.cgi?action=getVendor' })).toBe('vendor=Dahua\r\n');
  });

  it('breaks key=value replies and event parts under the malformed fault, and recovers', async () => {
    const device = await emulator();
    const http = client(device);
    device.setFault('malformed');
    const broken = await http.text({ path: '/cgi-bin/magicBox.cgi?action=getSystemInfo' });
    let error: unknown;
    try {
      parseSystemInfo(broken);
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    const garbled = await readStream(http, '/cgi-bin/eventManager.cgi?action=attach&codes=[All]', () => device.triggerEvent({ kind: 'motion', state: 'start' }), (t) => t.split('\r\n\r\n').length >= 3);
    const body = garbled.slice(garbled.indexOf('\r\n\r\n') + 4).trimEnd();
    expect(() => parseEventPart(body)).toThrow(/bad index|JSON/);
    device.setFault('none');
    expect(parseSystemInfo(await http.text({ path: '/cgi-bin/magicBox.cgi?action=getSystemInfo' })).serialNumber).toBe(device.identity.serial);
  });
});
