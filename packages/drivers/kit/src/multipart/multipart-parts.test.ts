import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpAuthServer } from '../auth/http-auth-server.js';
import { DeviceHttpClient } from '../http/device-http-client.js';
import { multipart$ } from './multipart-parts.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** An event-stream device on 127.0.0.1 behind Digest; `handler` writes the stream. */
async function eventDevice(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ http: DeviceHttpClient; closed: () => number }> {
  const auth = new HttpAuthServer({ realm: 'Login to DH', username: 'admin', password: 'pw-123456' });
  let closedCount = 0;
  const server: Server = createServer((req, res) => {
    const check = auth.check(req.method ?? 'GET', req.url ?? '/', req.headers.authorization);
    if (!check.ok) {
      res.writeHead(401, { 'WWW-Authenticate': check.challenges }).end();
      return;
    }
    req.on('close', () => closedCount++);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  const http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${address.port}`, username: 'admin', password: 'pw-123456' });
  cleanups.push(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { http, closed: () => closedCount };
}

function dahuaPart(code: string, n: number): string {
  const body = `Code=${code};action=Start;index=${n}`;
  return `--myboundary\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}\r\n`;
}

describe('multipart$', () => {
  it('opens the stream on subscribe, emits parts as they arrive, skips heartbeats and closes on unsubscribe', async () => {
    const dev = await eventDevice((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=myboundary' });
      let n = 0;
      const timer = setInterval(() => {
        n++;
        res.write(n % 2 === 0 ? '--myboundary\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nHeartbeat' : dahuaPart('VideoMotion', n));
      }, 10);
      res.on('close', () => clearInterval(timer));
    });
    const open = vi.fn(() => dev.http.stream({ path: '/cgi-bin/eventManager.cgi', query: { action: 'attach', codes: '[All]', heartbeat: 5 } }));
    const parts$ = multipart$(open);
    expect(open).not.toHaveBeenCalled();
    const parts = await lastValueFrom(parts$.pipe(take(3), toArray()));
    expect(parts.map((p) => Buffer.from(p.body).toString())).toEqual([
      'Code=VideoMotion;action=Start;index=1',
      'Code=VideoMotion;action=Start;index=3',
      'Code=VideoMotion;action=Start;index=5',
    ]);
    expect(open).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(dev.closed()).toBe(1));
  });

  it('completes when the device ends the stream', async () => {
    const dev = await eventDevice((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/mixed; boundary="myboundary"' });
      res.end(`${dahuaPart('AlarmLocal', 1)}--myboundary--\r\n`);
    });
    const parts = await lastValueFrom(multipart$(() => dev.http.stream({ path: '/e' })).pipe(toArray()));
    expect(parts).toHaveLength(1);
  });

  it('errors with ARGUS_ERR_DRIVER_PROTOCOL for a response without a boundary, or one cut inside a part', async () => {
    const dev = await eventDevice((req, res) => {
      if (req.url === '/plain') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html></html>');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=myboundary' });
      res.end('--myboundary\r\nContent-Length: 50\r\n\r\nshort');
    });
    await expect(firstValueFrom(multipart$(() => dev.http.stream({ path: '/plain' })))).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_PROTOCOL',
    });
    await expect(firstValueFrom(multipart$(() => dev.http.stream({ path: '/cut' })))).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_PROTOCOL',
    });
  });

  it('passes on the typed error of the request (wrong password -> ARGUS_ERR_DRIVER_AUTH)', async () => {
    const dev = await eventDevice((_req, res) => res.end());
    const bad = new DeviceHttpClient({ baseUrl: dev.http.endpoint, username: 'admin', password: 'nope' });
    cleanups.push(() => bad.close());
    await expect(firstValueFrom(multipart$(() => bad.stream({ path: '/e' })))).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
  });

  it('closes a response that arrives after the subscriber already left', async () => {
    const dev = await eventDevice((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=myboundary' });
      res.write(dahuaPart('VideoMotion', 1));
    });
    const sub = multipart$(() => dev.http.stream({ path: '/e' })).subscribe();
    sub.unsubscribe();
    await vi.waitFor(() => expect(dev.closed()).toBe(1));
  });
});
