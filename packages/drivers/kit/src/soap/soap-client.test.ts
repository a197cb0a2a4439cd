import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ManualClock } from '@argus/core';
import { recordingLogger } from '@argus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpAuthServer } from '../auth/http-auth-server.js';
import { DeviceHttpClient } from '../http/device-http-client.js';
import { fixtureOrSkip } from '../http/shared-fixtures.test-helper.js';
import { parseXml, xmlPath, xmlString, type XmlObject } from '../xml/parse-xml.js';
import { ClockOffset } from './clock-offset.js';
import { parseSoapFault } from './parse-soap-fault.js';
import { SoapClient } from './soap-client.js';
import { soapEnvelope } from './soap-envelope.js';
import { wsseCreated, wssePasswordDigest, wsseUsernameToken } from './wsse-username-token.js';

describe('wsseUsernameToken', () => {
  it('reproduces the ONVIF Application Programmer\'s Guide PasswordDigest example', () => {
    // Nonce, Created and password from the ONVIF Application Programmer's Guide (section "Authentication").
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    const header = wsseUsernameToken('user', 'userpassword', { nonce, created: new Date('2010-09-16T07:50:45Z') });
    const token = xmlPath(parseXml(header), 'Security', 'UsernameToken');
    expect(xmlString(token, 'Username')).toBe('user');
    expect(xmlString(token, 'Password')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
    expect(xmlString(token, 'Password', '@_Type')).toMatch(/username-token-profile-1\.0#PasswordDigest$/);
    expect(xmlString(token, 'Nonce')).toBe('LKqI6G/AikKCQrN0zqZFlg==');
    expect(xmlString(token, 'Created')).toBe('2010-09-16T07:50:45Z');
    expect(header).not.toContain('userpassword');
  });

  it('writes Created without milliseconds, escapes the user name and uses a fresh nonce each time', () => {
    expect(wsseCreated(new Date('2024-07-09T19:49:06.789Z'))).toBe('2024-07-09T19:49:06Z');
    expect(() => wsseCreated(new Date('nope'))).toThrow(RangeError);
    const a = wsseUsernameToken('a<b', 'pw');
    const b = wsseUsernameToken('a<b', 'pw');
    expect(xmlString(parseXml(a), 'Security', 'UsernameToken', 'Username')).toBe('a<b');
    expect(xmlString(parseXml(a), 'Security', 'UsernameToken', 'Nonce')).not.toBe(xmlString(parseXml(b), 'Security', 'UsernameToken', 'Nonce'));
  });

  const mockup = fixtureOrSkip('onvif', 'agsh-serverMockup', 'GetDeviceInformation.xml');
  it.skipIf(mockup === undefined)('has the shape of the UsernameToken in a captured envelope (agsh mockup)', () => {
    const captured = xmlPath(parseXml(readFileSync(mockup ?? '', 'utf8')), 'Envelope', 'Header', 'Security', 'UsernameToken') as XmlObject;
    const ours = xmlPath(parseXml(wsseUsernameToken('admin', 'x')), 'Security', 'UsernameToken') as XmlObject;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(captured).sort());
    expect(xmlString(ours, 'Password', '@_Type')).toBe(xmlString(captured, 'Password', '@_Type'));
    // Captured Created and Nonce decode the same way ours do.
    expect(Buffer.from(xmlString(captured, 'Nonce') ?? '', 'base64').length).toBeGreaterThan(0);
    expect(Number.isFinite(Date.parse(xmlString(captured, 'Created') ?? ''))).toBe(true);
  });
});

describe('soapEnvelope and ClockOffset', () => {
  it('wraps a body and header in a SOAP 1.2 envelope declaring the ONVIF prefixes', () => {
    const xml = soapEnvelope('<tds:GetDeviceInformation/>', { header: '<x:H xmlns:x="urn:x"/>', namespaces: { my: 'urn:my&co' } });
    const doc = parseXml(xml);
    expect(xmlPath(doc, 'Envelope', 'Body', 'GetDeviceInformation')).toBe('');
    expect(xmlPath(doc, 'Envelope', 'Header', 'H')).toBe('');
    expect(xml).toContain('xmlns:s="http://www.w3.org/2003/05/soap-envelope"');
    expect(xml).toContain('xmlns:tds="http://www.onvif.org/ver10/device/wsdl"');
    expect(xml).toContain('xmlns:my="urn:my&amp;co"');
    expect(soapEnvelope('<a/>')).not.toContain('Header');
    expect(() => soapEnvelope('<a/>', { namespaces: { 'bad prefix': 'urn:x' } })).toThrow(TypeError);
  });

  it('ClockOffset corrects local time to the device clock', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const offset = new ClockOffset(clock);
    expect(offset.offsetMs).toBe(0);
    offset.update(new Date('2026-01-01T00:05:00Z'));
    expect(offset.offsetMs).toBe(300_000);
    clock.advance(1000);
    expect(offset.now().toISOString()).toBe('2026-01-01T00:05:01.000Z');
    expect(() => offset.update(new Date(Number.NaN))).toThrow(RangeError);
  });
});

const onvif = fixtureOrSkip('onvif');
describe.skipIf(onvif === undefined)('parseSoapFault on fixtures', () => {
  const read = (...parts: string[]): string => readFileSync(join(onvif ?? '', ...parts), 'utf8');

  it('ex_onvif soap_fault: Sender / InvalidArgVal / NoProfile', () => {
    expect(parseSoapFault(parseXml(read('ex_onvif', 'soap_fault.xml')))).toEqual({
      code: 'Sender',
      subcode: 'NoProfile',
      subcodes: ['InvalidArgVal', 'NoProfile'],
      reason: 'Argument Value Invalid',
    });
  });

  it('the ONVIF Core spec fault over HTTP 500 (placeholder values, typographic quotes in its declaration)', () => {
    const raw = read('onvif-spec-examples', 'core_L1858_soap_fault_http500_placeholder.txt');
    expect(raw.split('\n')[0]).toBe('HTTP/1.1 500 Internal Server Error');
    const xml = raw.slice(raw.indexOf('<soapenv:Envelope'));
    expect(parseSoapFault(parseXml(xml))).toEqual({
      code: 'fault code',
      subcode: 'fault subcode',
      subcodes: ['fault subcode', 'fault subcode'],
      reason: 'fault reason',
    });
    // The declaration as printed (with ” quotes) is tolerated: a device's odd declaration must not hide its fault.
    expect(parseSoapFault(parseXml(raw.slice(raw.indexOf('<?xml'))))?.reason).toBe('fault reason');
  });

  it('no fault in a normal response; SOAP 1.1 faults too', () => {
    expect(parseSoapFault(parseXml(read('ex_onvif', 'get_device_information.xml')))).toBeUndefined();
    expect(
      parseSoapFault(parseXml('<e:Envelope xmlns:e="urn:e"><e:Body><e:Fault><faultcode>e:Client</faultcode><faultstring>bad</faultstring></e:Fault></e:Body></e:Envelope>')),
    ).toEqual({ code: 'Client', subcodes: [], reason: 'bad' });
  });
});

// A small ONVIF-ish device on 127.0.0.1 that checks the WS-Security token itself.
interface SoapRequest {
  path: string;
  contentType: string;
  action: string | undefined;
  signed: boolean;
  created: string | undefined;
  operation: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function fault(status: number, code: string, subcode: string, reason: string): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
    res.end(
      `<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error">` +
        `<env:Body><env:Fault><env:Code><env:Value>env:${code}</env:Value><env:Subcode><env:Value>ter:${subcode}</env:Value></env:Subcode></env:Code>` +
        `<env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`,
    );
  };
}

async function onvifDevice(options: { digest?: boolean; password?: string; deviceTime?: Date } = {}): Promise<{ url: string; requests: SoapRequest[] }> {
  const password = options.password ?? 'onvif-pass';
  const digest = options.digest === true ? new HttpAuthServer({ realm: 'onvif', username: 'admin', password }) : undefined;
  const requests: SoapRequest[] = [];
  const deviceInfo = onvif === undefined ? '' : readFileSync(join(onvif, 'ex_onvif', 'get_device_information.xml'), 'utf8');
  const dateTime = onvif === undefined ? '' : readFileSync(join(onvif, 'ex_onvif', 'get_system_date_and_time.xml'), 'utf8');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (digest !== undefined) {
        const check = digest.check(req.method ?? 'POST', req.url ?? '/', req.headers.authorization);
        if (!check.ok) {
          res.writeHead(401, { 'WWW-Authenticate': check.challenges }).end();
          return;
        }
      }
      const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
      const body = xmlPath(doc, 'Envelope', 'Body') as XmlObject;
      const operation = Object.keys(body)[0] ?? '';
      const token = xmlPath(doc, 'Envelope', 'Header', 'Security', 'UsernameToken');
      const contentType = req.headers['content-type'] ?? '';
      requests.push({
        path: req.url ?? '',
        contentType,
        action: /action="([^"]+)"/.exec(contentType)?.[1],
        signed: token !== undefined,
        created: xmlString(token, 'Created'),
        operation,
      });
      if (operation === 'GetSystemDateAndTime') {
        res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(dateTime);
        return;
      }
      const valid =
        token !== undefined &&
        xmlString(token, 'Username') === 'admin' &&
        xmlString(token, 'Password') ===
          wssePasswordDigest(Buffer.from(xmlString(token, 'Nonce') ?? '', 'base64'), xmlString(token, 'Created') ?? '', password);
      if (!valid) {
        fault(400, 'Sender', 'NotAuthorized', 'Sender not Authorized')(res);
        return;
      }
      switch (operation) {
        case 'GetDeviceInformation':
          res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(deviceInfo);
          return;
        case 'Stop':
          res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tptz:StopResponse xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"/></s:Body></s:Envelope>',
          );
          return;
        case 'GetProfile':
          res.writeHead(500, { 'Content-Type': 'application/soap+xml' }).end(readFileSync(join(onvif ?? '', 'ex_onvif', 'soap_fault.xml'), 'utf8'));
          return;
        case 'GetRecordings':
          fault(400, 'Receiver', 'ActionNotSupported', 'Optional Action Not Implemented')(res);
          return;
        case 'HtmlPlease':
          res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Welcome</body></html>');
          return;
        case 'Garbage':
          res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end('<s:Envelope><s:Body>');
          return;
        case 'NotFound':
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
          return;
        default:
          res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

function soapClient(url: string, options: { password?: string; digest?: boolean; clock?: ClockOffset; logger?: ReturnType<typeof recordingLogger> } = {}): SoapClient {
  const password = options.password ?? 'onvif-pass';
  const http = new DeviceHttpClient({ baseUrl: url, ...(options.digest === true ? { username: 'admin', password } : {}) });
  cleanups.push(() => http.close());
  return new SoapClient({
    http,
    username: 'admin',
    password,
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
}

describe.skipIf(onvif === undefined)('SoapClient against a local ONVIF-style server', () => {
  it('signs calls, posts application/soap+xml with the action and returns the Body child', async () => {
    const dev = await onvifDevice();
    const logger = recordingLogger();
    const soap = soapClient(dev.url, { logger });
    const info = await soap.call('/onvif/device_service', '<tds:GetDeviceInformation/>', {
      action: 'http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation',
    });
    expect(xmlString(info, 'Model')).toBe('MS-C8165-PE');
    expect(xmlString(info, 'Manufacturer')).toBe('Milesight Technology Co.,Ltd.');
    expect(dev.requests[0]).toMatchObject({
      path: '/onvif/device_service',
      contentType: 'application/soap+xml; charset=utf-8; action="http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation"',
      action: 'http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation',
      signed: true,
      operation: 'GetDeviceInformation',
    });
    const named = await soap.callNamed('http://192.0.2.1/onvif/device_service', '<tds:GetDeviceInformation/>');
    expect(named.name).toBe('GetDeviceInformationResponse');
    expect(dev.requests[1]?.path).toBe('/onvif/device_service');
    expect(await soap.call('/onvif/ptz_service', '<tptz:Stop><tptz:ProfileToken>p</tptz:ProfileToken></tptz:Stop>')).toEqual({});
    expect(JSON.stringify(logger.lines)).not.toContain('onvif-pass');
  });

  it('works behind HTTP Digest as well (both layers)', async () => {
    const dev = await onvifDevice({ digest: true });
    const info = await soapClient(dev.url, { digest: true }).call('/onvif/device_service', '<tds:GetDeviceInformation/>');
    expect(xmlString(info, 'SerialNumber')).toBe('EM82V102329001403');
  });

  it('NotAuthorized fault -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await onvifDevice();
    await expect(soapClient(dev.url, { password: 'wrong' }).call('/onvif/device_service', '<tds:GetDeviceInformation/>')).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_AUTH',
      details: { faultSubcode: 'NotAuthorized', reason: 'Sender not Authorized' },
    });
  });

  it('a fixture fault (NoProfile) -> ARGUS_ERR_DRIVER_REQUEST_FAILED with the fault reason', async () => {
    const dev = await onvifDevice();
    await expect(soapClient(dev.url).call('/onvif/media_service', '<trt:GetProfile><trt:ProfileToken>x</trt:ProfileToken></trt:GetProfile>')).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_REQUEST_FAILED',
      details: { status: 500, faultCode: 'Sender', faultSubcode: 'NoProfile', reason: 'Argument Value Invalid', path: '/onvif/media_service' },
    });
  });

  it('ActionNotSupported -> ARGUS_ERR_DRIVER_UNSUPPORTED', async () => {
    const dev = await onvifDevice();
    await expect(
      soapClient(dev.url).call('/onvif/recording', '<trc:GetRecordings/>', { action: 'http://www.onvif.org/ver10/recording/wsdl/GetRecordings' }),
    ).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_UNSUPPORTED', details: { capability: 'http://www.onvif.org/ver10/recording/wsdl/GetRecordings' } });
  });

  it('a non-SOAP or broken reply -> ARGUS_ERR_DRIVER_PROTOCOL; a plain 404 -> ARGUS_ERR_DRIVER_REQUEST_FAILED', async () => {
    const dev = await onvifDevice();
    const soap = soapClient(dev.url);
    await expect(soap.call('/onvif/x', '<HtmlPlease xmlns="urn:t"/>')).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
    await expect(soap.call('/onvif/x', '<Garbage xmlns="urn:t"/>')).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
    await expect(soap.call('/onvif/x', '<NotFound xmlns="urn:t"/>')).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_REQUEST_FAILED',
      details: { status: 404 },
    });
    await expect(soap.call('onvif/x', '<a/>')).rejects.toThrow(TypeError);
  });

  it('syncClock reads GetSystemDateAndTime unsigned and shifts Created to the device clock', async () => {
    const dev = await onvifDevice();
    const local = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const offset = new ClockOffset(local);
    const soap = soapClient(dev.url, { clock: offset });
    const deviceTime = await soap.syncClock();
    // The Axis capture's UTCDateTime: 2024-07-09 19:49:06.
    expect(deviceTime.toISOString()).toBe('2024-07-09T19:49:06.000Z');
    expect(offset.offsetMs).toBe(Date.parse('2024-07-09T19:49:06Z') - Date.parse('2026-03-01T12:00:00Z'));
    expect(dev.requests[0]).toMatchObject({ operation: 'GetSystemDateAndTime', signed: false });
    expect(wsseCreated(soap.clock.now())).toBe('2024-07-09T19:49:06Z');
    await soap.call('/onvif/device_service', '<tds:GetDeviceInformation/>');
    expect(dev.requests[1]).toMatchObject({ signed: true, created: '2024-07-09T19:49:06Z' });
  });
});
