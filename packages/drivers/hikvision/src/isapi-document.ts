import { ArgusError } from '@argus/core';
import { parseXml, xmlString, type XmlObject, type XmlValue } from '@argus/driver-kit';

/** Default namespace of current Hikvision firmware (ISAPI 2.0). */
export const ISAPI_NAMESPACE = 'http://www.hikvision.com/ver20/XMLSchema';

/**
 * Namespaces ISAPI devices put on their documents: Hikvision's own (1.0 on older firmware, 2.0 today), the
 * `isapi.org` one of recent recorders, and the PSIA one some recorders keep on event alerts.
 */
export const ISAPI_NAMESPACES: readonly string[] = [
  'http://www.hikvision.com/ver10/XMLSchema',
  'http://www.hikvision.com/ver20/XMLSchema',
  'http://www.isapi.org/ver20/XMLSchema',
  'urn:psialliance-org',
];

/** A parsed ISAPI document: its root element's name, its content and its default namespace. */
export interface IsapiDocument {
  /** Root element name without prefix (`DeviceInfo`, `ResponseStatus`...). */
  readonly root: string;
  /** The root element's children and attributes (`@_version`...). */
  readonly node: XmlObject;
  /** The root's default namespace (`xmlns="..."`), when it declares one. */
  readonly namespace?: string;
}

const ROOT_TAG = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s[^>]*)?)>/g;

/** The default namespace declared on the first element of `text` (ISAPI roots carry `xmlns="..."`). */
export function rootNamespace(text: string): string | undefined {
  ROOT_TAG.lastIndex = 0;
  for (let match = ROOT_TAG.exec(text); match !== null; match = ROOT_TAG.exec(text)) {
    const attributes = match[3] ?? '';
    const found = /\sxmlns\s*=\s*(["'])(.*?)\1/.exec(attributes);
    return found?.[2];
  }
  return undefined;
}

/** True when `namespace` is one of the {@link ISAPI_NAMESPACES}. */
export function isIsapiNamespace(namespace: string | undefined): boolean {
  return namespace !== undefined && ISAPI_NAMESPACES.includes(namespace.trim());
}

/**
 * Parses an ISAPI XML document and checks its root element. Malformed XML, an empty body or another root ->
 * `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @param expectedRoots - root element names accepted (e.g. `['DeviceInfo']`); empty accepts any
 */
export function parseIsapiDocument(
  text: string,
  expectedRoots: readonly string[],
  options: { endpoint?: string; isArray?: (name: string, path: string) => boolean } = {},
): IsapiDocument {
  const endpoint = options.endpoint ?? 'isapi';
  const parsed = parseXml(text, { endpoint, ...(options.isArray === undefined ? {} : { isArray: options.isArray }) });
  const roots = Object.keys(parsed).filter((key) => !key.startsWith('?') && !key.startsWith('@_') && key !== '#text');
  const root = roots[0];
  if (root === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'the XML document has no root element' });
  }
  if (expectedRoots.length > 0 && !expectedRoots.includes(root)) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
      endpoint,
      reason: `expected <${expectedRoots.join('> or <')}>, got <${root}>`,
    });
  }
  const value = parsed[root];
  const node: XmlObject = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  const namespace = rootNamespace(text);
  return { root, node, ...(namespace === undefined ? {} : { namespace }) };
}

/** Trimmed text at `path`, `undefined` when absent or empty. */
export function textAt(node: XmlValue | undefined, ...path: string[]): string | undefined {
  const value = xmlString(node, ...path)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Integer at `path`, `undefined` when absent or not an integer. */
export function intAt(node: XmlValue | undefined, ...path: string[]): number | undefined {
  const value = textAt(node, ...path);
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

/** Boolean at `path` (`true`/`false`, any case), `undefined` when absent or neither. */
export function boolAt(node: XmlValue | undefined, ...path: string[]): boolean | undefined {
  const value = textAt(node, ...path)?.toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Decodes a body as UTF-8 text (ISAPI documents are UTF-8). */
export function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}
