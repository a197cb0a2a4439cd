import { TypeCompiler, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ArgusError } from '../errors/argus-error.js';
import { ArgusConfigSchema, type ArgusConfig } from './argus-config-schema.js';

/** One failing value of a configuration: a JSON Pointer to it and what was expected. */
export interface ConfigIssue {
  readonly path: string;
  readonly reason: string;
}

/** Enough to fix a file without flooding a log or an API response with thousands of camera entries. */
const MAX_ISSUES = 50;

let checker: TypeCheck<typeof ArgusConfigSchema> | undefined;

function compiledChecker(): TypeCheck<typeof ArgusConfigSchema> {
  checker ??= TypeCompiler.Compile(ArgusConfigSchema);
  return checker;
}

/** Escapes one JSON Pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

function describe(error: ValueError): string {
  const options = (error.schema as { anyOf?: readonly { const?: unknown }[] }).anyOf;
  if (options !== undefined && options.length > 0 && options.every((option) => option.const !== undefined)) {
    return `Expected one of ${options.map((option) => JSON.stringify(option.const)).join(', ')}`;
  }
  const { pattern, description } = error.schema as { pattern?: string; description?: string };
  if (pattern !== undefined && description !== undefined) return `Expected ${description}`;
  return error.message;
}

/** Throws `ARGUS_ERR_CONFIG_INVALID` pointing at the first issue and listing them all. */
export function throwConfigInvalid(issues: readonly ConfigIssue[]): never {
  const first = issues[0] ?? { path: '/', reason: 'Invalid configuration' };
  throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: first.path, reason: first.reason, errors: issues });
}

function schemaIssues(candidate: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const error of compiledChecker().Errors(candidate)) {
    issues.push({ path: error.path === '' ? '/' : error.path, reason: describe(error) });
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

/** Group references must exist and parent chains must end, so resolving a camera can never loop or dangle. */
function checkGroupReferences(config: ArgusConfig): void {
  const { groups, cameras } = config;
  for (const [id, group] of Object.entries(groups)) {
    if (group.parent !== undefined && !Object.hasOwn(groups, group.parent)) {
      throw new ArgusError('ARGUS_ERR_CONFIG_UNKNOWN_GROUP', {
        group: group.parent,
        path: `/groups/${pointerSegment(id)}/parent`,
      });
    }
  }
  for (const id of Object.keys(groups)) {
    const seen = [id];
    for (let parent = groups[id]?.parent; parent !== undefined; parent = groups[parent]?.parent) {
      if (seen.includes(parent)) {
        throwConfigInvalid([
          {
            path: `/groups/${pointerSegment(id)}/parent`,
            reason: `Group parent cycle: ${[...seen, parent].join(' -> ')}`,
          },
        ]);
      }
      seen.push(parent);
    }
  }
  for (const [id, camera] of Object.entries(cameras)) {
    camera.groups?.forEach((group, index) => {
      if (!Object.hasOwn(groups, group)) {
        throw new ArgusError('ARGUS_ERR_CONFIG_UNKNOWN_GROUP', {
          group,
          path: `/cameras/${pointerSegment(id)}/groups/${index}`,
        });
      }
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates a configuration and fills every default. The input is not modified; the result is deeply frozen.
 *
 * Throws `ARGUS_ERR_CONFIG_INVALID` with `details.path` (JSON Pointer to the first failing value),
 * `details.reason` and `details.errors` (every issue found, up to 50), including unknown keys, values out of
 * range and cycles among group parents; throws `ARGUS_ERR_CONFIG_UNKNOWN_GROUP` when a group's parent or a
 * camera's group is not defined.
 *
 * @example
 * ```ts
 * const config = parseConfig({ server: { port: 9000 } });
 * config.defaults.recording.mode; // 'off'
 * parseConfig({ server: { port: 70000 } }); // throws ARGUS_ERR_CONFIG_INVALID at /server/port
 * ```
 */
export function parseConfig(input: unknown): ArgusConfig {
  const candidate: unknown = Value.Default(ArgusConfigSchema, Value.Clone(input));
  const issues = schemaIssues(candidate);
  if (issues.length > 0) throwConfigInvalid(issues);
  const config = candidate as ArgusConfig;
  checkGroupReferences(config);
  return deepFreeze(config);
}
