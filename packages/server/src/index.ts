/**
 * `@argus/server`: the reference Fastify server and the `argus` CLI.
 *
 * @packageDocumentation
 */
export { buildApp } from './app.js';
export type { AppOptions, HealthzBody } from './app.js';
export { main } from './cli.js';
export type { CliIo } from './cli.js';
export { loadServerConfig } from './load-config.js';
export type { ConfigSources } from './load-config.js';
export { startServer } from './start-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
