import { readFile } from 'node:fs/promises';
import { ArgusError, configFromEnv, mergeConfig, parseConfig, type ArgusConfig } from '@argus/core';
import { parse as parseYaml } from 'yaml';

/** Where {@link loadServerConfig} reads from; later sources win: defaults, file, env, overrides. */
export interface ConfigSources {
  /** Path of a YAML (or JSON) configuration file. */
  file?: string;
  /** Environment variables (`ARGUS_PORT`, `ARGUS_HOST`, `ARGUS_DATA_DIR`, `ARGUS_LOG_LEVEL`). */
  env?: Record<string, string | undefined>;
  /** Values given on the command line. */
  overrides?: Record<string, unknown>;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: file, reason: `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? 'error'})` }, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: file, reason: `not valid YAML: ${(cause as Error).message.split('\n')[0]}` }, { cause });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: file, reason: 'the top level must be a mapping' });
  }
  return parsed as Record<string, unknown>;
}

/**
 * Loads and validates the server configuration: built-in defaults, then the file, then the environment, then
 * command-line overrides. Invalid input fails with `ARGUS_ERR_CONFIG_INVALID` naming the path.
 */
export async function loadServerConfig(sources: ConfigSources = {}): Promise<ArgusConfig> {
  const fromFile = sources.file === undefined ? {} : await readConfigFile(sources.file);
  const fromEnv = configFromEnv(sources.env ?? {});
  return parseConfig(mergeConfig(fromFile, fromEnv, sources.overrides ?? {}));
}
