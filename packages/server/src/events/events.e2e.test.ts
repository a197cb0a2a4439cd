// GET /api/v1/events as Server-Sent Events over a real port: scope filtering per agency, type and camera filters,
// and refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@argus/server';
import { apiClient, startDemoServer } from '../api-client.test-helper.js';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
let server: RunningServer;
const { api, loginFresh } = apiClient(() => server.url);
let dir: string;
let adminToken: string;
let officerToken: string;

interface SseMessage {
  id: string;
  event: string;
  data: { type: string; cameraId?: string; payload: Record<string, unknown> };
}

/** Opens the SSE route and collects messages until `count` arrived (or `ms` passed); the connection is then closed. */
async function collect(token: string, query: string, count: number, ms = 3_000, onOpen?: () => Promise<void>): Promise<{ status: number; type: string | null; messages: SseMessage[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const res = await fetch(`${server.url}/api/v1/events${query}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const messages: SseMessage[] = [];
  if (res.status !== 200 || res.body === null) {
    clearTimeout(timer);
    return { status: res.status, type: res.headers.get('content-type'), messages };
  }
  await onOpen?.();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
        if (fields['event'] !== undefined) messages.push({ id: fields['id']!, event: fields['event'], data: JSON.parse(fields['data']!) as SseMessage['data'] });
      }
      if (messages.length >= count) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: res.status, type: res.headers.get('content-type'), messages };
}

const raise = (camera: string, type: string) => api(`/api/v1/cameras/${camera}/events`, adminToken, { method: 'POST', body: JSON.stringify({ type, durationSeconds: 1 }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-events-'));
  server = await startDemoServer(dir, 2, ADMIN.password);
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  const created = await api('/api/v1/users', adminToken, { method: 'POST', body: JSON.stringify({ username: 'officer', agency: 'police', password: 'Police#Pass1' }) });
  expect(created.status).toBe(201);
  officerToken = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/events (SSE)', () => {
  it("streams events to an agency user only for that agency's cameras", async () => {
    const police = (await api<{ items: { id: string; agency: string }[] }>('/api/v1/cameras', officerToken)).body.items.map((c) => c.id);
    expect(police).toEqual(['demo-cam-01']);
    const result = await collect(officerToken, '?types=cameraEventStarted', 2, 5_000, async () => {
      expect((await raise('demo-cam-02', 'intrusion')).status).toBe(202); // transport: not for the officer
      expect((await raise('demo-cam-01', 'motion')).status).toBe(202);
      expect((await raise('demo-cam-01', 'tamper')).status).toBe(202);
    });
    expect(result.type).toMatch(/^text\/event-stream/);
    expect(result.messages.map((m) => [m.event, m.data.cameraId, m.data.payload['type']])).toEqual([
      ['cameraEventStarted', 'demo-cam-01', 'motion'],
      ['cameraEventStarted', 'demo-cam-01', 'tamper'],
    ]);
    expect(Number(result.messages[1]!.id)).toBeGreaterThan(Number(result.messages[0]!.id));
  });

  it('gives an administrator every camera, filtered by camera when asked', async () => {
    const all = await collect(adminToken, '?types=cameraEventStarted', 2, 5_000, async () => {
      await raise('demo-cam-02', 'intrusion');
      await raise('demo-cam-01', 'motion');
    });
    expect(all.messages.map((m) => m.data.cameraId)).toEqual(['demo-cam-02', 'demo-cam-01']);
    const one = await collect(adminToken, '?camera=demo-cam-02&types=cameraEventStarted', 1, 5_000, async () => {
      await raise('demo-cam-01', 'motion');
      await raise('demo-cam-02', 'intrusion');
    });
    expect(one.messages.map((m) => m.data.cameraId)).toEqual(['demo-cam-02']);
  });

  it('keeps system events (no camera) from agency users', async () => {
    const officer = collect(officerToken, '?types=configChanged,cameraEventStarted', 1, 5_000, async () => {
      server.kernel.config.update({ defaults: { ptz: { idleReleaseSeconds: 31 } } });
      await raise('demo-cam-01', 'motion');
    });
    expect((await officer).messages.map((m) => m.event)).toEqual(['cameraEventStarted']);
    const admin = await collect(adminToken, '?types=configChanged', 1, 5_000, async () => {
      server.kernel.config.update({ defaults: { ptz: { idleReleaseSeconds: 32 } } });
    });
    expect(admin.messages.map((m) => m.event)).toEqual(['configChanged']);
  });

  it('refuses no session, and bad filters with a typed error', async () => {
    const anonymous = await fetch(`${server.url}/api/v1/events`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe('ARGUS_ERR_API_UNAUTHORIZED');
    for (const query of ['?types=bad-type!', '?colour=red', '?camera=']) {
      const res = await api<{ code: string }>(`/api/v1/events${query}`, adminToken);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('ARGUS_ERR_API_INVALID_REQUEST');
    }
  });
});
