// An integrator's composition: a "cameras" plugin registers a driver and publishes a service; a "visitor-counter"
// plugin depends on it, resolves the service and reports on the event bus with an event type of its own.
import {
  createKernel,
  createToken,
  definePlugin,
  DRIVER_REGISTRY,
  STREAM_GRAPH,
  type Kernel,
  type Logger,
} from '@argus/core';
import { syntheticDriver, type SyntheticDriver } from '@argus/core/testing';
import { filter, firstValueFrom } from 'rxjs';

// A plugin adds its own events to the typed catalogue.
declare module '@argus/core' {
  interface ArgusEventMap {
    viewerCounted: { stream: string; viewers: number };
  }
}

/** A service the cameras plugin publishes for the plugins that depend on it. */
export interface CameraDirectory {
  readonly driverId: string;
}
export const CAMERA_DIRECTORY = createToken<CameraDirectory>('CameraDirectory');

export const camerasPlugin = definePlugin({
  name: 'example-cameras',
  version: '1.0.0',
  core: '^0.1.0',
  register(ctx) {
    ctx.container.resolve(DRIVER_REGISTRY).register(syntheticDriver({ fps: 25, gopFrames: 25 }));
    ctx.provide(CAMERA_DIRECTORY, { driverId: 'synthetic' });
  },
});

export const viewerCounterPlugin = definePlugin({
  name: 'example-viewer-counter',
  version: '1.0.0',
  core: '^0.1.0',
  dependencies: { 'example-cameras': '^1.0.0' },
  start(ctx) {
    const directory = ctx.container.resolve(CAMERA_DIRECTORY);
    const streams = ctx.container.resolve(STREAM_GRAPH);
    ctx.logger.info({ driver: directory.driverId }, 'counting viewers');
    const timer = setInterval(() => {
      for (const stats of streams.stats()) ctx.bus.emit('viewerCounted', { stream: stats.id, viewers: stats.consumers }, { source: ctx.name });
    }, 200);
    ctx.signal.addEventListener('abort', () => clearInterval(timer));
  },
});

/** What the example prints at the end. */
export interface ExampleSummary {
  plugins: Record<string, string>;
  viewers: number;
  upstreamConnections: number;
  lastCountedViewers: number;
}

/** Runs the composition: two viewers on one camera, then reports. */
export async function runExample(logger?: Logger): Promise<ExampleSummary> {
  const kernel: Kernel = createKernel({ processMetrics: false, ...(logger === undefined ? {} : { logger }) });
  await kernel.use(viewerCounterPlugin, camerasPlugin); // any order: dependencies are sorted
  await kernel.start();
  try {
    await kernel.devices.add({
      id: 'gate-1',
      name: 'City gate 1',
      agency: 'transport',
      category: 'traffic',
      cameraType: 26,
      driver: 'synthetic',
      ptz: false,
      connection: { host: 'gate-1.example' },
    });
    const hub = kernel.streams.hub('gate-1');
    const viewers = [hub.live$().subscribe(), hub.live$().subscribe()];
    const counted = await firstValueFrom(kernel.bus.on$('viewerCounted').pipe(filter((e) => e.payload.viewers === 2)));
    const driver = kernel.drivers.get('synthetic') as SyntheticDriver;
    const summary: ExampleSummary = {
      plugins: Object.fromEntries(kernel.plugins.states().map((s) => [s.name, s.state])),
      viewers: hub.stats().consumers,
      upstreamConnections: driver.stats.streamsOpened,
      lastCountedViewers: counted.payload.viewers,
    };
    for (const viewer of viewers) viewer.unsubscribe();
    return summary;
  } finally {
    await kernel.stop();
  }
}
