// The OpenAPI document and Swagger UI, public, over a real port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_VERSION } from '@argus/core';
import { loadServerConfig, startServer, type RunningServer } from '@argus/server';

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; parameters?: { name: string; in: string }[] }>>;
}

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-docs-'));
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dir, ARGUS_LOG_LEVEL: 'silent' } });
  server = await startServer({ config, adminPassword: 'Initial#Admin1', authRateLimit: false });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/docs', () => {
  it('serves the OpenAPI document without a session, with the route schemas', async () => {
    const res = await fetch(`${server.url}/api/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toEqual(expect.objectContaining({ title: 'Argus API', version: CORE_VERSION }));
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer' } });

    const login = doc.paths['/api/v1/auth/login']?.post;
    expect(Object.keys(login?.requestBody?.content['application/json']?.schema.properties ?? {})).toEqual(['username', 'password']);
    expect(login?.security).toBeUndefined();

    const list = doc.paths['/api/v1/cameras']?.get;
    expect(list?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['agency', 'category', 'cursor', 'limit']));
    expect(list?.security).toEqual([{ bearerAuth: [] }]);

    const one = doc.paths['/api/v1/cameras/{id}']?.get;
    expect(one?.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(doc.paths['/api/v1/health/summary']?.get?.security).toEqual([{ bearerAuth: [] }]);
  });

  it('serves the Swagger UI as HTML', async () => {
    const res = await fetch(`${server.url}/api/docs`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger/i);
  });

  it('leaves the API itself behind the session', async () => {
    expect((await fetch(`${server.url}/api/v1/cameras`)).status).toBe(401);
  });
});
