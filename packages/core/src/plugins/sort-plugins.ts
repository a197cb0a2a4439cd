import { ArgusError } from '../errors/argus-error.js';
import type { PluginManifest } from './argus-plugin.js';

/**
 * Orders a batch of plugins so that each comes after the dependencies it has in the batch (dependencies outside
 * the batch are ignored here). Independent plugins keep their input order. Throws
 * `ARGUS_ERR_PLUGIN_DEPENDENCY_CYCLE` with the path, e.g. `a -> b -> a`.
 */
export function sortPlugins<P extends PluginManifest>(plugins: readonly P[]): P[] {
  const byName = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  const done = new Set<string>();
  const path: string[] = [];
  const sorted: P[] = [];

  const visit = (plugin: P): void => {
    if (done.has(plugin.name)) return;
    const onPath = path.indexOf(plugin.name);
    if (onPath >= 0) {
      throw new ArgusError('ARGUS_ERR_PLUGIN_DEPENDENCY_CYCLE', {
        cycle: [...path.slice(onPath), plugin.name].join(' -> '),
      });
    }
    path.push(plugin.name);
    for (const dependency of Object.keys(plugin.dependencies ?? {})) {
      const next = byName.get(dependency);
      if (next !== undefined) visit(next);
    }
    path.pop();
    done.add(plugin.name);
    sorted.push(plugin);
  };

  for (const plugin of plugins) visit(plugin);
  return sorted;
}
