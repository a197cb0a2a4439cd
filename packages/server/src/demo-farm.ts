import { CONFIG_STORE, DEVICE_REGISTRY, DRIVER_REGISTRY, definePlugin, type ArgusPlugin, type CameraCategory } from '@argus/core';
import { CameraFarm, cameraFarmPreset } from '@argus/driver-simulated';
import { rtsp } from '@argus/driver-rtsp';

/** Options of {@link demoFarmPlugin}. */
export interface DemoFarmOptions {
  /** Number of simulated cameras; default 16. */
  cameras?: number;
  /** RTSP port of the farm on loopback; default 8554 (0 picks a free one). */
  port?: number;
  /** Where encoded loops are cached; default the farm's own default. */
  cacheDir?: string;
  /**
   * Record the demo cameras continuously (with the storage plugin), keeping at most a day and 256 MiB of each;
   * default true.
   */
  record?: boolean;
}

const AGENCIES = ['police', 'transport', 'environment', 'district-1'] as const;
const CATEGORIES: readonly CameraCategory[] = ['security', 'traffic', 'environment', 'urbanOrder'];
const DISTRICTS = ['Hoan Kiem', 'Ba Dinh', 'Dong Da', 'Cau Giay'] as const;

/**
 * The demo camera farm as a plugin: starts a simulated farm of RTSP cameras on 127.0.0.1 (mixed H.264/H.265,
 * 640x360/1280x720, 25/15 fps) and adds each to the inventory as a plain-RTSP camera (type 26, driver `rtsp`), so
 * the server reaches them through the same driver and media path as real RTSP cameras. Cameras are `demo-cam-NN`,
 * tagged `demo`, and recorded continuously (a day and 256 MiB each at most) unless `record: false`; stopping the plugin
 * stops the farm (the inventory entries stay and go offline).
 *
 * @example
 * ```ts
 * await kernel.use(demoFarmPlugin({ cameras: 16 }));
 * ```
 */
export function demoFarmPlugin(options: DemoFarmOptions = {}): ArgusPlugin {
  let farm: CameraFarm | undefined;
  return definePlugin({
    name: 'demo-farm',
    version: '0.1.0',
    core: '^0.1.0',
    register(ctx) {
      const drivers = ctx.container.resolve(DRIVER_REGISTRY);
      if (!drivers.has('rtsp')) drivers.register(rtsp());
    },
    async start(ctx) {
      const configs = cameraFarmPreset(options.cameras ?? 16);
      farm = new CameraFarm({
        cameras: configs,
        port: options.port ?? 8554,
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
        logger: ctx.logger,
      });
      ctx.logger.info({ cameras: configs.length }, 'starting the demo camera farm (the first run encodes its loops)');
      await farm.start();
      const port = Number(new URL(farm.url(configs[0]?.id ?? 'cam-01')).port);
      const devices = ctx.container.resolve(DEVICE_REGISTRY);
      if (options.record ?? true) {
        const recorded = { recording: { mode: 'continuous' as const }, retention: { maxAgeDays: 1, maxSizeGb: 0.25 } };
        ctx.container.resolve(CONFIG_STORE).update({ cameras: Object.fromEntries(configs.map((c) => [`demo-${c.id}`, { settings: recorded }])) });
      }
      for (const [i, config] of configs.entries()) {
        await devices.upsert({
          id: `demo-${config.id}`,
          name: `Demo camera ${i + 1} (${(config.codec ?? 'h264').toUpperCase()} ${config.width}x${config.height})`,
          agency: AGENCIES[i % AGENCIES.length]!,
          category: CATEGORIES[i % CATEGORIES.length]!,
          cameraType: 26,
          driver: 'rtsp',
          ptz: false,
          location: { district: DISTRICTS[i % DISTRICTS.length]!, address: `Demo street ${i + 1}` },
          connection: { host: '127.0.0.1', port, path: `/${config.id}` },
          tags: ['demo'],
          groups: [],
        });
      }
      ctx.logger.info({ cameras: configs.length, url: farm.url(configs[0]?.id ?? 'cam-01') }, 'demo camera farm running');
    },
    async stop() {
      await farm?.close();
      farm = undefined;
    },
  });
}
