// The plain-RTSP driver against the camera farm over loopback, and through the kernel's stream graph.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, hasErrorCode, ManualClock, silentLogger, type Kernel } from '@argus/core';
import { unusedPort } from '@argus/core/testing';
import { CameraFarm } from '@argus/driver-simulated';
import { rtsp, RtspDriver } from './rtsp-driver.js';

const components = { logger: silentLogger(), clock: new ManualClock(0) };
const operator = { username: 'operator', password: 'Op3rator!pass' };
const small = { width: 320, height: 240, fps: 25, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 };
let farm: CameraFarm;
let port: number;

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [{ id: 'street-1', ...small }, { id: 'street-1-sub', ...small, width: 160, height: 120 }, { id: 'locked', codec: 'h265', credentials: operator, ...small }],
    port: 0,
    cacheDir: join(tmpdir(), 'argus-farm-cache-tests'),
  });
  await farm.start();
  port = Number(new URL(farm.url('street-1')).port);
}, 120_000);

afterAll(async () => farm?.close());

describe('RtspDriver', () => {
  const probeOptions = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });

  it('recognises an RTSP camera with a modest score, and ignores other schemes', async () => {
    const driver = new RtspDriver({}, components);
    expect(await driver.probe({ host: '127.0.0.1', port, path: '/street-1' }, probeOptions())).toMatchObject({ driver: 'rtsp', score: 40, cameraType: 26, details: { codec: 'h264' } });
    expect(await driver.probe({ host: '127.0.0.1', port, scheme: 'http' }, probeOptions())).toBeNull();
    const denied = await driver.probe({ host: '127.0.0.1', port, path: '/locked' }, probeOptions()).catch((e: unknown) => e);
    expect(hasErrorCode(denied, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('connects, lists main and sub profiles from the SPS, and opens live media', async () => {
    const driver = new RtspDriver({}, components);
    const session = await driver.connect({ host: '127.0.0.1', port, path: '/street-1', options: { subPath: '/street-1-sub' } });
    expect([...session.capabilities].sort()).toEqual(['liveMedia', 'streams']);
    const profiles = await session.require('streams').getStreamProfiles();
    expect(profiles).toEqual([
      expect.objectContaining({ id: 'main', codec: 'h264', width: 320, height: 240, uri: `rtsp://127.0.0.1:${port}/street-1` }),
      expect.objectContaining({ id: 'sub', codec: 'h264', width: 160, height: 120 }),
    ]);
    const packets = await firstValueFrom(session.require('liveMedia').openStream('sub').pipe(take(5), toArray()));
    expect(packets[0]).toMatchObject({ keyframe: true, track: { codec: 'h264', width: 160, height: 120 } });
    await session.close();
  });

  it('fails with typed errors: wrong password, unreachable host, bad options', async () => {
    const driver = new RtspDriver({}, components);
    const wrong = await driver.connect({ host: '127.0.0.1', port, path: '/locked', username: 'operator', password: 'guess' }).catch((e: unknown) => e);
    expect(hasErrorCode(wrong, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    const unreachable = await driver.connect({ host: '127.0.0.1', port: await unusedPort(), path: '/x' }).catch((e: unknown) => e);
    expect(hasErrorCode(unreachable, 'ARGUS_ERR_DRIVER_UNREACHABLE')).toBe(true);
    const invalid = await driver.connect({ host: '127.0.0.1', port, options: { transport: 'carrier-pigeon' } }).catch((e: unknown) => e);
    expect(hasErrorCode(invalid, 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
  });
});

describe('RTSP cameras through the kernel', () => {
  let kernel: Kernel;
  afterAll(async () => kernel?.stop());

  it('streams a farm camera added to the inventory, sharing one connection between viewers', async () => {
    kernel = createKernel({ processMetrics: false });
    kernel.drivers.register(rtsp());
    await kernel.start();
    await kernel.devices.add({
      id: 'vault',
      name: 'Vault',
      agency: 'police',
      category: 'security',
      cameraType: 26,
      driver: 'rtsp',
      ptz: false,
      connection: { host: '127.0.0.1', port, path: '/locked', ...operator },
    });
    const hub = kernel.streams.hub('vault');
    const a = hub.live$().subscribe();
    const packets = await firstValueFrom(hub.live$().pipe(take(10), toArray()));
    expect(packets[0]).toMatchObject({ keyframe: true, track: { codec: 'h265', width: 320, height: 240 } });
    await firstValueFrom(hub.live$().pipe(filter(() => hub.stats().packets > 20)));
    expect(hub.stats().upstreamConnections).toBe(1);
    a.unsubscribe();
  });
});
