import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { ManualClock, hasErrorCode, type ConnectConfig } from '@argus/core';
import { recordingLogger, unusedPort } from '@argus/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpAuthServer, type HttpAuthServerOptions } from '../auth/http-auth-server.js';
import { parseAuthorizationHeader } from '../auth/http-digest.js';
import { DeviceHttpClient, pathForMessages, type DeviceHttpClientOptions } from './device-http-client.js';
import { httpScheme } from './http-scheme.js';

interface Seen {
  method: string;
  url: string;
  status: number;
  scheme: string | undefined;
  algorithm: string | undefined;
  nc: string | undefined;
  nonce: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A device on 127.0.0.1 guarded by an HttpAuthServer; records each request. */
async function device(
  auth: Partial<HttpAuthServerOptions> | undefined,
  handler: Handler = (_req, res) => res.end('ok'),
): Promise<{ url: string; seen: Seen[]; auth: HttpAuthServer | undefined; replaceAuth: () => void }> {
  const seen: Seen[] = [];
  const makeGuard = (): HttpAuthServer | undefined =>
    auth === undefined
      ? undefined
      : new HttpAuthServer({ realm: 'IP Camera(C1234)', username: 'admin', password: 'Secr3t!pass', ...auth });
  let guard = makeGuard();
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parsed = parseAuthorizationHeader(req.headers.authorization);
      const record = (status: number): void => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          status,
          scheme: parsed?.scheme,
          algorithm: parsed?.params['algorithm'],
          nc: parsed?.params['nc'],
          nonce: parsed?.params['nonce'],
        });
      };
      if (guard !== undefined) {
        const result = guard.check(req.method ?? 'GET', req.url ?? '/', req.headers.authorization);
        if (!result.ok) {
          record(401);
          res.writeHead(401, { 'WWW-Authenticate': result.challenges, 'Content-Type': 'text/html' });
          res.end('<html>401 Unauthorized</html>');
          return;
        }
      }
      let recorded = false;
      const once = (): void => {
        if (!recorded) record(res.statusCode);
        recorded = true;
      };
      res.on('finish', once);
      res.on('close', once);
      handler(req, res, Buffer.concat(chunks));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get auth() {
      return guard;
    },
    replaceAuth: () => {
      guard = makeGuard();
    },
  };
}

function client(options: DeviceHttpClientOptions): DeviceHttpClient {
  const http = new DeviceHttpClient(options);
  cleanups.push(() => http.close());
  return http;
}

const CREDS = { username: 'admin', password: 'Secr3t!pass' };

describe('DeviceHttpClient with Digest', () => {
  it.each([['MD5'], ['SHA-256'], ['MD5-sess'], ['SHA-256-sess']] as const)(
    'authenticates with Digest %s, reuses the nonce and counts nc up',
    async (algorithm) => {
      const dev = await device({ algorithms: [algorithm] }, (req, res) => res.end(`hello ${req.url}`));
      const http = client({ baseUrl: dev.url, ...CREDS });
      expect(await http.text({ path: '/ISAPI/System/deviceInfo' })).toBe('hello /ISAPI/System/deviceInfo');
      expect(await http.text({ path: '/a', query: { channel: 1, x: 'a b' } })).toBe('hello /a?channel=1&x=a%20b');
      expect(await http.text({ path: '/b?c=1' })).toBe('hello /b?c=1');
      expect(dev.seen.map((s) => s.status)).toEqual([401, 200, 200, 200]);
      const signed = dev.seen.slice(1);
      expect(signed.every((s) => s.scheme === 'digest' && s.algorithm === algorithm)).toBe(true);
      expect(signed.map((s) => s.nc)).toEqual(['00000001', '00000002', '00000003']);
      expect(new Set(signed.map((s) => s.nonce)).size).toBe(1);
    },
  );

  it('prefers SHA-256 when MD5 and SHA-256 are both offered, in either order', async () => {
    for (const algorithms of [['MD5', 'SHA-256'], ['SHA-256', 'MD5']] as const) {
      const dev = await device({ algorithms: [...algorithms] });
      const http = client({ baseUrl: dev.url, ...CREDS });
      await http.text({ path: '/x' });
      expect(dev.seen[1]?.algorithm).toBe('SHA-256');
    }
  });

  it('sends POST bodies again on the authenticated retry', async () => {
    const dev = await device({}, (_req, res, body) => res.end(`got ${body.toString()}`));
    const http = client({ baseUrl: dev.url, ...CREDS });
    const res = await http.request({ method: 'PUT', path: '/ISAPI/PTZCtrl/channels/1/continuous', body: '<PTZData/>' });
    expect(res.status).toBe(200);
    expect(res.text()).toBe('got <PTZData/>');
    expect(dev.seen.map((s) => [s.method, s.status])).toEqual([
      ['PUT', 401],
      ['PUT', 200],
    ]);
  });

  it('numbers concurrent requests under one nonce uniquely', async () => {
    const dev = await device({});
    const http = client({ baseUrl: dev.url, ...CREDS });
    await http.text({ path: '/first' });
    await Promise.all(Array.from({ length: 6 }, (_, i) => http.text({ path: `/p${i}` })));
    const ncs = dev.seen.filter((s) => s.status === 200).map((s) => s.nc);
    expect(new Set(ncs).size).toBe(7);
    expect(dev.seen.filter((s) => s.status === 401)).toHaveLength(1);
  });

  it('retries once on stale=true after the nonce expired, then keeps going', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const dev = await device({ clock, nonceTtlMs: 60_000 });
    const http = client({ baseUrl: dev.url, ...CREDS });
    await http.text({ path: '/one' });
    clock.advance(61_000);
    expect(await http.text({ path: '/two' })).toBe('ok');
    await http.text({ path: '/three' });
    expect(dev.seen.map((s) => [s.url, s.status, s.nc])).toEqual([
      ['/one', 401, undefined],
      ['/one', 200, '00000001'],
      ['/two', 401, '00000002'],
      ['/two', 200, '00000001'],
      ['/three', 200, '00000002'],
    ]);
    expect(dev.seen[2]?.nonce).not.toBe(dev.seen[3]?.nonce);
  });

  it('retries once when the device forgot its nonces (a fresh 401 without stale)', async () => {
    const dev = await device({});
    const http = client({ baseUrl: dev.url, ...CREDS });
    await http.text({ path: '/one' });
    dev.replaceAuth(); // a rebooted device: new nonce secret, same password
    expect(await http.text({ path: '/two' })).toBe('ok');
    await http.text({ path: '/three' });
    expect(dev.seen.map((s) => [s.url, s.status, s.nc])).toEqual([
      ['/one', 401, undefined],
      ['/one', 200, '00000001'],
      ['/two', 401, '00000002'],
      ['/two', 200, '00000001'],
      ['/three', 200, '00000002'],
    ]);
  });

  it('wrong password -> ARGUS_ERR_DRIVER_AUTH after exactly one retry', async () => {
    const dev = await device({});
    const http = client({ baseUrl: dev.url, username: 'admin', password: 'wrong' });
    const err = await http.text({ path: '/ISAPI/System/deviceInfo' }).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect((err as Error).message).toContain(dev.url);
    expect(dev.seen.map((s) => s.status)).toEqual([401, 401]);
    // request() also throws once it has authenticated.
    await expect(http.request({ path: '/x' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
  });

  it('a password changed on the device after a session started -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await device({});
    const http = client({ baseUrl: dev.url, ...CREDS });
    await http.text({ path: '/one' });
    dev.auth?.setPassword('changed');
    await expect(http.text({ path: '/two' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
    expect(dev.seen.map((s) => s.status)).toEqual([401, 200, 401, 401]);
  });

  it('without credentials request() returns the 401 and text() throws ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await device({});
    const http = client({ baseUrl: dev.url });
    const res = await http.request({ path: '/x' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Digest realm="IP Camera\(C1234\)"/);
    expect(res.text()).toContain('401');
    await expect(http.text({ path: '/x' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
    expect(dev.seen.every((s) => s.scheme === undefined)).toBe(true);
  });
});

describe('DeviceHttpClient with Basic', () => {
  it('uses Basic on a Basic-only device, and only after it was offered', async () => {
    const dev = await device({ schemes: ['basic'] }, (req, res) => res.end(req.headers.authorization?.split(' ')[0]));
    const http = client({ baseUrl: dev.url, ...CREDS });
    expect(await http.text({ path: '/one' })).toBe('Basic');
    expect(await http.text({ path: '/two' })).toBe('Basic');
    expect(dev.seen.map((s) => [s.scheme, s.status])).toEqual([
      [undefined, 401],
      ['basic', 200],
      ['basic', 200],
    ]);
  });

  it('prefers Digest when Basic is offered too', async () => {
    const dev = await device({ schemes: ['basic', 'digest'] });
    const http = client({ baseUrl: dev.url, ...CREDS });
    await http.text({ path: '/one' });
    expect(dev.seen[1]?.scheme).toBe('digest');
  });

  it('never sends Basic to a Digest-only device', async () => {
    const dev = await device({ schemes: ['digest'] });
    const http = client({ baseUrl: dev.url, username: 'admin', password: 'nope' });
    await expect(http.text({ path: '/' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
    expect(dev.seen.some((s) => s.scheme === 'basic')).toBe(false);
  });

  it('Basic with a wrong password -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await device({ schemes: ['basic'] });
    const http = client({ baseUrl: dev.url, username: 'admin', password: 'nope' });
    await expect(http.text({ path: '/' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
    expect(dev.seen.map((s) => s.status)).toEqual([401, 401]);
  });

  it('a 401 offering only an unknown scheme -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await device(undefined, (_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' }).end();
    });
    const http = client({ baseUrl: dev.url, ...CREDS });
    const err = await http.request({ path: '/' }).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect((err as Error & { details: { reason: string } }).details.reason).toMatch(/no supported/);
  });
});

describe('DeviceHttpClient statuses and bodies', () => {
  it('request() returns non-2xx; text() and bytes() throw ARGUS_ERR_DRIVER_REQUEST_FAILED with the status', async () => {
    const dev = await device(undefined, (req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 501;
      res.end('<ResponseStatus><statusCode>4</statusCode></ResponseStatus>');
    });
    const http = client({ baseUrl: dev.url });
    expect((await http.request({ path: '/missing' })).status).toBe(404);
    for (const [path, status] of [
      ['/missing', 404],
      ['/nope', 501],
    ] as const) {
      const err = await http.text({ path, method: 'post' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ARGUS_ERR_DRIVER_REQUEST_FAILED', details: { status, method: 'POST', path } });
      await expect(http.bytes({ path })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_REQUEST_FAILED' });
    }
  });

  it('json() parses and maps bad JSON to ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const dev = await device(undefined, (req, res) => res.end(req.url === '/good' ? '{"Response":{"ResponseCode":0}}' : '{"Response":'));
    const http = client({ baseUrl: dev.url });
    expect(await http.json({ path: '/good' })).toEqual({ Response: { ResponseCode: 0 } });
    await expect(http.json({ path: '/bad' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
  });

  it('xml() parses and maps truncated XML to ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const doc = '<?xml version="1.0"?><DeviceInfo xmlns="urn:x"><model>M1</model><firmwareVersion>V5</firmwareVersion></DeviceInfo>';
    const dev = await device(undefined, (req, res) => res.end(req.url === '/good' ? doc : doc.slice(0, 50)));
    const http = client({ baseUrl: dev.url });
    expect(await http.xml({ path: '/good' })).toMatchObject({ DeviceInfo: { model: 'M1', firmwareVersion: 'V5' } });
    await expect(http.xml({ path: '/bad' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
  });

  it('a body over maxBodyBytes -> ARGUS_ERR_DRIVER_PROTOCOL, with and without Content-Length', async () => {
    const big = Buffer.alloc(64 * 1024, 0x61);
    const dev = await device(undefined, (req, res) => {
      if (req.url === '/chunked') {
        res.write(big.subarray(0, 30_000));
        setTimeout(() => res.end(big.subarray(30_000)), 20);
      } else {
        res.setHeader('Content-Length', big.length);
        res.end(big);
      }
    });
    const http = client({ baseUrl: dev.url, maxBodyBytes: 40_000 });
    for (const path of ['/declared', '/chunked']) {
      const err = await http.request({ path }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL', details: { maxBodyBytes: 40_000 } });
    }
    const ok = client({ baseUrl: dev.url, maxBodyBytes: 64 * 1024 });
    expect((await ok.bytes({ path: '/chunked' })).body.byteLength).toBe(64 * 1024);
  });

  it('keeps a base URL path prefix and lower-cases response headers', async () => {
    const dev = await device(undefined, (req, res) => {
      res.setHeader('X-Vendor-Thing', 'yes');
      res.end(req.url);
    });
    const http = client({ baseUrl: `${dev.url}/prefix/` });
    const res = await http.request({ path: '/cgi-bin/a.cgi', query: { action: 'getSystemInfo' } });
    expect(res.text()).toBe('/prefix/cgi-bin/a.cgi?action=getSystemInfo');
    expect(res.headers['x-vendor-thing']).toBe('yes');
    expect(http.endpoint).toBe(`${dev.url}/prefix`);
  });

  it('never shows credentials from the base URL in its endpoint', () => {
    const http = client({ baseUrl: 'http://admin:pw@127.0.0.1:9/' });
    expect(http.endpoint).toBe('http://127.0.0.1:9');
    expect(() => new DeviceHttpClient({ baseUrl: 'not a url' })).toThrow(TypeError);
    expect(() => new DeviceHttpClient({ baseUrl: 'rtsp://127.0.0.1/' })).toThrow(TypeError);
  });

  it('forDevice() builds the base URL from a device address and authenticates with its credentials', async () => {
    const dev = await device({}, (req, res) => res.end(req.url));
    const port = Number(new URL(dev.url).port);
    const config: ConnectConfig = { host: '127.0.0.1', port, path: '/ignored', ...CREDS };
    const http = DeviceHttpClient.forDevice(config, 'http');
    const v6 = DeviceHttpClient.forDevice({ host: 'fe80::1' }, 'https');
    cleanups.push(() => http.close(), () => v6.close());
    expect(http.endpoint).toBe(dev.url);
    expect(await http.text({ path: '/a' })).toBe('/a');
    expect(dev.seen.map((s) => s.status)).toEqual([401, 200]);
    expect(v6.endpoint).toBe('https://[fe80::1]'); // URL origins leave the default port out
  });

  it('pathForMessages() drops the query; httpScheme() accepts http(s) in any case, or none', () => {
    expect(pathForMessages('/snapshot.cgi?user=admin&pwd=secret')).toBe('/snapshot.cgi');
    expect([undefined, '', 'HTTP', 'https', 'rtsp'].map(httpScheme)).toEqual(['http', 'http', 'http', 'https', undefined]);
  });
});

describe('DeviceHttpClient network failures', () => {
  it('a refused port -> ARGUS_ERR_DRIVER_UNREACHABLE', async () => {
    const port = await unusedPort();
    const http = client({ baseUrl: `http://127.0.0.1:${port}`, ...CREDS });
    const err = await http.text({ path: '/' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ARGUS_ERR_DRIVER_UNREACHABLE' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('a device that accepts and never answers -> ARGUS_ERR_DRIVER_TIMEOUT', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    const port = await listen(server);
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const http = client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    await expect(http.text({ path: '/' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_TIMEOUT', details: { timeoutMs: 300 } });
    await expect(http.stream({ path: '/events' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_TIMEOUT' });
    await expect(http.request({ path: '/', timeoutMs: 100 })).rejects.toMatchObject({ details: { timeoutMs: 100 } });
  });

  it('a body that stalls after the headers -> ARGUS_ERR_DRIVER_TIMEOUT', async () => {
    const dev = await device(undefined, (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
    });
    const http = client({ baseUrl: dev.url, timeoutMs: 300 });
    await expect(http.text({ path: '/' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_TIMEOUT' });
  });

  it.each([
    ['text garbage', 'SSH-2.0-OpenSSH_8.9\r\n\r\n'],
    ['binary garbage', '\u0000\u0001\u0002\u00ff\u00fe garbage \r\n\r\n'],
    ['a broken status line', 'HTTP/1.1 abc Nope\r\n\r\n'],
  ])('a socket answering %s -> ARGUS_ERR_DRIVER_PROTOCOL', async (_name, garbage) => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('data', () => s.write(garbage));
    });
    const port = await listen(server);
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const http = client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000, ...CREDS });
    await expect(http.text({ path: '/' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
  });

  it("a caller's abort rejects with the caller's reason", async () => {
    const dev = await device(undefined, () => undefined);
    const http = client({ baseUrl: dev.url });
    const controller = new AbortController();
    const pending = http.text({ path: '/slow', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(pending).rejects.toThrow('user gave up');
  });
});

describe('DeviceHttpClient.stream', () => {
  it('authenticates, delivers chunks as they come and close() ends the iteration quietly', async () => {
    let serverRes: ServerResponse | undefined;
    const dev = await device({}, (_req, res) => {
      serverRes = res;
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=boundary' });
      res.write('--boundary\r\n');
    });
    const http = client({ baseUrl: dev.url, ...CREDS });
    const stream = await http.stream({ path: '/ISAPI/Event/notification/alertStream' });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('boundary=boundary');
    const received: string[] = [];
    const iterator = stream.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    received.push(Buffer.from(first.value as Uint8Array).toString());
    serverRes?.write('second');
    const second = await iterator.next();
    received.push(Buffer.from(second.value as Uint8Array).toString());
    expect(received).toEqual(['--boundary\r\n', 'second']);
    const pending = iterator.next();
    stream.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    stream.close();
    await vi.waitFor(() => expect(dev.seen.map((s) => s.status)).toEqual([401, 200]));
  });

  it('a non-2xx stream -> ARGUS_ERR_DRIVER_REQUEST_FAILED, 401 -> ARGUS_ERR_DRIVER_AUTH', async () => {
    const dev = await device({}, (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    await expect(client({ baseUrl: dev.url, ...CREDS }).stream({ path: '/e' })).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_REQUEST_FAILED',
      details: { status: 503 },
    });
    await expect(client({ baseUrl: dev.url, username: 'admin', password: 'x' }).stream({ path: '/e' })).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_AUTH',
    });
  });

  it('a stream dropped by the device ends the iteration with ARGUS_ERR_DRIVER_UNREACHABLE', async () => {
    const dev = await device(undefined, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=b' });
      res.write('--b\r\n');
      setTimeout(() => res.socket?.destroy(), 30);
    });
    const stream = await client({ baseUrl: dev.url }).stream({ path: '/e' });
    const consume = async (): Promise<void> => {
      for await (const _chunk of stream.body) {
        // drain
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_UNREACHABLE' });
  });

  it('idleTimeoutMs fails a silent stream with ARGUS_ERR_DRIVER_TIMEOUT', async () => {
    const dev = await device(undefined, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=b' });
      res.write('--b\r\n');
    });
    const stream = await client({ baseUrl: dev.url }).stream({ path: '/e', idleTimeoutMs: 200 });
    const consume = async (): Promise<number> => {
      let n = 0;
      for await (const _chunk of stream.body) n++;
      return n;
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_TIMEOUT' });
  });
});

describe('DeviceHttpClient logging', () => {
  it('never logs the password, the Authorization header, nonces or query strings', async () => {
    const logger = recordingLogger();
    const dev = await device({}, (_req, res) => res.end('ok'));
    const http = client({ baseUrl: dev.url, ...CREDS, logger });
    await http.text({ path: '/cgi-bin/x.cgi', query: { pwd: 'query-secret' } });
    await http.text({ path: '/y' });
    const bad = client({ baseUrl: dev.url, username: 'admin', password: 'Wr0ng-Secret', logger });
    await bad.text({ path: '/z' }).catch(() => undefined);
    expect(logger.lines.length).toBeGreaterThanOrEqual(5);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('/cgi-bin/x.cgi');
    for (const secret of ['Secr3t!pass', 'Wr0ng-Secret', 'query-secret', 'Digest ', 'response=', 'authorization']) {
      expect(logged.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    for (const s of dev.seen) if (s.nonce !== undefined) expect(logged).not.toContain(s.nonce);
  });
});
