import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createKernel, createLogger, type ArgusConfig, type ArgusPlugin, type Clock, type DriverFactory, type Kernel, type Logger } from '@argus/core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { AuditLog } from './audit/audit-log.js';
import type { AuthRoutesOptions } from './auth/auth-routes.js';
import { AgencyStore } from './access/agency-store.js';
import { RoleStore } from './access/role-store.js';
import { AuthService } from './auth/auth-service.js';
import { builtinDrivers } from './drivers/builtin-drivers.js';
import { HealthMonitor, kernelHealthSources } from './health/health-monitor.js';
import { LevelDeviceStore } from './inventory/level-device-store.js';
import { SecretBox } from './inventory/secret-box.js';
import { openDatabase, type Database } from './open-database.js';
import { STORAGE, storagePlugin, type StoragePluginOptions, type StorageService } from '@argus/plugin-storage';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Validated configuration (see `loadServerConfig`). */
  config: ArgusConfig;
  /** Logger; default a pino logger at the configured level. */
  logger?: Logger;
  /** Bearer token that protects `GET /metrics` (`ARGUS_METRICS_TOKEN`). */
  metricsToken?: string;
  /** Clock of the kernel, sessions, lockouts and audit times; default the system clock (tests pass a `ManualClock`). */
  clock?: Clock;
  /**
   * Password of the `admin` account created when no administrator exists (`ARGUS_ADMIN_PASSWORD`); when unset a
   * random one is made and returned once in {@link RunningServer.initialAdminPassword}. Either way it must be
   * changed at first login.
   */
  adminPassword?: string;
  /** `Secure` flag of the session cookie (`ARGUS_COOKIE_SECURE`); default `'auto'` (set over HTTPS). */
  cookieSecure?: boolean | 'auto';
  /** Per-IP limit of the login and password routes; default 20 per minute; `false` for none. */
  authRateLimit?: AuthRoutesOptions['rateLimit'];
  /** Drivers to register before plugins start; default {@link builtinDrivers} (every driver the server ships). */
  drivers?: readonly DriverFactory[];
  /** Plugins to register before the kernel starts (for example `demoFarmPlugin()`). */
  plugins?: readonly ArgusPlugin[];
  /**
   * The storage plugin's options beyond the data directory (tiers, free-space floor, retention interval); `false`
   * runs without recording, playback and export. Default: one tier at `<dataDir>/recordings`.
   */
  storage?: Omit<StoragePluginOptions, 'dataDir'> | false;
}

/** A running reference server. */
export interface RunningServer {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly kernel: Kernel;
  /** Camera health sampler (every 10 s); `sampleNow()` takes a sample at once. */
  readonly health: HealthMonitor;
  /** The random password of a newly created `admin` account; set only on the start that created it. */
  readonly initialAdminPassword?: string;
  /** Stops accepting requests, then stops plugins and core services. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the reference server: creates the data directory, the core services and the plugins, then listens.
 *
 * @example
 * ```ts
 * const server = await startServer({ config: await loadServerConfig({ env: process.env }) });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 * ```
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: 'argus', level: config.log.level });
  await mkdir(resolve(config.server.dataDir), { recursive: true });

  // The key is checked before the database opens, so a refused key file leaves nothing to clean up.
  const secrets = await SecretBox.open(resolve(config.server.dataDir));
  const db: Database = await openDatabase(resolve(config.server.dataDir));
  const deviceStore = new LevelDeviceStore({ db, secrets, logger: logger.child({ component: 'inventory' }) });
  const kernel = createKernel({ config, logger, deviceStore, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  let app: FastifyInstance;
  let generatedPassword: string | undefined;
  // The storage service exists once the plugins started; health reads the recorders through this reference.
  let recorders: StorageService | undefined;
  const health = new HealthMonitor({
    sources: kernelHealthSources(kernel, (cameraId) => recorders?.recorderStatus(cameraId)?.recording === true),
    clock: kernel.clock,
    logger: logger.child({ component: 'health' }),
  });
  try {
    for (const driver of options.drivers ?? builtinDrivers()) kernel.drivers.register(driver);
    const plugins = [...(options.storage === false ? [] : [storagePlugin({ dataDir: resolve(config.server.dataDir), ...options.storage })]), ...(options.plugins ?? [])];
    if (plugins.length > 0) await kernel.use(...plugins);
    await kernel.start();
    const storage = options.storage === false ? undefined : kernel.container.resolve(STORAGE);
    recorders = storage;
    const audit = await AuditLog.open({ db, clock: kernel.clock });
    const auth = new AuthService({ db, audit, clock: kernel.clock, logger: logger.child({ component: 'auth' }) });
    ({ generatedPassword } = await auth.ensureAdmin(options.adminPassword));
    const roles = await RoleStore.open({ db, audit });
    const agencies = new AgencyStore({ db, audit, clock: kernel.clock });
    app = await buildApp({
      kernel,
      health,
      ...(storage === undefined ? {} : { storage }),
      ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
      security: {
        auth,
        audit,
        roles,
        agencies,
        ...(options.cookieSecure === undefined ? {} : { cookieSecure: options.cookieSecure }),
        ...(options.authRateLimit === undefined ? {} : { rateLimit: options.authRateLimit }),
      },
    });
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await kernel.stop();
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  health.start();
  logger.info({ url, dataDir: config.server.dataDir }, 'argus server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    kernel,
    health,
    ...(generatedPassword === undefined ? {} : { initialAdminPassword: generatedPassword }),
    close() {
      closing ??= (async () => {
        health.stop();
        await app.close();
        await kernel.stop();
        await db.close();
        logger.info('argus server stopped');
      })();
      return closing;
    },
  };
}
