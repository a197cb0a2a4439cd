import { ArgusError, hasErrorCode } from '@argus/core';
import { intAt, parseIsapiDocument, textAt } from './isapi-document.js';

/**
 * `<ResponseStatus>`: how ISAPI answers a PUT/POST/DELETE, and what it sends with an error status.
 * `statusCode` 1 is OK; 2 device busy; 3 device error; 4 invalid operation; 5 invalid XML format;
 * 6 invalid XML content; 7 reboot required.
 */
export interface IsapiResponseStatus {
  readonly statusCode: number;
  readonly statusString: string;
  /** Finer reason: `ok`, `notSupport`, `badXmlContent`, `deviceError`, `invalidOperation`... */
  readonly subStatusCode?: string;
  readonly requestUrl?: string;
  /** New id of a created object (POST replies). */
  readonly id?: string;
}

/**
 * Parses a `<ResponseStatus>` document. Malformed XML, another root or no `<statusCode>` throws
 * `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * parseResponseStatus(body); // { statusCode: 1, statusString: 'OK', subStatusCode: 'ok', requestUrl: '/ISAPI/...' }
 * ```
 */
export function parseResponseStatus(text: string, endpoint = 'isapi'): IsapiResponseStatus {
  const doc = parseIsapiDocument(text, ['ResponseStatus'], { endpoint });
  const statusCode = intAt(doc.node, 'statusCode');
  if (statusCode === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: '<ResponseStatus> has no <statusCode>' });
  }
  const subStatusCode = textAt(doc.node, 'subStatusCode');
  const requestUrl = textAt(doc.node, 'requestURL');
  const id = textAt(doc.node, 'id');
  return {
    statusCode,
    statusString: textAt(doc.node, 'statusString') ?? '',
    ...(subStatusCode === undefined ? {} : { subStatusCode }),
    ...(requestUrl === undefined ? {} : { requestUrl }),
    ...(id === undefined ? {} : { id }),
  };
}

/** Like {@link parseResponseStatus}, but `undefined` for a body that is not a `<ResponseStatus>` at all. */
export function tryParseResponseStatus(text: string, endpoint = 'isapi'): IsapiResponseStatus | undefined {
  if (!text.includes('ResponseStatus')) return undefined;
  try {
    return parseResponseStatus(text, endpoint);
  } catch (err) {
    if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return undefined;
    throw err;
  }
}
