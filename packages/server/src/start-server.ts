import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createKernel, createLogger, type ArgusConfig, type Kernel, type Logger } from '@argus/core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Validated configuration (see `loadServerConfig`). */
  config: ArgusConfig;
  /** Logger; default a pino logger at the configured level. */
  logger?: Logger;
  /** Bearer token that protects `GET /metrics` (`ARGUS_METRICS_TOKEN`). */
  metricsToken?: string;
}

/** A running reference server. */
export interface RunningServer {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly kernel: Kernel;
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

  const kernel = createKernel({ config, logger });
  await kernel.start();
  let app: FastifyInstance;
  try {
    app = await buildApp({ kernel, ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }) });
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await kernel.stop();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, dataDir: config.server.dataDir }, 'argus server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    kernel,
    close() {
      closing ??= (async () => {
        await app.close();
        await kernel.stop();
        logger.info('argus server stopped');
      })();
      return closing;
    },
  };
}
