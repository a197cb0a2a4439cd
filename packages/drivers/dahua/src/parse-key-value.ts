import { ArgusError } from '@argus/core';

/** A value of a Dahua reply parsed into a tree: a leaf string, a table of named children, or an indexed list. */
export type DahuaValue = string | DahuaTable | DahuaValue[];

/** A node of a parsed Dahua reply with named children (`table`, `Encode[0]`, `MainFormat[0].Video`...). */
export interface DahuaTable {
  [key: string]: DahuaValue;
}

/** Options of the key=value parsers. */
export interface KeyValueParseOptions {
  /** Device endpoint named in errors (`http://127.0.0.1:8080`); default `dahua`. */
  readonly endpoint?: string;
}

/** Highest list index accepted in a key (`presets[254]`); larger ones are a malformed reply, not a sparse list. */
const MAX_INDEX = 4095;

/** One segment of a key: a name with optional indices, `Encode[0]`, `Lighting_V2[0][2][0]`, `Video`. */
const SEGMENT = /^([^.[\]=]*)((?:\[\d{1,6}\])*)$/;

function protocolError(endpoint: string | undefined, reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: endpoint ?? 'dahua', reason });
}

const UTF8 = new TextDecoder('utf-8');

/** A reply body as text (Dahua replies are UTF-8). */
export function asText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : UTF8.decode(body);
}

/**
 * Splits a Dahua `key=value` reply into its pairs, in order: lines end in CRLF or LF, blank lines are skipped, a
 * value is everything after the first `=` (values may contain `=`), and a later duplicate key replaces an earlier
 * one.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for an empty reply, a line without `=`, an empty key or NUL bytes.
 * @example
 * ```ts
 * parseKeyValueLines('deviceType=IPC-HDW5831R-ZE\r\nserialNumber=4X7C5A1ZAG21L3F\r\n');
 * // { deviceType: 'IPC-HDW5831R-ZE', serialNumber: '4X7C5A1ZAG21L3F' }
 * ```
 */
export function parseKeyValueLines(body: string | Uint8Array, options: KeyValueParseOptions = {}): Record<string, string> {
  const text = asText(body);
  if (text.includes('\u0000')) throw protocolError(options.endpoint, 'the key=value reply contains NUL bytes');
  const pairs: Record<string, string> = {};
  let count = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw protocolError(options.endpoint, `line ${i + 1} of the key=value reply has no "=": ${JSON.stringify(line.slice(0, 80))}`);
    const key = line.slice(0, eq).trim();
    if (key === '') throw protocolError(options.endpoint, `line ${i + 1} of the key=value reply has an empty key`);
    Object.defineProperty(pairs, key, { value: line.slice(eq + 1), enumerable: true, writable: true, configurable: true });
    count += 1;
  }
  if (count === 0) throw protocolError(options.endpoint, 'the key=value reply is empty');
  return pairs;
}

/** One step of a path into a parsed reply: a table key or a list index. */
export type DahuaPathStep = string | number;

function keyPath(key: string, endpoint: string | undefined): DahuaPathStep[] {
  const steps: DahuaPathStep[] = [];
  for (const segment of key.split('.')) {
    const match = SEGMENT.exec(segment);
    if (match === null) throw protocolError(endpoint, `malformed key "${key.slice(0, 120)}"`);
    const name = match[1] ?? '';
    const indices = match[2] ?? '';
    if (name === '' && indices === '') throw protocolError(endpoint, `malformed key "${key.slice(0, 120)}"`);
    if (name === '__proto__') throw protocolError(endpoint, `malformed key "${key.slice(0, 120)}"`);
    if (name !== '') steps.push(name);
    for (const found of indices.matchAll(/\[(\d+)\]/g)) {
      const index = Number(found[1]);
      if (index > MAX_INDEX) throw protocolError(endpoint, `index ${index} in key "${key.slice(0, 120)}" is out of range`);
      steps.push(index);
    }
  }
  return steps;
}

function isTable(value: DahuaValue | undefined): value is DahuaTable {
  return typeof value === 'object' && !Array.isArray(value);
}

function setChild(parent: DahuaTable | DahuaValue[], step: DahuaPathStep, value: DahuaValue): void {
  if (typeof step === 'number') (parent as DahuaValue[])[step] = value;
  else Object.defineProperty(parent, step, { value, enumerable: true, writable: true, configurable: true });
}

function getChild(parent: DahuaTable | DahuaValue[], step: DahuaPathStep): DahuaValue | undefined {
  if (typeof step === 'number') return (parent as DahuaValue[])[step];
  return Object.hasOwn(parent, step) ? (parent as DahuaTable)[step] : undefined;
}

/**
 * Parses a Dahua `key=value` reply into a tree: dots open tables and `[n]` opens lists, so
 * `table.Encode[0].MainFormat[0].Video.Width=1920` becomes `{ table: { Encode: [{ MainFormat: [{ Video: { Width:
 * '1920' } }] }] } }`. Values stay strings.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for what {@link parseKeyValueLines} rejects, a malformed key, an
 *   index above 4095, or a key that is both a value and a table (`a=1` and `a.b=2`).
 * @example
 * ```ts
 * const tree = parseKeyValueTable('table.RTSP.Port=554\r\n');
 * dahuaString(tree, 'table', 'RTSP', 'Port'); // '554'
 * ```
 */
export function parseKeyValueTable(body: string | Uint8Array, options: KeyValueParseOptions = {}): DahuaTable {
  const root: DahuaTable = {};
  for (const [key, value] of Object.entries(parseKeyValueLines(body, options))) {
    const steps = keyPath(key, options.endpoint);
    let node: DahuaTable | DahuaValue[] = root;
    for (let i = 0; i < steps.length - 1; i += 1) {
      const step = steps[i] as DahuaPathStep;
      const wantList = typeof steps[i + 1] === 'number';
      let child = getChild(node, step);
      if (child === undefined) {
        child = wantList ? [] : {};
        setChild(node, step, child);
      }
      if (typeof child === 'string' || Array.isArray(child) !== wantList) {
        throw protocolError(options.endpoint, `key "${key.slice(0, 120)}" conflicts with another key of the reply`);
      }
      node = child;
    }
    const last = steps[steps.length - 1] as DahuaPathStep;
    const existing = getChild(node, last);
    if (existing !== undefined && typeof existing !== 'string') {
      throw protocolError(options.endpoint, `key "${key.slice(0, 120)}" conflicts with another key of the reply`);
    }
    setChild(node, last, value);
  }
  return root;
}

/** Walks a parsed reply by names and indices; `undefined` when any step is missing. */
export function dahuaPath(node: DahuaValue | undefined, ...path: DahuaPathStep[]): DahuaValue | undefined {
  let current: DahuaValue | undefined = node;
  for (const step of path) {
    if (current === undefined || typeof current === 'string') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (!isTable(current) || !Object.hasOwn(current, step)) return undefined;
      current = current[step];
    }
  }
  return current;
}

/** The string at `path` of a parsed reply, or `undefined` when missing or not a leaf. */
export function dahuaString(node: DahuaValue | undefined, ...path: DahuaPathStep[]): string | undefined {
  const value = dahuaPath(node, ...path);
  return typeof value === 'string' ? value : undefined;
}

/** The table at `path` of a parsed reply, or `undefined` when missing or not a table. */
export function dahuaTable(node: DahuaValue | undefined, ...path: DahuaPathStep[]): DahuaTable | undefined {
  const value = dahuaPath(node, ...path);
  return isTable(value) ? value : undefined;
}

/** The finite number at `path` of a parsed reply, or `undefined` when missing or not numeric. */
export function dahuaNumber(node: DahuaValue | undefined, ...path: DahuaPathStep[]): number | undefined {
  const value = dahuaString(node, ...path);
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** The list at `path` of a parsed reply without holes, or `[]` when missing. */
export function dahuaList(node: DahuaValue | undefined, ...path: DahuaPathStep[]): DahuaValue[] {
  const value = dahuaPath(node, ...path);
  return Array.isArray(value) ? value.filter((item): item is DahuaValue => item !== undefined) : [];
}

/**
 * True when a reply is Dahua's error answer (`Error\r\nBad Request!`), which firmware sends with status 400 and
 * sometimes 200.
 */
export function isDahuaErrorReply(body: string): boolean {
  return /^\s*Error\s*(\r?\n|$)/.test(body);
}

/** The reason line of a Dahua error reply (`Bad Request!`), or `Error` when it has none. */
export function dahuaErrorReason(body: string): string {
  const lines = body.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  return lines.slice(1).join(' ') || 'Error';
}
