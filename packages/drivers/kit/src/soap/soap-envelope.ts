import { xmlEscape } from '../xml/parse-xml.js';

/** SOAP 1.2 envelope namespace. */
export const SOAP_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';

/**
 * Prefixes every {@link soapEnvelope} declares, so bodies can be written as `<tds:GetDeviceInformation/>`:
 * the ONVIF device, media (1 and 2), schema, PTZ, events, imaging, recording, search and replay services,
 * WS-BaseNotification, WS-Addressing and the ONVIF topic namespace.
 */
export const ONVIF_NAMESPACES: Readonly<Record<string, string>> = Object.freeze({
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  timg: 'http://www.onvif.org/ver20/imaging/wsdl',
  trc: 'http://www.onvif.org/ver10/recording/wsdl',
  tse: 'http://www.onvif.org/ver10/search/wsdl',
  trp: 'http://www.onvif.org/ver10/replay/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa: 'http://www.w3.org/2005/08/addressing',
  tns1: 'http://www.onvif.org/ver10/topics',
});

/** Options of {@link soapEnvelope}. */
export interface SoapEnvelopeOptions {
  /** Header content (e.g. {@link wsseUsernameToken}); no `<s:Header>` when absent. */
  readonly header?: string;
  /** Extra prefix -> namespace declarations, added to (and overriding) {@link ONVIF_NAMESPACES}. */
  readonly namespaces?: Readonly<Record<string, string>>;
}

const PREFIX = /^[A-Za-z_][\w.-]*$/;

/**
 * A SOAP 1.2 envelope (prefix `s`) around `body`, declaring the ONVIF prefixes.
 *
 * @example
 * ```ts
 * soapEnvelope('<tds:GetSystemDateAndTime/>');
 * // '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ...><s:Body>...'
 * ```
 */
export function soapEnvelope(body: string, options: SoapEnvelopeOptions = {}): string {
  const namespaces = { ...ONVIF_NAMESPACES, ...options.namespaces };
  let declarations = ` xmlns:s="${SOAP_ENVELOPE_NS}"`;
  for (const [prefix, uri] of Object.entries(namespaces)) {
    if (!PREFIX.test(prefix) || prefix === 's' || prefix.toLowerCase().startsWith('xml')) {
      throw new TypeError(`not a usable namespace prefix: ${JSON.stringify(prefix)}`);
    }
    declarations += ` xmlns:${prefix}="${xmlEscape(uri)}"`;
  }
  const header = options.header === undefined ? '' : `<s:Header>${options.header}</s:Header>`;
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope${declarations}>${header}<s:Body>${body}</s:Body></s:Envelope>`;
}
