import { randomBytes } from 'node:crypto';
import {
  basicAuthorization,
  digestAlgorithm,
  digestAuthorization,
  parseAuthChallenges,
  type DigestAlgorithm,
} from './http-digest.js';

const ALGORITHM_RANK: Readonly<Record<DigestAlgorithm, number>> = {
  'SHA-256': 4,
  'SHA-256-sess': 3,
  MD5: 2,
  'MD5-sess': 1,
};

interface ActiveDigest {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop?: 'auth';
  /** Client nonce, fixed per server nonce (required by the `-sess` algorithms, harmless for the others). */
  readonly cnonce: string;
  nc: number;
}

/** What {@link HttpAuthenticator.accept} decided about a 401. */
export type AcceptOutcome =
  /** A usable challenge that differs from what was answered (first, stale, or a new nonce): retry. */
  | 'retry'
  /** The server repeated the challenge already answered: the credentials are wrong. */
  | 'rejected'
  /** Nothing offered that the kit can answer (no Digest with qop=auth or none, no Basic). */
  | 'unsupported';

/** Options of {@link HttpAuthenticator}. */
export interface HttpAuthenticatorOptions {
  /** Makes client nonces; default 16 random bytes in hex. Tests pin it. */
  readonly cnonce?: () => string;
}

/**
 * Client side of HTTP authentication: remembers the server's last Digest challenge and signs each later request
 * with it (nonce reuse with an incrementing `nc`), or Basic when that is all the server offered. Prefers Digest
 * SHA-256, then SHA-256-sess, MD5, MD5-sess; never sends Basic unless a challenge offered it.
 *
 * @example
 * ```ts
 * const auth = new HttpAuthenticator('admin', 'secret');
 * if (res.status === 401 && auth.accept(res.headers['www-authenticate']) === 'retry') {
 *   headers.authorization = auth.authorization('GET', '/ISAPI/System/deviceInfo');
 * }
 * ```
 */
export class HttpAuthenticator {
  readonly #username: string;
  readonly #password: string;
  readonly #cnonce: () => string;
  #digest: ActiveDigest | undefined;
  #basic = false;

  constructor(username: string, password: string, options: HttpAuthenticatorOptions = {}) {
    this.#username = username;
    this.#password = password;
    this.#cnonce = options.cnonce ?? (() => randomBytes(16).toString('hex'));
  }

  /** True once a challenge has been accepted (later requests are signed up front). */
  get ready(): boolean {
    return this.#digest !== undefined || this.#basic;
  }

  /** The scheme in use: `digest`, `basic`, or undefined before any challenge. */
  get scheme(): 'digest' | 'basic' | undefined {
    if (this.#digest !== undefined) return 'digest';
    return this.#basic ? 'basic' : undefined;
  }

  /** The Digest algorithm in use, if any. */
  get algorithm(): DigestAlgorithm | undefined {
    return this.#digest?.algorithm;
  }

  /** Forgets the accepted challenge (the next request goes unsigned and collects a fresh one). */
  reset(): void {
    this.#digest = undefined;
    this.#basic = false;
  }

  /**
   * Takes the `WWW-Authenticate` values of a 401 and says whether retrying may succeed.
   *
   * @param wwwAuthenticate - the header value(s); several may be joined with `, `.
   * @param answered - whether the request that got this 401 carried an Authorization header.
   */
  accept(wwwAuthenticate: string | readonly string[] | undefined, answered: boolean): AcceptOutcome {
    const challenges = parseAuthChallenges(wwwAuthenticate);
    let best: ActiveDigest | undefined;
    let stale = false;
    for (const challenge of challenges) {
      if (challenge.scheme !== 'digest') continue;
      const { realm, nonce, opaque } = challenge.params;
      const algorithm = digestAlgorithm(challenge.params['algorithm']);
      if (realm === undefined || nonce === undefined || algorithm === undefined) continue;
      const qopList = challenge.params['qop'];
      if (qopList !== undefined && !qopList.split(',').some((q) => q.trim().toLowerCase() === 'auth')) continue;
      if (challenge.params['stale']?.toLowerCase() === 'true') stale = true;
      const candidate: ActiveDigest = {
        realm,
        nonce,
        algorithm,
        cnonce: this.#cnonce(),
        nc: 0,
        ...(opaque !== undefined ? { opaque } : {}),
        ...(qopList !== undefined ? { qop: 'auth' as const } : {}),
      };
      if (best === undefined || ALGORITHM_RANK[candidate.algorithm] > ALGORITHM_RANK[best.algorithm]) best = candidate;
    }
    if (best !== undefined) {
      const previous = this.#digest;
      this.#digest = best;
      this.#basic = false;
      if (!answered || previous === undefined || stale || previous.nonce !== best.nonce) return 'retry';
      return 'rejected';
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const wasBasic = this.#basic;
      this.#basic = true;
      this.#digest = undefined;
      return answered && wasBasic ? 'rejected' : 'retry';
    }
    return 'unsupported';
  }

  /**
   * The Authorization value for a request (incrementing `nc` under the current nonce), or undefined before
   * any challenge.
   *
   * @param method - request method.
   * @param uri - the request target exactly as on the request line.
   */
  authorization(method: string, uri: string): string | undefined {
    const digest = this.#digest;
    if (digest !== undefined) {
      digest.nc++;
      return digestAuthorization({
        username: this.#username,
        password: this.#password,
        realm: digest.realm,
        nonce: digest.nonce,
        method: method.toUpperCase(),
        uri,
        algorithm: digest.algorithm,
        ...(digest.opaque !== undefined ? { opaque: digest.opaque } : {}),
        ...(digest.qop === 'auth' || digest.algorithm.endsWith('-sess') ? { cnonce: digest.cnonce } : {}),
        ...(digest.qop === 'auth' ? { qop: 'auth' as const, nc: digest.nc.toString(16).padStart(8, '0') } : {}),
      });
    }
    if (this.#basic) return basicAuthorization(this.#username, this.#password);
    return undefined;
  }
}
