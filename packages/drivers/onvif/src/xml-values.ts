import { ArgusError } from '@argus/core';
import { xmlArray, xmlString, type XmlObject, type XmlValue } from '@argus/driver-kit';

/** An `ARGUS_ERR_DRIVER_PROTOCOL` error: the device answered, but not with what ONVIF says it should. */
export function protocolError(endpoint: string, reason: string, cause?: unknown): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason }, cause === undefined ? {} : { cause });
}

/** True for a parsed element with children or attributes (not a text leaf, not a list). */
export function isXmlObject(value: XmlValue | undefined): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first of a node that may be repeated. */
export function first(value: XmlValue | undefined): XmlValue | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The kit's `xmlString` (leaf text, an element's `#text`, `''` for attributes only), trimmed; undefined when absent. */
export function text(node: XmlValue | undefined, ...path: string[]): string | undefined {
  return xmlString(node, ...path)?.trim();
}

/** An attribute of an element (`@_name`), or undefined. */
export function attr(node: XmlValue | undefined, name: string): string | undefined {
  const value = first(node);
  if (!isXmlObject(value)) return undefined;
  const found = value[`@_${name}`];
  return typeof found === 'string' ? found.trim() : undefined;
}

/** A finite number from text, or undefined. */
export function num(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `true`/`1` as true, `false`/`0` as false (xs:boolean), anything else undefined. */
export function bool(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** The element `name` of a SOAP body, or a protocol error naming what is missing. */
export function responseElement(body: XmlObject, name: string, endpoint: string): XmlObject {
  const value = first(body[name]);
  if (value === undefined) throw protocolError(endpoint, `the reply has no ${name}`);
  // An empty response element (`<tptz:StopResponse/>`) parses to ''.
  if (typeof value === 'string') return {};
  if (!isXmlObject(value)) throw protocolError(endpoint, `${name} is not an element`);
  return value;
}

/** Every element `name` under `node` as objects (text-only elements become `{ '#text': value }`). */
export function elements(node: XmlValue | undefined, ...path: string[]): XmlObject[] {
  return xmlArray(node, ...path).map((value) => (isXmlObject(value) ? value : { '#text': typeof value === 'string' ? value : '' }));
}
