import { createHash, randomBytes } from 'node:crypto';
import { xmlEscape } from '../xml/parse-xml.js';

/** Options of {@link wsseUsernameToken}. */
export interface WsseUsernameTokenOptions {
  /** Creation time (use {@link ClockOffset.now} for the device's clock); default now. Written without milliseconds. */
  readonly created?: Date;
  /** The raw nonce bytes; default 16 random bytes. */
  readonly nonce?: Uint8Array;
}

const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** `2010-09-16T07:50:45Z`: xsd:dateTime in UTC without fractional seconds, as in the ONVIF examples. */
export function wsseCreated(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('created must be a valid Date');
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `Base64(SHA-1(nonce + created + password))`, the WS-Security UsernameToken PasswordDigest. */
export function wssePasswordDigest(nonce: Uint8Array, created: string, password: string): string {
  return createHash('sha1')
    .update(nonce)
    .update(created, 'utf8')
    .update(password, 'utf8')
    .digest('base64');
}

/**
 * The `<wsse:Security>` SOAP header of a WS-Security UsernameToken with a PasswordDigest
 * (`Base64(SHA-1(nonce + created + password))`), a Base64 `Nonce` and a `Created` time, as ONVIF devices expect.
 * The password never appears in the output.
 *
 * @example
 * ```ts
 * const header = wsseUsernameToken('admin', 'secret', { created: clock.now() });
 * const envelope = soapEnvelope('<tds:GetDeviceInformation/>', { header });
 * ```
 */
export function wsseUsernameToken(username: string, password: string, options: WsseUsernameTokenOptions = {}): string {
  const nonce = options.nonce ?? randomBytes(16);
  const created = wsseCreated(options.created ?? new Date());
  const digest = wssePasswordDigest(nonce, created, password);
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    `<wsse:UsernameToken><wsse:Username>${xmlEscape(username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${Buffer.from(nonce).toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}
