import { parseXml, xmlPath, type XmlObject } from '@argus/driver-kit';
import { isXmlObject, protocolError } from './xml-values.js';

/**
 * The `Body` of a SOAP envelope (prefixes removed), the input of every `parse...` function of this package.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL for malformed XML or a document that is not a SOAP envelope with a Body.
 * @example
 * ```ts
 * const info = parseDeviceInformation(soapBody(xml, endpoint), endpoint);
 * ```
 */
export function soapBody(xml: string, endpoint = 'onvif'): XmlObject {
  const doc = parseXml(xml, { endpoint });
  const envelope = xmlPath(doc, 'Envelope');
  if (envelope === undefined) throw protocolError(endpoint, 'the reply is not a SOAP envelope');
  const body = xmlPath(envelope, 'Body');
  if (isXmlObject(body)) return body;
  throw protocolError(endpoint, body === undefined ? 'the SOAP envelope has no Body' : 'the SOAP Body is empty');
}
