import type { ArgusConfig } from './argus-config-schema.js';
import type { ConfigPatch } from './merge-config.js';
import { throwConfigInvalid } from './parse-config.js';

/** Environment variables read by {@link configFromEnv} and the configuration path each one sets. */
export const CONFIG_ENV_VARIABLES = {
  ARGUS_HOST: '/server/host',
  ARGUS_PORT: '/server/port',
  ARGUS_DATA_DIR: '/server/dataDir',
  ARGUS_LOG_LEVEL: '/log/level',
} as const;

/** Unset and empty variables are ignored: an empty value in a compose file means "not set", not "empty". */
function read(
  env: Readonly<Record<string, string | undefined>>,
  name: keyof typeof CONFIG_ENV_VARIABLES,
): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The part of the configuration set by environment variables (`ARGUS_HOST`, `ARGUS_PORT`, `ARGUS_DATA_DIR`,
 * `ARGUS_LOG_LEVEL`), as a patch to layer over the file with {@link mergeConfig}. Only variables that are set
 * appear. Values are checked by {@link parseConfig} later, except the port, which must be a whole number here.
 *
 * Throws `ARGUS_ERR_CONFIG_INVALID` at `/server/port` when `ARGUS_PORT` is not a whole number.
 *
 * @example
 * ```ts
 * configFromEnv({ ARGUS_PORT: '9000', ARGUS_LOG_LEVEL: 'debug' });
 * // { server: { port: 9000 }, log: { level: 'debug' } }
 * ```
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ConfigPatch {
  const server: ConfigPatch<ArgusConfig['server']> = {};
  const host = read(env, 'ARGUS_HOST');
  if (host !== undefined) server.host = host;
  const dataDir = read(env, 'ARGUS_DATA_DIR');
  if (dataDir !== undefined) server.dataDir = dataDir;
  const port = read(env, 'ARGUS_PORT');
  if (port !== undefined) {
    if (!/^\d+$/.test(port)) {
      throwConfigInvalid([
        { path: CONFIG_ENV_VARIABLES.ARGUS_PORT, reason: `ARGUS_PORT must be a whole number, got "${port}"` },
      ]);
    }
    server.port = Number(port);
  }
  const patch: ConfigPatch = {};
  if (Object.keys(server).length > 0) patch.server = server;
  const level = read(env, 'ARGUS_LOG_LEVEL');
  if (level !== undefined) patch.log = { level: level.toLowerCase() as ArgusConfig['log']['level'] };
  return patch;
}
