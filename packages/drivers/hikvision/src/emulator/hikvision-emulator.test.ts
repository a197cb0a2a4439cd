import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { DeviceHttpClient, MultipartParser, parseAuthChallenges } from '@argus/driver-kit';
import type { CameraFarm } from '@argus/driver-simulated';
import { parseDeviceInfo, toDeviceInfo } from '../parse-device-info.js';
import { alertToDeviceEvent, parseEventAlert, type IsapiEventAlert } from '../parse-event-alert.js';
import { parseResponseStatus } from '../parse-response-status.js';
import { isapiHint } from '../probe-hints.js';
import { ALERT_STREAM_CAPTURE, fixtureOrSkip } from '../shared-fixtures.test-helper.js';
import { MAIN_CAMERA, startTestFarm, SUB_CAMERA } from '../test-farm.test-helper.js';
import { HikvisionEmulator } from './hikvision-emulator.js';

const capturePath = fixtureOrSkip(...ALERT_STREAM_CAPTURE);

/** Reads the alertStream raw until `parts` parts have arrived; returns the bytes and the response content type. */
async function readAlertStream(http: DeviceHttpClient, parts: number, onOpen?: () => void): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const res = await http.stream({ path: '/ISAPI/Event/notification/alertStream' });
  onOpen?.();
  const chunks: Buffer[] = [];
  const parser = new MultipartParser({ boundary: 'boundary', keepHeartbeats: true });
  let seen = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(Buffer.from(chunk));
      seen += parser.push(chunk).length;
      if (seen >= parts) break;
    }
  } finally {
    res.close();
  }
  return { bytes: Buffer.concat(chunks), contentType: res.headers['content-type'] };
}

/** Splits raw alertStream bytes into parts by the captured framing (Content-Length, next boundary right after). */
function framedParts(bytes: Buffer): { headerLines: string[]; body: Buffer; next: string }[] {
  const out: { headerLines: string[]; body: Buffer; next: string }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const headerLines = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const length = Number(/^Content-Length: (\d+)$/m.exec(headerLines.join('\n'))?.[1]);
    const body = bytes.subarray(headEnd + 4, headEnd + 4 + length);
    if (body.length < length) break;
    out.push({ headerLines, body, next: bytes.subarray(headEnd + 4 + length, headEnd + 4 + length + 12).toString('latin1') });
    at = headEnd + 4 + length;
  }
  return out;
}

function comparable(alert: IsapiEventAlert): Omit<IsapiEventAlert, 'dateTime' | 'time'> {
  const { dateTime: _dateTime, time: _time, ...rest } = alert;
  return rest;
}

describe('HikvisionEmulator', () => {
  let farm: CameraFarm;
  let emulator: HikvisionEmulator;
  let http: DeviceHttpClient;

  beforeAll(async () => {
    farm = await startTestFarm();
    // The capture's identity: the device's MAC and time zone (its address is never used: the emulator is loopback).
    emulator = new HikvisionEmulator({
      farm,
      cameraId: MAIN_CAMERA,
      subCameraId: SUB_CAMERA,
      identity: { mac: '8c:e7:48:da:94:8f' },
      timeZoneOffsetMinutes: -480,
      heartbeatMs: 100,
      repeatMs: 100,
      digestAlgorithms: ['SHA-256', 'MD5'],
    });
    await emulator.start();
    const { host, port, username, password } = emulator.connection();
    http = new DeviceHttpClient({ baseUrl: `http://${host}:${port}`, username, password });
  }, 180_000);

  afterAll(async () => {
    await http?.close();
    await emulator?.stop();
    await farm?.close();
  }, 60_000);

  describe.skipIf(capturePath === undefined)('alertStream parity with the capture', () => {
    const capture = capturePath === undefined ? Buffer.alloc(0) : readFileSync(capturePath);

    it('frames parts exactly as the device did', async () => {
      const { bytes, contentType } = await readAlertStream(http, 3);
      expect(contentType).toBe('multipart/mixed; boundary=boundary');
      const captured = framedParts(capture);
      const emulated = framedParts(bytes);
      expect(captured).toHaveLength(2);
      expect(emulated.length).toBeGreaterThanOrEqual(2);
      for (const part of emulated) {
        // Same header lines in the same order (only the length differs with the address and port).
        expect(part.headerLines.map((l) => l.replace(/\d+$/, 'N'))).toEqual(captured[0]!.headerLines.map((l) => l.replace(/\d+$/, 'N')));
        expect(part.body.subarray(-27).toString('latin1')).toBe('</EventNotificationAlert>\r\n');
        expect(part.next.startsWith('--boundary') || part.next === '').toBe(true);
        // Same elements, in the same order, one per CRLF-terminated line.
        const tags = (b: Buffer) => b.toString('utf8').split('\r\n').map((line) => /^<\/?([A-Za-z]+)/.exec(line)?.[1] ?? line);
        expect(tags(part.body)).toEqual(tags(captured[0]!.body));
      }
      expect(bytes.subarray(0, 12).toString('latin1')).toBe('--boundary\r\n');
    });

    it('parses to the same values as the captured heartbeat', async () => {
      const { bytes } = await readAlertStream(http, 1);
      const emulated = parseEventAlert(framedParts(bytes)[0]!.body.toString('utf8'));
      const captured = parseEventAlert(framedParts(capture)[0]!.body.toString('utf8'));
      expect(comparable(emulated)).toEqual(comparable(captured));
      expect(emulated.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-8:00$/);
      const { at: _a, ...emulatedEvent } = alertToDeviceEvent(emulated, 0);
      const { at: _b, ...capturedEvent } = alertToDeviceEvent(captured, 0);
      expect(emulatedEvent).toEqual(capturedEvent);
    });
  });

  it('repeats VMD active alerts while motion lasts, with a growing activePostCount, and none after', async () => {
    const { bytes } = await readAlertStream(http, 4, () => emulator.triggerEvent({ kind: 'motion', state: 'start' }));
    emulator.triggerEvent({ kind: 'motion', state: 'stop' });
    const alerts = framedParts(bytes).map((p) => parseEventAlert(p.body.toString('utf8')));
    const vmd = alerts.filter((a) => a.eventType === 'VMD');
    expect(vmd.length).toBeGreaterThanOrEqual(3);
    expect(vmd.every((a) => a.eventState === 'active' && a.channel === 1)).toBe(true);
    expect(vmd.map((a) => a.activePostCount)).toEqual(vmd.map((_, i) => i + 1));
    const after = await readAlertStream(http, 3);
    expect(framedParts(after.bytes).map((p) => parseEventAlert(p.body.toString('utf8')).eventType)).toEqual(['videoloss', 'videoloss', 'videoloss']);
  });

  it('challenges with a Hikvision realm, SHA-256 and MD5 Digest', async () => {
    const { host, port } = emulator.connection();
    const anonymous = new DeviceHttpClient({ baseUrl: `http://${host}:${port}` });
    try {
      const res = await anonymous.request({ path: '/ISAPI/System/deviceInfo' });
      expect(res.status).toBe(401);
      const challenges = parseAuthChallenges(res.headers['www-authenticate']);
      expect(challenges.map((c) => [c.scheme, c.params['realm'], c.params['algorithm'] ?? 'MD5'])).toEqual([
        ['digest', `IP Camera(${emulator.identity.serial.slice(-5)})`, 'SHA-256'],
        ['digest', `IP Camera(${emulator.identity.serial.slice(-5)})`, 'MD5'],
      ]);
    } finally {
      await anonymous.close();
    }
  });

  it("answers 401 with the web server's error page, and a Server header only when configured", async () => {
    const { host, port } = emulator.connection();
    const anonymous = new DeviceHttpClient({ baseUrl: `http://${host}:${port}` });
    try {
      const res = await anonymous.request({ path: '/ISAPI/System/deviceInfo' });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('text/html');
      expect(res.text()).toContain('<h2>Access Error: 401 -- Unauthorized</h2>');
      expect(res.headers['server']).toBeUndefined();
      expect(isapiHint(res.headers, res.text())).toMatchObject({ score: 60, matched: ['realm'] });
    } finally {
      await anonymous.close();
    }
    const webs = new HikvisionEmulator({ farm, cameraId: MAIN_CAMERA, serverHeader: 'App-webs/' });
    await webs.start();
    const client = new DeviceHttpClient({ baseUrl: `http://${webs.host}:${webs.httpPort}` });
    const authenticated = new DeviceHttpClient({ baseUrl: `http://${webs.host}:${webs.httpPort}`, username: webs.username, password: webs.password });
    try {
      const res = await client.request({ path: '/ISAPI/System/deviceInfo' });
      expect([res.status, res.headers['server']]).toEqual([401, 'App-webs/']);
      // Two independent signs, realm and Server header, as a real device gives.
      expect(isapiHint(res.headers, res.text())).toMatchObject({ score: 65, matched: ['realm', 'server'] });
      const ok = await authenticated.request({ path: '/ISAPI/System/deviceInfo' });
      expect([ok.status, ok.headers['server']]).toEqual([200, 'App-webs/']);
    } finally {
      await client.close();
      await authenticated.close();
      await webs.stop();
    }
  });

  it('answers deviceInfo in the ISAPI namespace with its identity, and refuses PTZ on a fixed camera', async () => {
    const info = parseDeviceInfo(await http.text({ path: '/ISAPI/System/deviceInfo' }));
    expect(info.namespace).toBe('http://www.hikvision.com/ver20/XMLSchema');
    expect(toDeviceInfo(info)).toMatchObject({ manufacturer: 'Hikvision', model: emulator.identity.model, serial: emulator.identity.serial, mac: '8c:e7:48:da:94:8f' });
    const res = await http.request({ method: 'PUT', path: '/ISAPI/PTZCtrl/channels/1/continuous', body: '<PTZData><pan>10</pan><tilt>0</tilt><zoom>0</zoom></PTZData>' });
    expect(res.status).toBe(403);
    expect(parseResponseStatus(res.text())).toMatchObject({ statusCode: 4, subStatusCode: 'notSupport' });
    expect((await http.request({ path: '/ISAPI/Nothing/here' })).status).toBe(404);
  });

  it("under the 'malformed' fault answers broken XML and a truncated alertStream", async () => {
    emulator.setFault('malformed');
    try {
      let caught: unknown;
      try {
        parseDeviceInfo(await http.text({ path: '/ISAPI/System/deviceInfo' }));
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      const res = await http.stream({ path: '/ISAPI/Event/notification/alertStream' });
      const parser = new MultipartParser({ boundary: 'boundary' });
      const parts = [];
      let streamError: unknown;
      try {
        for await (const chunk of res.body) parts.push(...parser.push(chunk));
        parts.push(...parser.end());
      } catch (err) {
        streamError = err;
      } finally {
        res.close();
      }
      expect(parts).toHaveLength(1);
      let xmlError: unknown;
      try {
        parseEventAlert(Buffer.from(parts[0]!.body).toString('utf8'));
      } catch (err) {
        xmlError = err;
      }
      expect(hasErrorCode(xmlError, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(hasErrorCode(streamError, 'ARGUS_ERR_DRIVER_PROTOCOL'), String(streamError)).toBe(true);
    } finally {
      emulator.setFault('none');
    }
    expect(parseDeviceInfo(await http.text({ path: '/ISAPI/System/deviceInfo' })).model).toBe(emulator.identity.model);
  });
});
