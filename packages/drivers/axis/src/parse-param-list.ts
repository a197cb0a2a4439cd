import { ArgusError } from '@argus/core';

/** A `param.cgi` listing as nested groups: `tree.PTZ.Limit.L1.MaxPan === '170'` (the leading `root.` dropped). */
export interface ParamTree {
  [name: string]: string | ParamTree;
}

/** A parsed `param.cgi?action=list` reply. */
export interface ParamList {
  /** Every parameter by its full name (`root.Brand.ProdNbr`), values exactly as sent (never trimmed or coerced). */
  readonly values: ReadonlyMap<string, string>;
  /** The same parameters as nested groups, without the `root` level. */
  readonly tree: ParamTree;
  /** `# Error: ...` lines: groups the device does not have (sent with status 200). */
  readonly errors: readonly string[];
}

/** Options of {@link parseParamList}. */
export interface ParseParamListOptions {
  /** Device endpoint for error messages. */
  readonly endpoint?: string;
}

const PARAM_NAME = /^root(\.[A-Za-z0-9_-]+)+$/;

function malformed(endpoint: string | undefined, reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: endpoint ?? 'device', reason });
}

/**
 * Parses a VAPIX `param.cgi?action=list` reply: one `root.Group.Sub.Name=value` per line (CRLF or LF), values
 * taken up to the end of the line and split at the first `=` only (preset data such as
 * `Data=tilt=0.000000:pan=0.000000` keeps its own `=`). Lines starting with `#` are the device's error notes
 * (`# Error: Error -1 getting param in group 'PTZ'`) and are collected in `errors`.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a line that is not a parameter (HTML, truncated lines, binary).
 * @example
 * ```ts
 * const { tree, values } = parseParamList('root.Brand.Brand=AXIS\nroot.Brand.ProdNbr=M1065-LW\n');
 * tree.Brand; // { Brand: 'AXIS', ProdNbr: 'M1065-LW' }
 * values.get('root.Brand.ProdNbr'); // 'M1065-LW'
 * ```
 */
export function parseParamList(text: string, options: ParseParamListOptions = {}): ParamList {
  if (typeof text !== 'string') throw new TypeError('parseParamList() needs a string');
  const values = new Map<string, string>();
  const errors: string[] = [];
  const tree: ParamTree = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      errors.push(line.replace(/^#\s*/, ''));
      continue;
    }
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !PARAM_NAME.test(name)) {
      throw malformed(options.endpoint, `param.cgi line ${i + 1} is not "root.<group>.<name>=<value>"`);
    }
    if (hasControlCharacter(line)) {
      throw malformed(options.endpoint, `param.cgi line ${i + 1} holds control characters`);
    }
    const value = line.slice(eq + 1);
    values.set(name, value);
    insert(tree, name.split('.').slice(1), value);
  }
  return { values, tree, errors };
}

/** True when the line holds a C0 control character other than tab (binary junk, not text). */
function hasControlCharacter(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code < 0x20 && code !== 0x09) return true;
  }
  return false;
}

/** Puts a value into the tree; a name that is both a value and a group keeps the group (the flat map keeps both). */
function insert(tree: ParamTree, path: readonly string[], value: string): void {
  let node = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = node[key];
    if (typeof next === 'object') {
      node = next;
    } else {
      const group: ParamTree = {};
      node[key] = group;
      node = group;
    }
  }
  const last = path[path.length - 1] as string;
  if (typeof node[last] !== 'object') node[last] = value;
}

/**
 * A parameter's value by name, with or without the leading `root.` (`Brand.ProdNbr`), or `undefined`.
 *
 * @example
 * ```ts
 * paramValue(list, 'Network.RTSP.Port'); // '554'
 * ```
 */
export function paramValue(list: ParamList, name: string): string | undefined {
  return list.values.get(name.startsWith('root.') ? name : `root.${name}`);
}

/** A group of the tree by dotted path (`PTZ.Limit.L1`), or `undefined` when absent or a plain value. */
export function paramGroup(list: ParamList, path: string): ParamTree | undefined {
  let node: string | ParamTree | undefined = list.tree;
  for (const key of path.replace(/^root\./, '').split('.')) {
    if (typeof node !== 'object') return undefined;
    node = node[key];
  }
  return typeof node === 'object' ? node : undefined;
}

/** True for VAPIX's affirmative spellings (`yes`, `true`, `1`, `on`), false for the rest. */
export function paramFlag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'yes' || v === 'true' || v === '1' || v === 'on') return true;
  if (v === 'no' || v === 'false' || v === '0' || v === 'off') return false;
  return undefined;
}

/** A numeric parameter value, or `undefined` when absent or not a finite number. */
export function paramNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}
