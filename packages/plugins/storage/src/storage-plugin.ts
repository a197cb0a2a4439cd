import { CLOCK, CONFIG_STORE, createToken, definePlugin, DEVICE_REGISTRY, EVENT_BUS, STREAM_GRAPH, type ArgusPlugin } from '@argus/core';
import { StorageService, type StorageServiceOptions } from './storage-service.js';

/** The running storage service, for the server's routes and for plugins that depend on `storage`. */
export const STORAGE = createToken<StorageService>('StorageService');

/** Options of {@link storagePlugin}: the service's own, without what the kernel supplies. */
export type StoragePluginOptions = Omit<StorageServiceOptions, 'devices' | 'streams' | 'config' | 'bus' | 'clock' | 'logger'>;

/** Version of the storage plugin, for dependants' ranges. */
export const STORAGE_PLUGIN_VERSION = '0.1.0';

/**
 * The storage plugin: records cameras as their settings ask, keeps the catalogue, applies retention and evidence
 * locks, plays back and exports. It provides {@link STORAGE} once started.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ config });
 * await kernel.use(storagePlugin({ dataDir: '/var/lib/argus' }));
 * await kernel.start();
 * const storage = kernel.container.resolve(STORAGE);
 * ```
 */
export function storagePlugin(options: StoragePluginOptions): ArgusPlugin {
  let service: StorageService | undefined;
  return definePlugin({
    name: 'storage',
    version: STORAGE_PLUGIN_VERSION,
    core: '^0.1.0',
    register(ctx) {
      const c = ctx.container;
      service = new StorageService({
        ...options,
        devices: c.resolve(DEVICE_REGISTRY),
        streams: c.resolve(STREAM_GRAPH),
        config: c.resolve(CONFIG_STORE),
        bus: c.resolve(EVENT_BUS),
        clock: c.resolve(CLOCK),
        logger: ctx.logger,
      });
      ctx.provide(STORAGE, service);
    },
    async start() {
      await service?.start();
    },
    async stop() {
      await service?.stop();
    },
  });
}
