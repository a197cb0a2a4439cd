import { xmlPath, xmlString, type XmlObject, type XmlValue } from '../xml/parse-xml.js';

/** A SOAP Fault, with namespace prefixes removed from the codes. */
export interface SoapFault {
  /** SOAP 1.2 `Code/Value` (`Sender`, `Receiver`...) or SOAP 1.1 `faultcode`. */
  readonly code: string;
  /** The most specific subcode (`NotAuthorized`, `ActionNotSupported`, `NoProfile`...), if any. */
  readonly subcode?: string;
  /** Every subcode from the outermost to the innermost. */
  readonly subcodes: readonly string[];
  /** The human-readable reason (`Reason/Text` or `faultstring`); the code when the device gave none. */
  readonly reason: string;
}

function localName(value: string | undefined): string {
  const trimmed = (value ?? '').trim();
  const colon = trimmed.lastIndexOf(':');
  return colon < 0 ? trimmed : trimmed.slice(colon + 1);
}

function findFault(node: XmlObject): XmlValue | undefined {
  return xmlPath(node, 'Envelope', 'Body', 'Fault') ?? xmlPath(node, 'Body', 'Fault') ?? xmlPath(node, 'Fault');
}

/**
 * Reads a SOAP 1.2 (or 1.1) Fault from a parsed envelope, its Body, or the Fault element's parent; undefined when
 * there is none.
 *
 * @example
 * ```ts
 * parseSoapFault(parseXml(text));
 * // { code: 'Sender', subcode: 'NoProfile', subcodes: ['InvalidArgVal', 'NoProfile'], reason: 'Argument Value Invalid' }
 * ```
 */
export function parseSoapFault(body: XmlObject): SoapFault | undefined {
  const fault = findFault(body);
  if (fault === undefined) return undefined;
  const code12 = xmlString(fault, 'Code', 'Value');
  if (code12 !== undefined) {
    const subcodes: string[] = [];
    let sub = xmlPath(fault, 'Code', 'Subcode');
    for (let depth = 0; sub !== undefined && depth < 8; depth++) {
      const value = xmlString(sub, 'Value');
      if (value !== undefined && value.trim() !== '') subcodes.push(localName(value));
      sub = xmlPath(sub, 'Subcode');
    }
    const code = localName(code12);
    const reason = (xmlString(fault, 'Reason', 'Text') ?? '').trim();
    const subcode = subcodes.at(-1);
    return { code, ...(subcode !== undefined ? { subcode } : {}), subcodes, reason: reason === '' ? (subcode ?? code) : reason };
  }
  const code11 = xmlString(fault, 'faultcode');
  const code = localName(code11);
  const reason = (xmlString(fault, 'faultstring') ?? '').trim();
  return { code: code === '' ? 'Fault' : code, subcodes: [], reason: reason === '' ? code || 'SOAP Fault' : reason };
}
