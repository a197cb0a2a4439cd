import semver from 'semver';
import { ArgusError } from '../errors/argus-error.js';
import type { ArgusPlugin } from './argus-plugin.js';

/** npm's rule for new package names: lowercase, URL-safe, optionally scoped. */
const PLUGIN_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const MAX_NAME_LENGTH = 214;
const HOOKS = ['register', 'start', 'stop'] as const;

/** True for a lowercase npm-style plugin name. */
export function isValidPluginName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && PLUGIN_NAME.test(name);
}

/**
 * Checks the shape of a plugin's manifest and hooks; throws `ARGUS_ERR_PLUGIN_INVALID_MANIFEST` with the
 * reason. Plugins may come from dynamically loaded packages, so nothing is trusted from the types.
 */
export function validatePluginManifest(plugin: unknown): asserts plugin is ArgusPlugin {
  const reason = manifestProblem(plugin);
  if (reason === undefined) return;
  const name = (plugin as { name?: unknown } | null)?.name;
  throw new ArgusError('ARGUS_ERR_PLUGIN_INVALID_MANIFEST', {
    reason,
    ...(typeof name === 'string' ? { plugin: name } : {}),
  });
}

function manifestProblem(plugin: unknown): string | undefined {
  if (typeof plugin !== 'object' || plugin === null) return 'a plugin must be an object';
  const { name, version, core, dependencies } = plugin as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return 'name must be a non-empty string';
  if (!isValidPluginName(name)) return `name "${name}" must be a lowercase npm-style package name`;
  if (typeof version !== 'string' || semver.valid(version) === null) {
    return `plugin "${name}": version ${JSON.stringify(version)} is not a valid semver version`;
  }
  if (typeof core !== 'string' || semver.validRange(core) === null) {
    return `plugin "${name}": core ${JSON.stringify(core)} is not a valid semver range`;
  }
  if (dependencies !== undefined) {
    if (typeof dependencies !== 'object' || dependencies === null || Array.isArray(dependencies)) {
      return `plugin "${name}": dependencies must be an object of plugin name -> semver range`;
    }
    for (const [dependency, range] of Object.entries(dependencies)) {
      if (!isValidPluginName(dependency)) return `plugin "${name}": dependency name "${dependency}" is not valid`;
      if (typeof range !== 'string' || semver.validRange(range) === null) {
        return `plugin "${name}": dependency "${dependency}" has an invalid semver range ${JSON.stringify(range)}`;
      }
    }
  }
  for (const hook of HOOKS) {
    const value = (plugin as Record<string, unknown>)[hook];
    if (value !== undefined && typeof value !== 'function') return `plugin "${name}": ${hook} must be a function`;
  }
  return undefined;
}
