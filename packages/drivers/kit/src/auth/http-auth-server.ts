import { createHmac, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@argus/core';
import {
  computeDigestResponse,
  constantTimeEqual,
  digestAlgorithm,
  parseAuthorizationHeader,
  type DigestAlgorithm,
} from './http-digest.js';

/** Options of {@link HttpAuthServer}. */
export interface HttpAuthServerOptions {
  /** Realm sent in challenges and part of the Digest hash. */
  readonly realm: string;
  /** The one accepted user name. */
  readonly username: string;
  /** Its password (changeable with {@link HttpAuthServer.setPassword}). */
  readonly password: string;
  /** Schemes offered, in order; default `['digest']`. Basic is accepted only when listed. */
  readonly schemes?: readonly ('digest' | 'basic')[];
  /** Digest algorithms offered, one challenge each, in order; default `['SHA-256', 'MD5']`. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Source of time for nonce expiry; default the system clock. */
  readonly clock?: Clock;
  /** How long a nonce is accepted before the client is told `stale=true`; default 300 s. */
  readonly nonceTtlMs?: number;
}

/** Result of {@link HttpAuthServer.check}. */
export type HttpAuthCheck =
  | {
      /** The request is authenticated. */
      readonly ok: true;
      /** The authenticated user. */
      readonly username: string;
      /** The scheme it used. */
      readonly scheme: 'digest' | 'basic';
    }
  | {
      /** The request must be answered with a 401. */
      readonly ok: false;
      /** `WWW-Authenticate` values to send with the 401, one per scheme/algorithm. */
      readonly challenges: string[];
      /** True when the credentials were right but the nonce had expired (the challenges carry `stale=true`). */
      readonly stale: boolean;
    };

/** How many nonce counts are remembered per nonce for replay detection. */
const MAX_COUNTS_PER_NONCE = 4096;

/**
 * Server side of HTTP Basic and Digest authentication (RFC 7616 / RFC 7617) for device emulators and tests:
 * issues nonces that expire (stateless: issue time plus an HMAC under a per-instance secret), verifies Digest
 * MD5 / SHA-256 (and `-sess`) responses with qop=auth, rejects replayed nonce counts, answers expired but
 * otherwise correct requests with `stale=true`, and compares secrets in constant time.
 *
 * @example
 * ```ts
 * const auth = new HttpAuthServer({ realm: 'IP Camera', username: 'admin', password: 'secret' });
 * createServer((req, res) => {
 *   const result = auth.check(req.method ?? 'GET', req.url ?? '/', req.headers.authorization);
 *   if (!result.ok) {
 *     res.writeHead(401, { 'WWW-Authenticate': result.challenges }).end();
 *     return;
 *   }
 *   res.end('ok');
 * });
 * ```
 */
export class HttpAuthServer {
  readonly #secret = randomBytes(32);
  readonly #opaque = randomBytes(8).toString('hex');
  readonly #realm: string;
  readonly #username: string;
  #password: string;
  readonly #schemes: readonly ('digest' | 'basic')[];
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #clock: Clock;
  readonly #ttlMs: number;
  /** Nonce counts seen per nonce (pruned when the nonce expires). */
  readonly #counts = new Map<string, { issued: number; seen: Set<string> }>();

  constructor(options: HttpAuthServerOptions) {
    if (options.realm.includes('"')) throw new TypeError('realm must not contain a double quote');
    this.#realm = options.realm;
    this.#username = options.username;
    this.#password = options.password;
    this.#schemes = options.schemes ?? ['digest'];
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    if (this.#schemes.length === 0) throw new RangeError('at least one scheme is required');
    if (this.#schemes.includes('digest') && this.#algorithms.length === 0) {
      throw new RangeError('digest needs at least one algorithm');
    }
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.nonceTtlMs ?? 300_000;
  }

  /** The realm of the challenges. */
  get realm(): string {
    return this.#realm;
  }

  /** Changes the accepted password (a device whose password was changed). */
  setPassword(password: string): void {
    this.#password = password;
  }

  /** `WWW-Authenticate` values for a 401: one per algorithm for Digest (sharing one nonce), then Basic. */
  challenges(stale = false): string[] {
    const out: string[] = [];
    for (const scheme of this.#schemes) {
      if (scheme === 'basic') {
        out.push(`Basic realm="${this.#realm}", charset="UTF-8"`);
        continue;
      }
      const nonce = this.#makeNonce();
      for (const algorithm of this.#algorithms) {
        out.push(
          `Digest realm="${this.#realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${this.#opaque}"` +
            (stale ? ', stale=true' : ''),
        );
      }
    }
    return out;
  }

  /**
   * Checks a request's Authorization header.
   *
   * @param method - the request method.
   * @param uri - the request target as on the request line (`req.url`).
   * @param authorization - the `Authorization` header, if any.
   */
  check(method: string, uri: string, authorization: string | undefined): HttpAuthCheck {
    const parsed = parseAuthorizationHeader(authorization);
    const reject = (stale = false): HttpAuthCheck => ({ ok: false, challenges: this.challenges(stale), stale });
    if (parsed === undefined) return reject();
    if (parsed.scheme === 'basic') {
      if (!this.#schemes.includes('basic')) return reject();
      const decoded = Buffer.from(parsed.params['token'] ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return reject();
      const userOk = constantTimeEqual(decoded.slice(0, colon), this.#username);
      const passOk = constantTimeEqual(decoded.slice(colon + 1), this.#password);
      return userOk && passOk ? { ok: true, username: this.#username, scheme: 'basic' } : reject();
    }
    if (parsed.scheme !== 'digest' || !this.#schemes.includes('digest')) return reject();
    const p = parsed.params;
    const algorithm = digestAlgorithm(p['algorithm']);
    const { username, nonce, response, nc, cnonce } = p;
    if (algorithm === undefined || !this.#algorithms.includes(algorithm)) return reject();
    if (username === undefined || nonce === undefined || response === undefined) return reject();
    if (p['realm'] !== this.#realm || p['opaque'] !== this.#opaque) return reject();
    if (p['qop']?.toLowerCase() !== 'auth' || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || cnonce === undefined) {
      return reject();
    }
    if (!sameResource(p['uri'], uri)) return reject();
    const issued = this.#nonceIssuedAt(nonce);
    if (issued === undefined) return reject();
    const expected = computeDigestResponse({
      username: this.#username,
      password: this.#password,
      realm: this.#realm,
      nonce,
      method: method.toUpperCase(),
      uri: p['uri'] ?? uri,
      algorithm,
      qop: 'auth',
      nc,
      cnonce,
    });
    const userOk = constantTimeEqual(username, this.#username);
    const responseOk = constantTimeEqual(response.toLowerCase(), expected);
    if (!userOk || !responseOk) return reject();
    const now = this.#clock.now();
    if (now - issued > this.#ttlMs) return reject(true);
    if (!this.#countOnce(nonce, issued, nc.toLowerCase(), now)) return reject();
    return { ok: true, username: this.#username, scheme: 'digest' };
  }

  /** Records a nonce count; false when it was already used with this nonce (a replay). */
  #countOnce(nonce: string, issued: number, nc: string, now: number): boolean {
    for (const [key, entry] of this.#counts) {
      if (now - entry.issued > this.#ttlMs) this.#counts.delete(key);
    }
    let entry = this.#counts.get(nonce);
    if (entry === undefined) {
      entry = { issued, seen: new Set() };
      this.#counts.set(nonce, entry);
    }
    if (entry.seen.has(nc)) return false;
    if (entry.seen.size >= MAX_COUNTS_PER_NONCE) return false; // Forces a fresh nonce; bounds memory.
    entry.seen.add(nc);
    return true;
  }

  #sign(issued: string): string {
    return createHmac('sha256', this.#secret).update(issued).digest('base64url').slice(0, 32);
  }

  #makeNonce(): string {
    // The random part keeps two challenges of the same millisecond apart: clients sharing a nonce would both send
    // nc=00000001 and the second would be refused as a replay.
    const issued = `${this.#clock.now().toString(16)}-${randomBytes(6).toString('hex')}`;
    return `${issued}${this.#sign(issued)}`;
  }

  /** Issue time of a nonce this instance made, or undefined for a forged or foreign one. */
  #nonceIssuedAt(nonce: string): number | undefined {
    if (nonce.length <= 32 || nonce.length > 64) return undefined;
    const issued = nonce.slice(0, -32);
    const parts = /^([0-9a-f]{1,16})-[0-9a-f]{12}$/.exec(issued);
    if (parts === null) return undefined;
    if (!constantTimeEqual(nonce.slice(-32), this.#sign(issued))) return undefined;
    const ms = Number.parseInt(parts[1]!, 16);
    return Number.isFinite(ms) ? ms : undefined;
  }
}

/** A Digest `uri` names the requested resource: the same target, or an absolute URL with the same path and query. */
function sameResource(uri: string | undefined, requestUri: string): boolean {
  if (uri === undefined) return false;
  if (uri === requestUri) return true;
  try {
    const a = new URL(uri, 'http://x');
    const b = new URL(requestUri, 'http://x');
    return a.pathname === b.pathname && a.search === b.search;
  } catch {
    return false;
  }
}
