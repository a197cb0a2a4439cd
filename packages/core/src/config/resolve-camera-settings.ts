import { ArgusError } from '../errors/argus-error.js';
import type { ArgusConfig } from './argus-config-schema.js';
import type { CameraSettings } from './camera-settings-schema.js';
import { deepMerge } from './merge-config.js';
import { throwConfigInvalid } from './parse-config.js';

/** The group and its ancestors, root first. */
function lineage(config: ArgusConfig, groupId: string): string[] {
  const chain: string[] = [];
  for (let id: string | undefined = groupId; id !== undefined; id = config.groups[id]?.parent) {
    if (!Object.hasOwn(config.groups, id)) throw new ArgusError('ARGUS_ERR_CONFIG_UNKNOWN_GROUP', { group: id });
    // parseConfig rejects cycles; this guards configs built by hand.
    if (chain.includes(id)) throwConfigInvalid([{ path: `/groups/${id}/parent`, reason: 'Group parent cycle' }]);
    chain.push(id);
  }
  return chain.reverse();
}

/**
 * The groups whose settings apply to a camera, in application order: for each listed group its root ancestor
 * first and itself last. A group already applied is not applied again, so a child listed before its own ancestor
 * still wins over it.
 */
export function cameraGroupChain(config: ArgusConfig, cameraId: string, extraGroups: readonly string[] = []): string[] {
  const listed = Object.hasOwn(config.cameras, cameraId) ? (config.cameras[cameraId]?.groups ?? []) : [];
  const applied: string[] = [];
  for (const group of [...listed, ...extraGroups]) {
    for (const id of lineage(config, group)) if (!applied.includes(id)) applied.push(id);
  }
  return applied;
}

/**
 * The effective settings of a camera: the global `defaults`, then each of its groups from the root ancestor down
 * (several groups apply in list order: the camera's configured groups, then `extraGroups`, e.g. groups the
 * inventory assigns), then the camera's own overrides. Plain objects merge deeply; arrays (such as a recording
 * schedule) are replaced, never concatenated. A camera absent from `config.cameras` gets the defaults and its
 * `extraGroups`.
 *
 * Throws `ARGUS_ERR_CONFIG_UNKNOWN_GROUP` when a group is not defined.
 *
 * @example
 * ```ts
 * const settings = resolveCameraSettings(config, 'cam-7', ['district-1']);
 * if (settings.recording.mode === 'continuous') recorder.start('cam-7', settings.recording);
 * ```
 */
export function resolveCameraSettings(
  config: ArgusConfig,
  cameraId: string,
  extraGroups: readonly string[] = [],
): CameraSettings {
  let settings: unknown = config.defaults;
  for (const id of cameraGroupChain(config, cameraId, extraGroups)) {
    settings = deepMerge(settings, config.groups[id]?.settings);
  }
  if (Object.hasOwn(config.cameras, cameraId)) settings = deepMerge(settings, config.cameras[cameraId]?.settings);
  // deepMerge copies every merged level, but a camera with no overrides would share the frozen defaults.
  return structuredClone(settings) as CameraSettings;
}
