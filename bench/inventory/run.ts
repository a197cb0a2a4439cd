// bench/inventory: the city's whole inventory in the reference server (issue #5). Imports 40,200 cameras from a
// generated census CSV (12,000 PTZ; 23,700 security, 300 defence, 16,200 state management over traffic,
// infrastructure, environment and urban order; all 33 types; 30 districts) into a real `argus start` child process,
// then restarts it on the same data and measures the cold start, the server's RSS, and p50/p99 of filtered
// `GET /api/v1/cameras` under concurrent clients (and under one, for each request's own cost). Baselines beside the
// list figures: the same loads against `GET /healthz` (the server's fixed cost per request) and `GET /api/v1/auth/me`
// (plus bearer auth); beside the cold start: the first start on an empty data dir.
// The cameras' 10.x hosts are never connected to: the cameras are only imported.
// Run: npm run bench:inventory (builds with `tsc -b` first; `-- --no-build` skips it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAMERA_TYPES } from '@argus/core';
import { printMachine, printTable } from '../lib/measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/server/bin/argus.js');
const TIME_LIMIT_MS = 5 * 60_000;
const INITIAL_PASSWORD = 'Bench#Initial1';
const PASSWORD = 'Bench#Changed2';
const CHUNKS = 4;
const CLIENTS = 8;
const REQUESTS = 2_000;
const PAGE = 50;

const TARGETS = { importSeconds: 30, coldStartSeconds: 5, listP99Ms: 20 };

// The city's proportions (issue #5).
const CATEGORY_COUNTS = [
  ['security', 23_700],
  ['defence', 300],
  ['traffic', 7_200],
  ['infrastructure', 3_900],
  ['environment', 1_500],
  ['urbanOrder', 3_600],
] as const;
const TOTAL = CATEGORY_COUNTS.reduce((sum, [, n]) => sum + n, 0);
const PTZ_COUNT = 12_000;
const DISTRICTS = 30;
const WARDS_PER_DISTRICT = 12;
const AGENCIES: Readonly<Record<string, readonly string[]>> = {
  security: ['city-police', 'public-security-bureau', 'district-police'],
  defence: ['military-command'],
  traffic: ['traffic-police', 'transport-dept'],
  infrastructure: ['construction-dept'],
  environment: ['environment-dept'],
  urbanOrder: ['urban-order-dept'],
};
const VENDORS = ['Hikvision', 'Dahua', 'Axis', 'Hanwha', 'Bosch', 'Uniview', 'Generic'];

/** Mulberry32: a small seeded PRNG, so every run imports the same census. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function district(n: number): string {
  return `District ${String(n).padStart(2, '0')}`;
}

/** The census rows (header first), deterministic for the seed. */
function generateCensus(seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const categories: string[] = CATEGORY_COUNTS.flatMap(([category, n]) => Array<string>(n).fill(category));
  // Fisher-Yates shuffles keep the exact totals while spreading categories and PTZ over the file.
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  shuffle(categories);
  const ptz = shuffle(Array.from({ length: TOTAL }, (_, i) => i < PTZ_COUNT));
  const header = 'external_id,name,agency,category,district,ward,address,lat,lon,type,vendor,model,ptz,host,port,username,password,stream_path';
  const rows = [header];
  for (let i = 0; i < TOTAL; i++) {
    const category = categories[i]!;
    const d = 1 + (i % DISTRICTS);
    const ward = 1 + Math.floor(random() * WARDS_PER_DISTRICT);
    // The first 33 rows take each type once, so all 33 are present; the rest favour the common brands.
    const typeId = i < CAMERA_TYPES.length ? i + 1 : random() < 0.6 ? pick([1, 1, 5, 5, 2, 6, 3, 7, 23, 26]) : 1 + Math.floor(random() * CAMERA_TYPES.length);
    const type = i % 2 === 0 ? String(typeId) : CAMERA_TYPES[typeId - 1]!.slug;
    const id = `HCM-${String(i + 1).padStart(6, '0')}`;
    const street = `${1 + Math.floor(random() * 400)} Street ${1 + Math.floor(random() * 90)}`;
    const lat = (10.6 + random() * 0.4).toFixed(6);
    const lon = (106.5 + random() * 0.4).toFixed(6);
    const host = `10.${d}.${Math.floor(i / 250) % 256}.${1 + (i % 250)}`;
    const password = `pw-${Math.floor(random() * 2 ** 32).toString(36)}${Math.floor(random() * 2 ** 32).toString(36)}`;
    const vendor = pick(VENDORS);
    rows.push(
      [
        id,
        `"${category} camera ${i + 1}, ${street}"`,
        pick(AGENCIES[category]!),
        category,
        district(d),
        `Ward ${ward}`,
        `"${street}, ${district(d)}"`,
        lat,
        lon,
        type,
        vendor,
        `${vendor.slice(0, 2).toUpperCase()}-${100 + Math.floor(random() * 900)}`,
        ptz[i] ? 'true' : 'false',
        host,
        '554',
        'admin',
        password,
        '/Streaming/Channels/101',
      ].join(','),
    );
  }
  return rows;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** Spawns `argus start`; resolves when it prints its URL. */
async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, ARGUS_ADMIN_PASSWORD: INITIAL_PASSWORD, ARGUS_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (children.delete(child), r(code))));
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) resolveUrl(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  return { child, url, exited };
}

async function stopServer(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  const code = await Promise.race([server.exited, sleep(15_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    server.child.kill('SIGKILL');
    throw new Error('server did not stop within 15 s of SIGTERM');
  }
}

async function json<T>(url: string, init: RequestInit = {}, token?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function login(url: string, password: string): Promise<string> {
  const res = await json<{ token: string }>(`${url}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'admin', password }) });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return res.body.token;
}

/** Polls until `GET /healthz` answers 200; returns when it did. */
async function waitHealthy(url: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
}

interface Page {
  items: { id: string }[];
  next?: string;
}

/** Cycles filters over the inventory: one of each kind in turn, sometimes with a cursor from an earlier page. */
function listQueries(): string[] {
  const random = prng(7);
  const agencies = Object.values(AGENCIES).flat();
  const make: (() => string)[] = [
    () => `agency=${agencies[Math.floor(random() * agencies.length)]}`,
    () => `category=${CATEGORY_COUNTS[Math.floor(random() * CATEGORY_COUNTS.length)]![0]}`,
    () => `district=${encodeURIComponent(district(1 + Math.floor(random() * DISTRICTS)))}`,
    () => `type=${1 + Math.floor(random() * CAMERA_TYPES.length)}`,
    () => `ptz=${random() < 0.5}`,
    () => `q=${encodeURIComponent(`street ${1 + Math.floor(random() * 90)}`)}`,
    () => `district=${encodeURIComponent(district(1 + Math.floor(random() * DISTRICTS)))}&ptz=true&category=security`,
  ];
  return Array.from({ length: REQUESTS }, (_, i) => `${make[i % make.length]!()}&limit=${PAGE}`);
}

interface LoadResult {
  latencies: number[];
  /** Latencies by filter kind (the query's parameter names, cursor included). */
  byKind: Map<string, number[]>;
  seconds: number;
  cursorPages: number;
  items: number;
}

/** Runs `REQUESTS` requests over `CLIENTS` concurrent clients; each request's latency by the client's hrtime. */
async function load(url: string, token: string, paths: readonly string[], followCursor: boolean, clients = CLIENTS): Promise<LoadResult> {
  const latencies: number[] = [];
  const byKind = new Map<string, number[]>();
  let nextIndex = 0;
  let cursorPages = 0;
  let items = 0;
  const headers = { authorization: `Bearer ${token}` };
  const start = process.hrtime.bigint();
  const client = async (c: number) => {
    let cursor: string | undefined;
    for (let i = nextIndex++; i < paths.length; i = nextIndex++) {
      // Every fourth request of a client follows the cursor of its previous page, when it had one.
      const path = followCursor && cursor !== undefined && i % 4 === c % 4 ? `${paths[i - 1] ?? paths[i]}&cursor=${encodeURIComponent(cursor)}` : paths[i]!;
      if (path.includes('cursor=')) cursorPages++;
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${url}${path}`, { headers });
      const text = await res.text();
      const latency = elapsedMs(t0);
      latencies.push(latency);
      const kind = [...new URLSearchParams(path.split('?')[1] ?? '').keys()].filter((k) => k !== 'limit').join('+') || path;
      byKind.set(kind, [...(byKind.get(kind) ?? []), latency]);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 200)}`);
      if (followCursor) {
        const page = JSON.parse(text) as Page;
        items += page.items.length;
        cursor = page.next;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  for (const values of byKind.values()) values.sort((a, b) => a - b);
  return { latencies: latencies.sort((a, b) => a - b), byKind, seconds: elapsedMs(start) / 1000, cursorPages, items };
}

/** Counts the cameras a filter matches by paging through it (checks the import, not timed). */
async function countAll(url: string, token: string, filter: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const res = await json<Page>(`${url}/api/v1/cameras?${filter}&limit=500${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, {}, token);
    if (res.status !== 200) throw new Error(`count ${filter} answered ${res.status}`);
    count += res.body.items.length;
    cursor = res.body.next;
  } while (cursor !== undefined);
  return count;
}

const ms = (v: number) => v.toFixed(2);

async function main(): Promise<void> {
  printMachine('bench/inventory');
  if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('tsc -b failed; fix the build or pass --no-build');
  }
  if (!existsSync(join(ROOT, 'packages/server/dist/cli.js'))) throw new Error('packages/server/dist is missing: run `npx tsc -b` first');

  const t0 = process.hrtime.bigint();
  const rows = generateCensus(20_260_105);
  const csvBytes = rows.reduce((sum, row) => sum + Buffer.byteLength(row) + 1, 0);
  console.log(`census: ${(rows.length - 1).toLocaleString('en-US')} cameras, ${(csvBytes / 2 ** 20).toFixed(1)} MiB CSV, generated in ${ms(elapsedMs(t0))} ms`);

  const dataDir = mkdtempSync(join(tmpdir(), 'argus-bench-inventory-'));
  try {
    // First start on an empty data dir: the cold-start baseline, then the import.
    let spawnedAt = process.hrtime.bigint();
    let server = await startServer(dataDir);
    await waitHealthy(server.url);
    const emptyStartMs = elapsedMs(spawnedAt);
    const emptyRss = rssMiB(server.child.pid!);
    const first = await login(server.url, INITIAL_PASSWORD);
    const changed = await json(`${server.url}/api/v1/auth/password`, { method: 'POST', body: JSON.stringify({ currentPassword: INITIAL_PASSWORD, newPassword: PASSWORD }) }, first);
    if (changed.status !== 204) throw new Error(`password change answered ${changed.status}`);
    let token = await login(server.url, PASSWORD);

    const header = rows[0]!;
    const body = rows.slice(1);
    const perChunk = Math.ceil(body.length / CHUNKS);
    const chunkMs: number[] = [];
    let created = 0;
    let failed = 0;
    const importStart = process.hrtime.bigint();
    for (let c = 0; c < CHUNKS; c++) {
      const csv = [header, ...body.slice(c * perChunk, (c + 1) * perChunk)].join('\n') + '\n';
      const chunkStart = process.hrtime.bigint();
      const res = await json<{ created: number; updated: number; failed: number; errors: unknown[] }>(
        `${server.url}/api/v1/cameras/import`,
        { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } },
        token,
      );
      chunkMs.push(elapsedMs(chunkStart));
      if (res.status !== 200) throw new Error(`import chunk ${c + 1} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      created += res.body.created;
      failed += res.body.failed;
      if (res.body.failed > 0) console.log(`chunk ${c + 1}: first errors ${JSON.stringify(res.body.errors.slice(0, 3))}`);
    }
    const importSeconds = elapsedMs(importStart) / 1000;
    const rssAfterImport = rssMiB(server.child.pid!);
    console.log(
      `import: ${created.toLocaleString('en-US')} created, ${failed} failed in ${CHUNKS} chunks (${chunkMs.map((m) => (m / 1000).toFixed(2)).join(' / ')} s); RSS after import ${rssAfterImport.toFixed(0)} MiB`,
    );
    if (created !== TOTAL) throw new Error(`expected ${TOTAL} cameras created, got ${created}`);
    await stopServer(server);

    // Cold start with the whole inventory: spawn until /healthz is 200 and an authenticated list answers.
    spawnedAt = process.hrtime.bigint();
    server = await startServer(dataDir);
    await waitHealthy(server.url);
    const healthyMs = elapsedMs(spawnedAt);
    token = await login(server.url, PASSWORD);
    const firstList = await json<Page>(`${server.url}/api/v1/cameras?limit=1`, {}, token);
    if (firstList.status !== 200 || firstList.body.items.length !== 1) throw new Error(`first list answered ${firstList.status}`);
    const coldStartMs = elapsedMs(spawnedAt);
    const rssAfterStart = rssMiB(server.child.pid!);
    console.log(`cold start: /healthz 200 after ${ms(healthyMs)} ms; login + first list answered after ${ms(coldStartMs)} ms (empty data dir: /healthz after ${ms(emptyStartMs)} ms)`);

    // What came back from disk matches the census.
    const counts = { defence: await countAll(server.url, token, 'category=defence'), ptz: await countAll(server.url, token, 'ptz=true') };
    if (counts.defence !== 300 || counts.ptz !== PTZ_COUNT) throw new Error(`after restart: ${JSON.stringify(counts)}`);
    console.log(`after restart: ${counts.defence} defence cameras and ${counts.ptz.toLocaleString('en-US')} PTZ, as imported`);

    // Warm-up (JIT, connection pool), then the measured loads: the list under filters, and /healthz as baseline.
    const paths = listQueries().map((q) => `/api/v1/cameras?${q}`);
    await load(server.url, token, paths.slice(0, 200), false);
    await load(server.url, token, Array<string>(200).fill('/healthz'), false);
    const list = await load(server.url, token, paths, true);
    const rssAfterLoad = rssMiB(server.child.pid!);
    const health = await load(server.url, token, Array<string>(REQUESTS).fill('/healthz'), false);
    const me = await load(server.url, token, Array<string>(REQUESTS).fill('/api/v1/auth/me'), false);
    // One client: each request's own cost, without waiting behind the others.
    const serial = REQUESTS / 4;
    const list1 = await load(server.url, token, paths.slice(0, serial), true, 1);
    const health1 = await load(server.url, token, Array<string>(serial).fill('/healthz'), false, 1);
    const me1 = await load(server.url, token, Array<string>(serial).fill('/api/v1/auth/me'), false, 1);
    await stopServer(server);

    console.log(
      `\nLoad: ${REQUESTS.toLocaleString('en-US')} requests over ${CLIENTS} concurrent clients, limit=${PAGE}; filters cycle agency, category, district, type, ptz, q, district+ptz+category; ${list.cursorPages} requests follow a cursor; ${list.items.toLocaleString('en-US')} cameras returned`,
    );
    const row = (name: string, r: LoadResult, clients = CLIENTS) => [
      name,
      String(clients),
      String(r.latencies.length),
      ms(percentile(r.latencies, 50)),
      ms(percentile(r.latencies, 95)),
      ms(percentile(r.latencies, 99)),
      ms(r.latencies.at(-1)!),
      Math.round(r.latencies.length / r.seconds).toLocaleString('en-US'),
    ];
    printTable(
      ['route', 'clients', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'requests/s'],
      [
        row('GET /api/v1/cameras (filtered)', list),
        row('GET /api/v1/auth/me (baseline: auth)', me),
        row('GET /healthz (baseline: fixed cost)', health),
        row('GET /api/v1/cameras (filtered)', list1, 1),
        row('GET /api/v1/auth/me (baseline: auth)', me1, 1),
        row('GET /healthz (baseline: fixed cost)', health1, 1),
      ],
    );
    console.log('\nFiltered list by filter kind');
    printTable(
      ['filter', 'requests', 'p50 ms', 'p99 ms', 'max ms'],
      [...list.byKind].map(([kind, values]) => [kind, String(values.length), ms(percentile(values, 50)), ms(percentile(values, 99)), ms(values.at(-1)!)]),
    );
    console.log('');
    printTable(
      ['figure', 'value', 'baseline'],
      [
        ['import 40,200 cameras', `${importSeconds.toFixed(2)} s`, ''],
        ['cold start (healthz + login + list)', `${ms(coldStartMs)} ms`, `${ms(emptyStartMs)} ms (empty data dir, healthz)`],
        ['RSS after cold start', `${rssAfterStart.toFixed(0)} MiB`, `${emptyRss.toFixed(0)} MiB (empty data dir)`],
        ['RSS after list load', `${rssAfterLoad.toFixed(0)} MiB`, ''],
        ['filtered list p99', `${ms(percentile(list.latencies, 99))} ms`, `${ms(percentile(me.latencies, 99))} ms (/auth/me), ${ms(percentile(health.latencies, 99))} ms (/healthz)`],
      ],
    );
    const listP99 = percentile(list.latencies, 99);
    const verdict = (name: string, value: number, target: number, unit: string) =>
      console.log(`${value <= target ? 'met   ' : 'MISSED'}  ${name}: ${value.toFixed(2)} ${unit} (target <= ${target} ${unit})`);
    console.log('');
    verdict('import', importSeconds, TARGETS.importSeconds, 's');
    verdict('cold start', coldStartMs / 1000, TARGETS.coldStartSeconds, 's');
    verdict('filtered list p99', listP99, TARGETS.listP99Ms, 'ms');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killChildren);
process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});
const limit = setTimeout(() => {
  console.error(`bench/inventory: over the ${TIME_LIMIT_MS / 60_000} min limit, stopping`);
  killChildren();
  process.exit(1);
}, TIME_LIMIT_MS);
limit.unref();

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
killChildren();
