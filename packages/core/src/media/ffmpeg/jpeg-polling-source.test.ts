import { readFileSync } from 'node:fs';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { serve, splitJpegs } from './ffmpeg.test-helper.js';
import { jpegPollingSource } from './jpeg-polling-source.js';

describe('jpegPollingSource', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let requests = 0;
  let authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    const jpegs = splitJpegs(new Uint8Array(readFileSync(await sampleMedia({ codec: 'mjpeg', seconds: 1 }))));
    server = await serve((req, res) => {
      requests++;
      authorizations.push(req.headers.authorization);
      if (req.url === '/locked.jpg') {
        res.writeHead(401).end();
        return;
      }
      // Every fourth request fails, as a flaky camera does: the source must count it and carry on.
      if (requests % 4 === 0) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpegs[requests % jpegs.length]);
    });
  });
  afterAll(() => server.close());

  it('encodes polled JPEGs to H.264, counting failed polls', async () => {
    authorizations = [];
    const source$ = jpegPollingSource(`${server.url}/snapshot.jpg`, { intervalMs: 20, gop: 5, auth: { username: 'admin', password: 'pw' } });
    const packets = await lastValueFrom(source$.pipe(take(12), toArray()));
    expect(packets[0]!.keyframe).toBe(true);
    expect(packets[0]!.track).toMatchObject({ codec: 'h264', width: 320, height: 240, fps: 50 });
    expect(packets.filter((packet) => packet.keyframe).length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < packets.length; i++) {
      expect(packets[i]!.pts).toBeGreaterThan(packets[i - 1]!.pts);
      expect(packets[i]!.wallClock).toBeGreaterThanOrEqual(packets[i - 1]!.wallClock!);
    }
    const stats = source$.stats();
    expect(stats.failedPolls).toBeGreaterThan(0);
    expect(stats.lastError).toBe('HTTP 503');
    expect(stats.frames).toBeGreaterThanOrEqual(12);
    expect(authorizations[0]).toBe(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });

  it('errors with ARGUS_ERR_DRIVER_AUTH on 401', async () => {
    let error: unknown;
    try {
      await firstValueFrom(jpegPollingSource(`${server.url}/locked.jpg`, { intervalMs: 50 }));
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const failing: typeof fetch = (input) => {
      calls.push(String(input));
      return Promise.reject(new Error('connect ECONNREFUSED'));
    };
    const source$ = jpegPollingSource('http://127.0.0.1:9/x.jpg', { intervalMs: 10, fetch: failing });
    const subscription = source$.subscribe({ error: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscription.unsubscribe();
    expect(calls.length).toBeGreaterThan(1);
    expect(source$.stats()).toMatchObject({ frames: 0, lastError: 'connect ECONNREFUSED' });
    expect(source$.stats().failedPolls).toBe(calls.length);
  });
});
