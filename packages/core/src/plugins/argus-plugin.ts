import type { ArgusContainer } from '../di/argus-container.js';
import type { Token } from '../di/token.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';

/**
 * What a plugin declares about itself; the plugin host checks it at registration (fastify's plugin metadata).
 */
export interface PluginManifest {
  /** Unique, lowercase npm-style name, e.g. `storage` or `@acme/argus-lpr`. */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** Semver range of `@argus/core` the plugin works with, e.g. `^0.1.0`. */
  readonly core: string;
  /** Plugins this one needs, name -> semver range; they must be registered first and start first. */
  readonly dependencies?: Readonly<Record<string, string>>;
}

/**
 * What the host gives a plugin in each lifecycle hook. The same object is passed to `register`, `start` and
 * `stop`.
 */
export interface PluginContext {
  /** The plugin's name. */
  readonly name: string;
  /**
   * The plugin's own child container of the host's root container: it sees core services, and what it registers
   * stays private to the plugin (fastify-style encapsulation). Disposed when the plugin stops.
   */
  readonly container: ArgusContainer;
  /** A child of the host's logger bound to `{ plugin: name }`. */
  readonly logger: Logger;
  /** The event bus. */
  readonly bus: EventBus;
  /** Aborts when the plugin is being stopped (or gave up starting); pass it to long-running work. */
  readonly signal: AbortSignal;
  /**
   * Publishes a service to the root container, so plugins that depend on this one can resolve it. A token can be
   * provided once (`ARGUS_ERR_PLUGIN_PROVIDE_CONFLICT` otherwise). The host does not dispose provided values;
   * close them in `stop`.
   */
  provide<T>(token: Token<T>, value: T): void;
}

/**
 * The contract of an Argus plugin: a manifest plus optional lifecycle hooks, each sync or async.
 *
 * - `register` runs once, at registration: register services in `ctx.container`, `provide` shared ones.
 * - `start` runs after every dependency is running. If it throws, the host retries it with backoff, then marks
 *   the plugin `failed` without taking other plugins down.
 * - `stop` runs in reverse start order when the host stops; `ctx.signal` is already aborted.
 *
 * @example
 * ```ts
 * export const recorder = definePlugin({
 *   name: 'recorder',
 *   version: '1.0.0',
 *   core: '^0.1.0',
 *   dependencies: { storage: '^1.0.0' },
 *   register(ctx) {
 *     ctx.container.registerFactory(RECORDER, (c) => new Recorder(c.resolve(STORAGE), ctx.logger));
 *   },
 *   async start(ctx) {
 *     await ctx.container.resolve(RECORDER).open(ctx.signal);
 *   },
 *   async stop(ctx) {
 *     await ctx.container.resolve(RECORDER).flush();
 *   },
 * });
 * ```
 */
export interface ArgusPlugin extends PluginManifest {
  register?(ctx: PluginContext): void | Promise<void>;
  start?(ctx: PluginContext): void | Promise<void>;
  stop?(ctx: PluginContext): void | Promise<void>;
}

/**
 * Identity helper that types a plugin object literal (hooks get a typed `ctx`) and keeps any extra members.
 *
 * @example
 * ```ts
 * export default definePlugin({ name: 'hello', version: '1.0.0', core: '^0.1.0', start: (ctx) => ctx.logger.info('hi') });
 * ```
 */
export function definePlugin<P extends ArgusPlugin>(plugin: P): P {
  return plugin;
}
