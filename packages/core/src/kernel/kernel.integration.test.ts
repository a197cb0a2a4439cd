// The foundation's end-to-end test: a plugin registers a driver through DI, cameras are added to the inventory,
// and consumers read a synthetic camera stream through the stream graph.
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, definePlugin, DRIVER_REGISTRY, hasErrorCode, type Kernel, type MediaPacket } from '@argus/core';
import { syntheticDriver, syntheticFrameIndex, type SyntheticDriver } from '@argus/core/testing';

const camerasPlugin = definePlugin({
  name: 'synthetic-cameras',
  version: '1.0.0',
  core: '^0.1.0',
  register(ctx) {
    ctx.container.resolve(DRIVER_REGISTRY).register(syntheticDriver({ fps: 100, gopFrames: 10, password: 'Secret#2026' }));
  },
});

const camera = {
  id: 'cam-1',
  name: 'Gate 1',
  agency: 'police',
  category: 'security' as const,
  cameraType: 26,
  driver: 'synthetic',
  ptz: false,
  connection: { host: 'synthetic-1', username: 'admin', password: 'Secret#2026' },
};

/** Collects what a consumer receives. */
function collect(kernel: Kernel): { packets: MediaPacket[]; subscription: Subscription } {
  const packets: MediaPacket[] = [];
  const subscription = kernel.streams.hub('cam-1').live$().subscribe((p) => packets.push(p));
  return { packets, subscription };
}

/** Resolves once the hub has received `count` more packets from the camera (cache replays do not count). */
async function waitForPackets(kernel: Kernel, count: number): Promise<void> {
  const hub = kernel.streams.hub('cam-1');
  const target = hub.stats().packets + count;
  await firstValueFrom(hub.live$().pipe(filter(() => hub.stats().packets >= target)));
}

describe('kernel: plugin -> driver -> camera -> stream graph', () => {
  let kernel: Kernel;
  afterEach(async () => kernel?.stop());

  it('shares one upstream connection between consumers and starts a late consumer from the GOP cache', async () => {
    kernel = createKernel({ processMetrics: false });
    await kernel.use(camerasPlugin);
    await kernel.start();
    expect(kernel.plugins.state('synthetic-cameras')?.state).toBe('running');
    const driver = kernel.drivers.get('synthetic') as SyntheticDriver;
    await kernel.devices.add(camera);

    const a = collect(kernel);
    const b = collect(kernel);
    await waitForPackets(kernel, 25);

    // Two consumers (and the helper that waited), one connection to the camera.
    expect(driver.stats.streamsOpened).toBe(1);
    expect(kernel.streams.hub('cam-1').stats().upstreamConnections).toBe(1);
    // Both consumers saw the same packets, from a keyframe, in order.
    expect(a.packets[0]?.keyframe).toBe(true);
    const indexesA = a.packets.map(syntheticFrameIndex);
    expect(indexesA).toEqual(indexesA.map((_, i) => indexesA[0]! + i));
    expect(b.packets.map(syntheticFrameIndex).slice(0, 10)).toEqual(indexesA.slice(0, 10));

    // Move to the middle of a GOP, so the cache holds a keyframe and the frames after it.
    await firstValueFrom(kernel.streams.hub('cam-1').live$().pipe(filter((p) => syntheticFrameIndex(p) % 10 === 5)));
    const seenByA = a.packets.length;
    const lastKeyframe = [...a.packets].reverse().find((p) => p.keyframe)!;

    const late = collect(kernel);
    // Delivered synchronously on subscription: these packets came from the cache, not from the camera.
    expect(late.packets.length).toBeGreaterThan(1);
    expect(late.packets[0]!.keyframe).toBe(true);
    expect(syntheticFrameIndex(late.packets[0]!)).toBe(syntheticFrameIndex(lastKeyframe));
    expect(late.packets.map(syntheticFrameIndex)).toEqual(
      a.packets.slice(a.packets.indexOf(lastKeyframe), seenByA).map(syntheticFrameIndex),
    );
    expect(driver.stats.streamsOpened).toBe(1);

    const metrics = await kernel.metrics.render();
    expect(metrics).toMatch(/argus_stream_upstream_connections_total\{stream="cam-1\/main"\} 1/);
    expect(metrics).toMatch(/argus_stream_consumers\{stream="cam-1\/main"\} 3/);

    // The last consumer leaving closes the connection to the camera.
    for (const consumer of [a, b, late]) consumer.subscription.unsubscribe();
    expect(driver.stats.streamsOpen).toBe(0);
    expect(kernel.streams.hub('cam-1').stats().consumers).toBe(0);
  });

  it('keeps the upstream open while a recorder holds it, and closes it when the recorder detaches', async () => {
    kernel = createKernel({ processMetrics: false });
    await kernel.use(camerasPlugin);
    await kernel.start();
    const driver = kernel.drivers.get('synthetic') as SyntheticDriver;
    await kernel.devices.add(camera);

    const written: MediaPacket[] = [];
    const recorder = kernel.streams.hub('cam-1').attach({ kind: 'recorder', name: 'recorder', sink: (p) => void written.push(p) });
    const viewer = collect(kernel);
    await waitForPackets(kernel, 5);
    viewer.subscription.unsubscribe();
    expect(driver.stats.streamsOpen).toBe(1);
    const before = written.length;
    await waitForPackets(kernel, 5);
    expect(written.length).toBeGreaterThan(before);
    recorder.detach();
    expect(driver.stats.streamsOpen).toBe(0);
  });

  it('reports wrong camera credentials as ARGUS_ERR_DRIVER_AUTH to the consumer, without retrying', async () => {
    kernel = createKernel({ processMetrics: false });
    await kernel.use(camerasPlugin);
    await kernel.start();
    await kernel.devices.add({ ...camera, connection: { ...camera.connection, password: 'wrong' } });
    const error = await new Promise<unknown>((resolve) => kernel.streams.hub('cam-1').live$().subscribe({ error: resolve }));
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    expect(kernel.streams.hub('cam-1').stats().reconnects).toBe(0);
  });

  it('refuses a plugin built for another core with a typed error', async () => {
    kernel = createKernel({ processMetrics: false });
    const future = definePlugin({ name: 'future', version: '1.0.0', core: '^2.0.0' });
    const error = await kernel.use(future).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'ARGUS_ERR_PLUGIN_CORE_RANGE')).toBe(true);
    expect((error as Error).message).toBe('Plugin "future" supports core ^2.0.0 but this core is 0.1.0');
  });

  it('isolates a plugin that keeps failing: it ends failed, the others run, and health metrics show it', async () => {
    kernel = createKernel({ processMetrics: false, sleep: async () => undefined });
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      core: '^0.1.0',
      start() {
        throw new Error('cannot open the archive volume');
      },
    });
    await kernel.use(broken, camerasPlugin);
    await kernel.start();
    expect(kernel.plugins.state('broken')).toMatchObject({ state: 'failed', attempts: 3 });
    expect(kernel.plugins.state('synthetic-cameras')?.state).toBe('running');
    expect(await kernel.metrics.render()).toMatch(/argus_plugins\{state="failed"\} 1/);
  });

  it('closes the hubs of a camera that is removed', async () => {
    kernel = createKernel({ processMetrics: false });
    await kernel.use(camerasPlugin);
    await kernel.start();
    const driver = kernel.drivers.get('synthetic') as SyntheticDriver;
    await kernel.devices.add(camera);
    let completed = false;
    kernel.streams.hub('cam-1').live$().subscribe({ complete: () => (completed = true) });
    await waitForPackets(kernel, 3);
    await kernel.devices.remove('cam-1');
    expect(completed).toBe(true);
    expect(driver.stats.streamsOpen).toBe(0);
    expect(kernel.streams.hubs()).toHaveLength(0);
  });
});
