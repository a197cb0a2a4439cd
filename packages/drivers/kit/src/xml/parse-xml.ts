import { ArgusError } from '@argus/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed XML element: child elements by local name, attributes under `@_name`, mixed text under `#text`. */
export type XmlObject = { [key: string]: XmlValue };

/** A parsed XML value: text, an element, or repeated elements. */
export type XmlValue = string | XmlObject | XmlValue[];

/** Options of {@link parseXml}. */
export interface ParseXmlOptions {
  /** The device the text came from, for the error message. */
  readonly endpoint?: string;
  /**
   * Which elements are always arrays (even when they occur once). `name` is the local name, `path` the dotted
   * path of local names from the root (`Envelope.Body.GetProfilesResponse.Profiles`).
   */
  readonly isArray?: (name: string, path: string) => boolean;
}

const ATTRIBUTE_PREFIX = '@_';
const TEXT_KEY = '#text';

function makeParser(isArray: ParseXmlOptions['isArray']): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    textNodeName: TEXT_KEY,
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    htmlEntities: false,
    isArray:
      isArray === undefined
        ? () => false
        : (name, jPath, _isLeaf, isAttribute) =>
            !isAttribute && isArray(name, typeof jPath === 'string' ? jPath : jPath.toString('.')),
  });
}

const DEFAULT_PARSER = makeParser(undefined);

function protocolError(endpoint: string | undefined, reason: string, cause?: unknown): ArgusError {
  return new ArgusError(
    'ARGUS_ERR_DRIVER_PROTOCOL',
    { endpoint: endpoint ?? 'the device', reason },
    cause === undefined ? {} : { cause },
  );
}

/**
 * Parses XML from a device into plain objects: namespace prefixes removed, attributes under `@_` keys, text
 * under `#text` when an element also has attributes or children, every value kept as a string (no number
 * coercion), and arrays only for repeated elements or where `isArray` says so. The text is validated first:
 * malformed or empty XML -> `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const doc = parseXml('<DeviceInfo><model>DS-2CD2346G2-ISU</model><channels>1</channels></DeviceInfo>');
 * xmlString(doc, 'DeviceInfo', 'model'); // 'DS-2CD2346G2-ISU'
 * xmlString(doc, 'DeviceInfo', 'channels'); // '1' (a string)
 * ```
 */
export function parseXml(text: string, options: ParseXmlOptions = {}): XmlObject {
  if (typeof text !== 'string') throw new TypeError('parseXml takes a string');
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw protocolError(options.endpoint, 'empty XML document');
  const valid = XMLValidator.validate(trimmed, { allowBooleanAttributes: true });
  if (valid !== true) {
    throw protocolError(options.endpoint, `malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  let parsed: unknown;
  try {
    const parser = options.isArray === undefined ? DEFAULT_PARSER : makeParser(options.isArray);
    parsed = parser.parse(trimmed);
  } catch (err) {
    throw protocolError(options.endpoint, `malformed XML: ${(err as Error).message}`, err);
  }
  if (typeof parsed !== 'object' || parsed === null) throw protocolError(options.endpoint, 'XML document has no root element');
  const roots = Object.values(parsed as XmlObject);
  if (roots.length !== 1 || Array.isArray(roots[0])) {
    throw protocolError(options.endpoint, roots.length === 0 ? 'XML document has no root element' : 'XML document has more than one root element');
  }
  return parsed as XmlObject;
}

/**
 * Walks `path` from `node` by element name. Where a step meets repeated elements, a numeric step (`'0'`) picks
 * one and a name step continues in the first.
 *
 * @example
 * ```ts
 * xmlPath(envelope, 'Envelope', 'Body', 'GetProfilesResponse', 'Profiles', '1');
 * ```
 */
export function xmlPath(node: XmlValue | undefined, ...path: string[]): XmlValue | undefined {
  let current: XmlValue | undefined = node;
  for (const step of path) {
    if (current === undefined) return undefined;
    if (Array.isArray(current)) {
      if (/^\d+$/.test(step)) {
        current = current[Number(step)];
        continue;
      }
      current = current[0];
      if (current === undefined) return undefined;
    }
    if (typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, step) ? current[step] : undefined;
  }
  return current;
}

/**
 * The text at `path`: a text value as is, an element's `#text`, `''` for an element with only attributes, the
 * first of repeated elements; undefined when absent or when the element has child elements but no text.
 *
 * @example
 * ```ts
 * xmlString(parseXml('<a><b x="1">hi</b></a>'), 'a', 'b'); // 'hi'
 * ```
 */
export function xmlString(node: XmlValue | undefined, ...path: string[]): string | undefined {
  let value = xmlPath(node, ...path);
  if (Array.isArray(value)) value = value[0];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return undefined;
  const text = value[TEXT_KEY];
  if (typeof text === 'string') return text;
  const hasChildren = Object.keys(value).some((key) => !key.startsWith(ATTRIBUTE_PREFIX));
  return hasChildren ? undefined : '';
}

/**
 * The value at `path` as an array: none -> `[]`, one -> `[value]`, repeated -> the array.
 *
 * @example
 * ```ts
 * for (const profile of xmlArray(body, 'GetProfilesResponse', 'Profiles')) handle(profile);
 * ```
 */
export function xmlArray(node: XmlValue | undefined, ...path: string[]): XmlValue[] {
  const value = xmlPath(node, ...path);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Options of {@link buildXml}. */
export interface BuildXmlOptions {
  /** Prepend `<?xml version="1.0" encoding="UTF-8"?>`; default false. */
  readonly declaration?: boolean;
}

function escapeText(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeText(value).replaceAll('"', '&quot;');
}

const NAME = /^[A-Za-z_][\w.\-:]*$/;

function buildElement(name: string, value: XmlValue, out: string[]): void {
  if (!NAME.test(name)) throw new TypeError(`not an XML element name: ${JSON.stringify(name)}`);
  if (Array.isArray(value)) {
    for (const item of value) buildElement(name, item, out);
    return;
  }
  if (typeof value === 'string') {
    out.push(`<${name}>${escapeText(value)}</${name}>`);
    return;
  }
  let attributes = '';
  const children: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith(ATTRIBUTE_PREFIX)) {
      const attr = key.slice(ATTRIBUTE_PREFIX.length);
      if (!NAME.test(attr)) throw new TypeError(`not an XML attribute name: ${JSON.stringify(attr)}`);
      if (typeof child !== 'string') throw new TypeError(`attribute ${attr} must be a string`);
      attributes += ` ${attr}="${escapeAttribute(child)}"`;
    } else if (key === TEXT_KEY) {
      if (typeof child !== 'string') throw new TypeError('#text must be a string');
      children.push(escapeText(child));
    } else {
      buildElement(key, child, children);
    }
  }
  out.push(children.length === 0 ? `<${name}${attributes}/>` : `<${name}${attributes}>${children.join('')}</${name}>`);
}

/**
 * Writes XML from the shape {@link parseXml} returns (`@_` attributes, `#text`, arrays for repeated elements),
 * escaping text and attribute values. Names are written as given, prefixes included (`'tt:Name'`).
 *
 * @example
 * ```ts
 * buildXml({ PTZData: { pan: '0', tilt: '0', zoom: '0' } }, { declaration: true });
 * // '<?xml version="1.0" encoding="UTF-8"?><PTZData><pan>0</pan><tilt>0</tilt><zoom>0</zoom></PTZData>'
 * ```
 */
export function buildXml(value: XmlObject, options: BuildXmlOptions = {}): string {
  const out: string[] = [];
  if (options.declaration === true) out.push('<?xml version="1.0" encoding="UTF-8"?>');
  for (const [name, child] of Object.entries(value)) buildElement(name, child, out);
  return out.join('');
}

/** Escapes a string for use as XML text or a double-quoted attribute value. */
export function xmlEscape(value: string): string {
  return escapeAttribute(value);
}
