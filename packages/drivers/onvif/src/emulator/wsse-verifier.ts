import { constantTimeEqual, wssePasswordDigest, type XmlValue } from '@argus/driver-kit';
import { attr, first, isXmlObject, text } from '../xml-values.js';

/** Options of a {@link WsseVerifier}. */
export interface WsseVerifierOptions {
  /** The accepted user name. */
  readonly username: string;
  /** Its password (changeable with {@link WsseVerifier.setPassword}). */
  readonly password: string;
  /** The device's clock, ms since epoch (`Created` is compared with it). */
  readonly now: () => number;
  /** How far `Created` may be from the device's clock, either way; default 60 s. */
  readonly windowMs?: number;
}

/** What {@link WsseVerifier.verify} found. */
export type WsseVerdict =
  | {
      /** The token is valid. */
      readonly ok: true;
      /** Who it authenticates. */
      readonly username: string;
    }
  | {
      /** The token is missing or invalid. */
      readonly ok: false;
      /** A UsernameToken was there (a wrong one rather than none). */
      readonly present: boolean;
      /** What is wrong, for logs. */
      readonly reason: string;
    };

const PASSWORD_DIGEST = 'PasswordDigest';
const PASSWORD_TEXT = 'PasswordText';

/**
 * The device side of WS-Security UsernameToken (OASIS Username Token Profile 1.0, as ONVIF uses it): checks
 * `PasswordDigest = Base64(SHA-1(nonce + created + password))` (or a `PasswordText`), rejects a `Created` outside
 * the window around the device's clock, and rejects a nonce already used within the window (replays).
 *
 * @example
 * ```ts
 * const verifier = new WsseVerifier({ username: 'admin', password: 'secret', now: () => Date.now() });
 * const verdict = verifier.verify(xmlPath(envelope, 'Envelope', 'Header', 'Security'));
 * if (!verdict.ok) return notAuthorizedFault();
 * ```
 */
export class WsseVerifier {
  readonly #username: string;
  #password: string;
  readonly #now: () => number;
  readonly #windowMs: number;
  /** Nonces seen, with the `Created` time they came with. */
  readonly #nonces = new Map<string, number>();

  constructor(options: WsseVerifierOptions) {
    this.#username = options.username;
    this.#password = options.password;
    this.#now = options.now;
    this.#windowMs = options.windowMs ?? 60_000;
    if (!(this.#windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /** Changes the accepted password. */
  setPassword(password: string): void {
    this.#password = password;
  }

  /** Checks the `wsse:Security` header element (parsed, prefixes removed); `present: false` when there is none. */
  verify(security: XmlValue | undefined): WsseVerdict {
    const token = isXmlObject(first(security)) ? first((first(security) as { UsernameToken?: XmlValue }).UsernameToken) : undefined;
    if (!isXmlObject(token)) return { ok: false, present: false, reason: 'no UsernameToken' };
    const username = text(token, 'Username');
    const password = text(token, 'Password');
    const type = attr(token['Password'], 'Type') ?? PASSWORD_TEXT;
    if (username === undefined || password === undefined) return { ok: false, present: true, reason: 'incomplete UsernameToken' };
    if (username !== this.#username) return { ok: false, present: true, reason: 'unknown user' };
    if (type.endsWith(PASSWORD_TEXT)) {
      return constantTimeEqual(password, this.#password) ? { ok: true, username } : { ok: false, present: true, reason: 'wrong password' };
    }
    if (!type.endsWith(PASSWORD_DIGEST)) return { ok: false, present: true, reason: 'unsupported password type' };
    const nonce = text(token, 'Nonce');
    const created = text(token, 'Created');
    if (nonce === undefined || created === undefined) return { ok: false, present: true, reason: 'digest without Nonce or Created' };
    const createdMs = Date.parse(created);
    const now = this.#now();
    if (!Number.isFinite(createdMs) || Math.abs(now - createdMs) > this.#windowMs) {
      return { ok: false, present: true, reason: 'Created outside the time window' };
    }
    const expected = wssePasswordDigest(Buffer.from(nonce, 'base64'), created, this.#password);
    if (!constantTimeEqual(password, expected)) return { ok: false, present: true, reason: 'wrong password' };
    this.#prune(now);
    if (this.#nonces.has(nonce)) return { ok: false, present: true, reason: 'nonce replayed' };
    this.#nonces.set(nonce, createdMs);
    return { ok: true, username };
  }

  #prune(now: number): void {
    for (const [nonce, createdMs] of this.#nonces) {
      if (Math.abs(now - createdMs) > this.#windowMs) this.#nonces.delete(nonce);
    }
  }
}
