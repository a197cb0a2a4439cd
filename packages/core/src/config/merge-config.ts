import type { ArgusConfig } from './argus-config-schema.js';

/**
 * A patch of a configuration value: any subset, at any depth; `null` removes a key (JSON Merge Patch,
 * RFC 7386). Arrays are replaced whole.
 */
export type ConfigPatch<T = ArgusConfig> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: ConfigPatch<T[K]> | null }
    : T;

/** True for `{...}` literals and JSON objects, false for arrays, class instances, `null`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of "__proto__" would replace the prototype instead of creating a key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Merges `overlay` over `base` without mutating either: plain objects merge key by key, anything else (arrays
 * included) replaces, `undefined` leaves the base value, and `null` inside an object removes the key.
 */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (!isPlainObject(overlay) || !isPlainObject(base)) return overlay;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(base)) setOwn(result, key, base[key]);
  for (const key of Object.keys(overlay)) {
    const value = overlay[key];
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else setOwn(result, key, deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, value));
  }
  return result;
}

/** Structural equality of JSON-like values (plain objects, arrays, primitives). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

/**
 * Layers configuration sources, later ones winning: plain objects merge deeply, arrays are replaced, `null`
 * removes a key. The result is not validated yet; pass it to {@link parseConfig}, which fills the defaults.
 *
 * @example
 * ```ts
 * const config = parseConfig(mergeConfig(JSON.parse(fileText), configFromEnv(process.env)));
 * ```
 */
export function mergeConfig(base: unknown, ...overlays: readonly unknown[]): unknown {
  return overlays.reduce<unknown>((merged, overlay) => deepMerge(merged, overlay), base);
}
