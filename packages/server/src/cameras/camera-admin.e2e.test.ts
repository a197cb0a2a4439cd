// Camera writes, the census CSV import and the census report, over a real port, without the demo farm.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedactedCamera } from '@argus/core';
import { loadServerConfig, startServer, type CameraCensus, type ImportResult, type RunningServer } from '@argus/server';

const ADMIN = { username: 'admin', password: 'Initial#Admin1' };
const SECRETS = ['Api#Secret1', 'Api#Secret2', 'Csv#Secret1', 'Csv#Secret2', 'Csv#Secret3'];
const HEADER = 'external_id,name,agency,category,district,ward,address,lat,lon,type,vendor,model,ptz,host,port,username,password,stream_path';

let server: RunningServer;
let dir: string;
let adminToken: string;
let officerToken: string;
const responses: string[] = [];

interface Answer<T> {
  status: number;
  body: T;
  text: string;
  type: string;
}

async function api<T>(path: string, token?: string, init: RequestInit & { json?: unknown; csv?: string } = {}): Promise<Answer<T>> {
  const { json, csv, ...rest } = init;
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (csv !== undefined) headers['content-type'] = 'text/csv; charset=utf-8';
  const res = await fetch(`${server.url}${path}`, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : csv !== undefined ? { body: csv } : {}),
  });
  const text = await res.text();
  responses.push(text);
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: (text === '' || !type.includes('json') ? undefined : JSON.parse(text)) as T, text, type };
}

async function loginFresh(username: string, initial: string, changed: string): Promise<string> {
  const first = await api<{ token: string }>('/api/v1/auth/login', undefined, { method: 'POST', json: { username, password: initial } });
  expect(first.status).toBe(200);
  const change = await api('/api/v1/auth/password', first.body.token, { method: 'POST', json: { currentPassword: initial, newPassword: changed } });
  expect(change.status).toBe(204);
  const second = await api<{ token: string }>('/api/v1/auth/login', undefined, { method: 'POST', json: { username, password: changed } });
  return second.body.token;
}

function camera(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'crud-cam',
    name: 'Crud camera',
    agency: 'police',
    category: 'security',
    cameraType: 1,
    driver: 'hikvision',
    ptz: true,
    vendor: 'Hikvision',
    location: { district: 'Q1', lat: 10.77, lon: 106.7 },
    connection: { host: '192.0.2.10', port: 554, username: 'admin', password: 'Api#Secret1' },
    ...overrides,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-camera-admin-'));
  const config = await loadServerConfig({ env: { ARGUS_PORT: '0', ARGUS_HOST: '127.0.0.1', ARGUS_DATA_DIR: dir, ARGUS_LOG_LEVEL: 'silent' } });
  server = await startServer({ config, adminPassword: ADMIN.password, authRateLimit: false });
  adminToken = await loginFresh(ADMIN.username, ADMIN.password, 'Changed#Admin2');
  const created = await api('/api/v1/users', adminToken, { method: 'POST', json: { username: 'officer', agency: 'police', password: 'Police#Pass1' } });
  expect(created.status).toBe(201);
  officerToken = await loginFresh('officer', 'Police#Pass1', 'Police#Pass2');
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('camera CRUD', () => {
  it('creates, reads, patches (merging location and connection) and deletes a camera', async () => {
    const created = await api<RedactedCamera>('/api/v1/cameras', adminToken, { method: 'POST', json: camera() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'crud-cam', enabled: true, tags: [], connection: { host: '192.0.2.10', username: 'admin' } });
    expect(created.body.connection).not.toHaveProperty('password');

    const patched = await api<RedactedCamera>('/api/v1/cameras/crud-cam', adminToken, {
      method: 'PATCH',
      json: { name: 'Renamed', vendor: null, location: { ward: 'W2' }, connection: { port: 8554 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', location: { district: 'Q1', ward: 'W2', lat: 10.77 }, connection: { host: '192.0.2.10', port: 8554 } });
    expect(patched.body).not.toHaveProperty('vendor');
    expect(server.kernel.devices.get('crud-cam').connection.password).toBe('Api#Secret1');

    const read = await api<RedactedCamera>('/api/v1/cameras/crud-cam', adminToken);
    expect(read.body.name).toBe('Renamed');

    const removed = await api('/api/v1/cameras/crud-cam', adminToken, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await api('/api/v1/cameras/crud-cam', adminToken)).status).toBe(404);
  });

  it('answers typed errors: duplicate 409, invalid 400, unknown 404', async () => {
    const lobby = camera({ id: 'hq-lobby', agency: 'city-hall', cameraType: 23, driver: 'onvif', enabled: false, connection: { host: '192.0.2.11', password: 'Api#Secret2' } });
    expect((await api('/api/v1/cameras', adminToken, { method: 'POST', json: lobby })).status).toBe(201);
    const duplicate = await api<{ code: string }>('/api/v1/cameras', adminToken, { method: 'POST', json: lobby });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'ARGUS_ERR_DEVICE_DUPLICATE' } });
    const invalid = await api<{ code: string; message: string }>('/api/v1/cameras', adminToken, { method: 'POST', json: camera({ id: 'x', name: '' }) });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'ARGUS_ERR_DEVICE_INVALID' } });
    expect(invalid.body.message).toContain('/name');
    const badPatch = await api<{ code: string }>('/api/v1/cameras/hq-lobby', adminToken, { method: 'PATCH', json: { location: { lat: 91 } } });
    expect(badPatch).toMatchObject({ status: 400, body: { code: 'ARGUS_ERR_DEVICE_INVALID' } });
    const notObject = await api<{ code: string }>('/api/v1/cameras/hq-lobby', adminToken, { method: 'PATCH', json: [1] });
    expect(notObject).toMatchObject({ status: 400, body: { code: 'ARGUS_ERR_API_INVALID_REQUEST' } });
    for (const method of ['PATCH', 'DELETE']) {
      const missing = await api<{ code: string }>('/api/v1/cameras/no-such', adminToken, { method, ...(method === 'PATCH' ? { json: { name: 'x' } } : {}) });
      expect(missing).toMatchObject({ status: 404, body: { code: 'ARGUS_ERR_DEVICE_NOT_FOUND' } });
    }
  });

  it('forbids every write route to a non-admin, whatever the body; another agency\'s camera is not even found', async () => {
    expect((await api('/api/v1/cameras', adminToken, { method: 'POST', json: camera({ id: 'police-gate' }) })).status).toBe(201);
    const writes: [string, string, { json?: unknown; csv?: string }, number, string][] = [
      ['POST', '/api/v1/cameras', { json: camera({ id: 'by-officer' }) }, 403, 'ARGUS_ERR_API_FORBIDDEN'],
      ['POST', '/api/v1/cameras', { json: { nonsense: true } }, 403, 'ARGUS_ERR_API_FORBIDDEN'],
      ['PATCH', '/api/v1/cameras/police-gate', { json: { name: 'Mine' } }, 403, 'ARGUS_ERR_API_FORBIDDEN'],
      ['DELETE', '/api/v1/cameras/police-gate', {}, 403, 'ARGUS_ERR_API_FORBIDDEN'],
      ['PATCH', '/api/v1/cameras/hq-lobby', { json: { name: 'Mine' } }, 404, 'ARGUS_ERR_DEVICE_NOT_FOUND'],
      ['DELETE', '/api/v1/cameras/hq-lobby', {}, 404, 'ARGUS_ERR_DEVICE_NOT_FOUND'],
      ['POST', '/api/v1/cameras/import', { csv: `${HEADER}\n` }, 403, 'ARGUS_ERR_API_FORBIDDEN'],
      ['POST', '/api/v1/cameras/import', { csv: 'not,a,census\n' }, 403, 'ARGUS_ERR_API_FORBIDDEN'],
    ];
    for (const [method, path, body, status, code] of writes) {
      const res = await api<{ code: string }>(path, officerToken, { method, ...body });
      expect([res.status, res.body.code], `${method} ${path}`).toEqual([status, code]);
    }
    expect(server.kernel.devices.get('hq-lobby').name).toBe('Crud camera');
    expect(server.kernel.devices.get('police-gate').name).not.toBe('Mine');
    expect(server.kernel.devices.tryGet('by-officer')).toBeUndefined();
    expect((await api('/api/v1/cameras/police-gate', adminToken, { method: 'DELETE' })).status).toBe(204);
  });
});

const IMPORT = [
  HEADER,
  'CEN-0001,Gate 1,police,Security,Q1,W1,12 Main St,10.77,106.70,hikvision-ip,Hikvision,DS-2CD2143,true,192.0.2.21,554,admin,Csv#Secret1,/Streaming/Channels/101',
  'CEN-0002,"Crossing, ""North""",police,TRAFFIC,Q3,,"7 Le Loi, Block B\r\nGate 2",10.78,106.71,26,,,no,192.0.2.22,,,,/live',
  'CEN-0003,Bad type,police,security,Q1,,,,,99,,,false,192.0.2.23,,,Csv#Secret2,',
  'CEN-0004,Bad lat,police,security,Q1,,"a,\nb",north,106.7,1,,,false,192.0.2.24,,,,',
  'CEN-0005,,police,security,Q1,,,,,1,,,false,192.0.2.25,,,,',
  'CEN-0006,Space cam,police,space,Q1,,,,,1,,,false,192.0.2.26,,,,',
  'CEN-0007,Bad port,police,security,Q1,,,,,1,,,false,192.0.2.27,70000,,,',
  'CEN 0008/ü,Depot,transport,infrastructure,,,,,,9,Axis,P5655,1,192.0.2.28,80,root,Csv#Secret3,',
  'CEN-0009,Far north,police,security,Q1,,,95,106.7,1,,,false,192.0.2.29,,,,',
  'CEN-0001,Again,police,security,Q1,,,,,1,,,false,192.0.2.30,,,,',
  'CEN-0010,Short row,police',
  '',
].join('\n');

describe('POST /api/v1/cameras/import', () => {
  it('imports the good rows and reports each bad one with line, column and reason', async () => {
    const res = await api<ImportResult>('/api/v1/cameras/import', adminToken, { method: 'POST', csv: IMPORT });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      created: 3,
      updated: 0,
      failed: 8,
      errors: [
        { line: 5, column: 'type', reason: 'Expected a camera type number 1..33 or its slug' },
        { line: 6, column: 'lat', reason: 'Expected a number' },
        { line: 8, column: 'name', reason: 'Required' },
        { line: 9, column: 'category', reason: 'Expected one of security, defence, traffic, infrastructure, environment, urbanOrder' },
        { line: 10, column: 'port', reason: 'Expected an integer 1..65535' },
        { line: 12, column: 'lat', reason: 'Expected number to be less or equal to 90' },
        { line: 13, column: 'external_id', reason: 'Repeats the external_id of line 2' },
        { line: 14, column: null, reason: 'Expected 18 fields, found 3' },
      ],
    });
    const first = server.kernel.devices.get('CEN-0001');
    expect(first).toMatchObject({
      externalId: 'CEN-0001',
      category: 'security',
      cameraType: 1,
      driver: 'hikvision',
      ptz: true,
      location: { district: 'Q1', ward: 'W1', address: '12 Main St', lat: 10.77, lon: 106.7 },
      connection: { host: '192.0.2.21', port: 554, username: 'admin', password: 'Csv#Secret1', path: '/Streaming/Channels/101' },
    });
    const second = server.kernel.devices.get('CEN-0002');
    expect(second).toMatchObject({ name: 'Crossing, "North"', category: 'traffic', cameraType: 26, driver: 'rtsp', ptz: false });
    expect(second.location).toEqual({ district: 'Q3', address: '7 Le Loi, Block B\r\nGate 2', lat: 10.78, lon: 106.71 });
    const depot = server.kernel.devices.list({ agency: 'transport' });
    expect(depot).toHaveLength(1);
    expect(depot[0]!.id).toMatch(/^CEN_0008_-[0-9a-f]{8}$/);
    expect(depot[0]).toMatchObject({ externalId: 'CEN 0008/ü', driver: 'axis', ptz: true });
    expect(server.kernel.devices.tryGet('CEN-0003')).toBeUndefined();
  });

  it('updates on re-import instead of duplicating, keeping a password left empty', async () => {
    const before = server.kernel.devices.size;
    const csv = [
      HEADER,
      'CEN-0001,Gate 1 renamed,police,security,Q1,,,,,hikvision-ip,,,true,192.0.2.21,8000,admin,,',
      'CEN 0008/ü,Depot,transport,infrastructure,,,,,,9,Axis,P5655,1,192.0.2.28,80,root,Csv#Secret3,',
    ].join('\r\n');
    const res = await api<ImportResult>('/api/v1/cameras/import', adminToken, { method: 'POST', csv });
    expect(res.body).toEqual({ created: 0, updated: 2, failed: 0, errors: [] });
    expect(server.kernel.devices.size).toBe(before);
    const first = server.kernel.devices.get('CEN-0001');
    expect(first.name).toBe('Gate 1 renamed');
    expect(first.location).toEqual({ district: 'Q1' });
    expect(first.vendor).toBeUndefined();
    expect(first.connection).toEqual({ host: '192.0.2.21', port: 8000, username: 'admin', password: 'Csv#Secret1' });
  });

  it('rejects a bad header, broken quoting or a non-CSV body as a whole, changing nothing', async () => {
    const before = server.kernel.devices.size;
    const cases: [string, string][] = [
      [HEADER.replace(',stream_path', '') + '\n', 'missing columns stream_path'],
      [HEADER + ',colour\n', 'unknown columns "colour"'],
      ['', 'the file is empty'],
      [`${HEADER}\nCEN-0100,"unterminated`, 'CSV line 2: quoted field is not closed'],
    ];
    for (const [csv, reason] of cases) {
      const res = await api<{ code: string; message: string }>('/api/v1/cameras/import', adminToken, { method: 'POST', csv });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('ARGUS_ERR_API_INVALID_REQUEST');
      expect(res.body.message).toContain(reason);
    }
    const json = await api<{ code: string }>('/api/v1/cameras/import', adminToken, { method: 'POST', json: { rows: [] } });
    expect(json).toMatchObject({ status: 400, body: { code: 'ARGUS_ERR_API_INVALID_REQUEST' } });
    expect(server.kernel.devices.size).toBe(before);
  });
});

describe('GET /api/v1/reports/census', () => {
  it('counts every camera for an admin', async () => {
    const res = await api<CameraCensus>('/api/v1/reports/census', adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      total: 4,
      byType: { '1': 1, '9': 1, '23': 1, '26': 1 },
      byAgency: { 'city-hall': 1, police: 2, transport: 1 },
      byCategory: { infrastructure: 1, security: 2, traffic: 1 },
      byDistrict: { '(none)': 1, Q1: 2, Q3: 1 },
      byStatus: { disabled: 1, enabled: 3 },
    });
  });

  it("counts only the caller's agency for others", async () => {
    const res = await api<CameraCensus>('/api/v1/reports/census', officerToken);
    expect(res.body).toEqual({
      total: 2,
      byType: { '1': 1, '26': 1 },
      byAgency: { police: 2 },
      byCategory: { security: 1, traffic: 1 },
      byDistrict: { Q1: 1, Q3: 1 },
      byStatus: { enabled: 2 },
    });
  });

  it('answers CSV with ?format=csv and rejects other formats', async () => {
    const res = await api('/api/v1/reports/census?format=csv', officerToken);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.text).toBe(
      [
        'dimension,key,label,count',
        'total,,,2',
        'type,1,Hikvision IP camera and PTZ,1',
        'type,26,plain RTSP,1',
        'agency,police,,2',
        'category,security,,1',
        'category,traffic,,1',
        'district,Q1,,1',
        'district,Q3,,1',
        'status,enabled,,2',
        '',
      ].join('\r\n'),
    );
    expect((await api('/api/v1/reports/census?format=xml', adminToken)).status).toBe(400);
  });
});

describe('audit of inventory changes', () => {
  it('records who created, changed, deleted and imported cameras', async () => {
    const { body } = await api<{ entries: { actor: string; action: string; target?: string }[] }>('/api/v1/audit?limit=1000', adminToken);
    const actions = body.entries.filter((e) => e.action.startsWith('camera.'));
    expect(new Set(actions.map((e) => e.action))).toEqual(new Set(['camera.create', 'camera.update', 'camera.delete', 'camera.import']));
    expect(actions.every((e) => e.actor === 'admin')).toBe(true);
  });
});

describe('passwords', () => {
  it('never appear in any response of this file', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const text of responses) for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
