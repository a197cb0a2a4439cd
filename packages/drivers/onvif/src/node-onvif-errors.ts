import { ArgusError, errorMessage } from '@argus/core';

/** Where a node-onvif call went, for the typed error. */
export interface NodeOnvifCallContext {
  /** Device endpoint for messages (`http://host:port`). */
  readonly endpoint: string;
  /** Request path of the service. */
  readonly path: string;
  /** ONVIF operation (`GetProfiles`). */
  readonly operation: string;
  /** Time the call took before failing, ms. */
  readonly elapsedMs: number;
  /** node-onvif's socket idle timeout (`HTTP_TIMEOUT`, 3000 ms in 0.1.7). */
  readonly idleTimeoutMs: number;
}

/** A reply status node-onvif reports as `401 ...`: the device wants HTTP authentication, which node-onvif lacks. */
export const HTTP_UNAUTHORIZED = Symbol('http-unauthorized');

/** Fault reasons that mean "wrong credentials", as devices word them (NotAuthorized, FailedAuthentication...). */
const AUTH_REASON = /not ?authori[sz]ed|unauthori[sz]ed|authenticat|security token|password|credential|access denied|forbidden|sender not auth/i;

const UNREACHABLE = /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|EHOSTUNREACH|EHOSTDOWN|ENETUNREACH|ENETDOWN|ENOTFOUND|EAI_AGAIN|EPIPE)\b/;

/** Errors xml2js (sax) throws for text that is not XML. */
const XML_ERROR = /\nLine: \d+\s*\nColumn: \d+|Unclosed root tag|Unexpected close tag|Unmatched closing tag|Non-whitespace before first tag|Text data outside of root node|Invalid character in|Attribute without value|Unencoded <|Invalid attribute name/;

function requestFailed(ctx: NodeOnvifCallContext, status: number, reason: string, cause: unknown): ArgusError {
  return new ArgusError(
    'ARGUS_ERR_DRIVER_REQUEST_FAILED',
    { endpoint: ctx.endpoint, method: 'POST', path: ctx.path, status, operation: ctx.operation, reason },
    { cause },
  );
}

function protocol(ctx: NodeOnvifCallContext, reason: string, cause: unknown): ArgusError {
  return new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: ctx.endpoint, reason: `${ctx.operation}: ${reason}` }, { cause });
}

/**
 * Turns what node-onvif rejects with (plain `Error`s whose messages are all that is left of the failure) into the
 * typed errors the driver contract asks for, or {@link HTTP_UNAUTHORIZED} when the device answered `401` (node-onvif
 * speaks only WS-Security; the caller then retries through the kit's SoapClient, which does HTTP Digest).
 *
 * The mapping, by message shape (node-onvif 0.1.7, `lib/modules/soap.js`):
 * - `Network Error: <reason>`: connection refused/reset/unreachable -> `ARGUS_ERR_DRIVER_UNREACHABLE`; `socket hang
 *   up` after node-onvif's idle timeout -> `ARGUS_ERR_DRIVER_TIMEOUT`; an HTTP parse error (garbage on the socket) ->
 *   `ARGUS_ERR_DRIVER_PROTOCOL`;
 * - `<status> <text>[ - <fault reason>]` (a non-200 reply): 401 -> {@link HTTP_UNAUTHORIZED}; 403 or an
 *   authentication fault reason -> `ARGUS_ERR_DRIVER_AUTH`; others -> `ARGUS_ERR_DRIVER_REQUEST_FAILED`;
 * - xml2js parse errors, an empty body, or a 200 reply without the `<Operation>Response` element ->
 *   `ARGUS_ERR_DRIVER_PROTOCOL`;
 * - anything else (a SOAP fault in a 200 reply: node-onvif rejects with its reason text) -> `ARGUS_ERR_DRIVER_AUTH`
 *   when the reason reads like an authentication failure, else `ARGUS_ERR_DRIVER_REQUEST_FAILED`.
 *
 * @example
 * ```ts
 * const mapped = mapNodeOnvifError(err, { endpoint, path, operation: 'GetProfiles', elapsedMs, idleTimeoutMs: 3000 });
 * if (mapped === HTTP_UNAUTHORIZED) return callThroughKit();
 * throw mapped;
 * ```
 */
export function mapNodeOnvifError(err: unknown, ctx: NodeOnvifCallContext): Error | typeof HTTP_UNAUTHORIZED {
  const message = errorMessage(err);
  const network = /^Network Error: ?([\s\S]*)$/.exec(message);
  if (network !== null) {
    const reason = network[1] ?? '';
    if (/Parse Error|HPE_|Expected HTTP/i.test(reason)) return protocol(ctx, `not an HTTP reply (${reason})`, err);
    if (/socket hang up/i.test(reason) && ctx.elapsedMs >= ctx.idleTimeoutMs * 0.9) {
      return new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: ctx.endpoint, reason: 'no answer', timeoutMs: ctx.idleTimeoutMs }, { cause: err });
    }
    if (/ETIMEDOUT/.test(reason)) return new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: ctx.endpoint, reason: 'ETIMEDOUT' }, { cause: err });
    const code = UNREACHABLE.exec(reason)?.[1] ?? (/socket hang up/i.test(reason) ? 'ECONNRESET' : reason || 'network error');
    return new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: ctx.endpoint, reason: code }, { cause: err });
  }
  const status = /^(\d{3}) ([^\n]*?)(?: - ([\s\S]*))?$/.exec(message);
  if (status !== null) {
    const code = Number(status[1]);
    const reason = status[3] ?? status[2] ?? '';
    if (code === 401) return HTTP_UNAUTHORIZED;
    if (code === 403 || AUTH_REASON.test(reason)) return new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: ctx.endpoint, reason }, { cause: err });
    return requestFailed(ctx, code, reason, err);
  }
  if (/^The device seems to not support the /.test(message)) return protocol(ctx, `the reply is not a ${ctx.operation}Response`, err);
  if (XML_ERROR.test(message)) return protocol(ctx, `malformed XML: ${message.split('\n')[0] ?? message}`, err);
  if (/Cannot read propert|of null|of undefined/.test(message)) return protocol(ctx, 'empty or non-SOAP reply', err);
  if (AUTH_REASON.test(message)) return new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: ctx.endpoint, reason: message }, { cause: err });
  return requestFailed(ctx, 200, message === '[object Object]' ? 'SOAP fault' : message, err);
}
