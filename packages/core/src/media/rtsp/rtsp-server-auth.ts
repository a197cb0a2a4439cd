import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  digestAlgorithm,
  digestChallenge,
  parseAuthorization,
  verifyBasicAuthorization,
  verifyDigestAuthorization,
} from './rtsp-auth.js';

/** Options of {@link RtspServerAuth}. */
export interface RtspServerAuthOptions {
  readonly realm: string;
  readonly modes: readonly ('digest' | 'basic')[];
  readonly algorithms: readonly ('MD5' | 'SHA-256')[];
  /** How long a nonce is accepted before the client must retry with `stale=true`; default 300 s. */
  readonly nonceTtlMs?: number;
  readonly now?: () => number;
}

/** Outcome of {@link RtspServerAuth.check}. */
export type RtspAuthOutcome = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly stale: boolean };

/**
 * Server-side Basic/Digest checking with stateless nonces: a nonce is its issue time plus an HMAC of it under a
 * per-server secret, so the server keeps no per-client state (nothing to bound) and can tell an expired nonce
 * (answered with `stale=true`) from a forged one.
 * @internal
 */
export class RtspServerAuth {
  readonly #secret = randomBytes(32);
  readonly #options: RtspServerAuthOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: RtspServerAuthOptions) {
    this.#options = options;
    this.#ttlMs = options.nonceTtlMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** `WWW-Authenticate` values for a 401, in the order of the configured modes and algorithms. */
  challenges(stale: boolean): string[] {
    const out: string[] = [];
    for (const mode of this.#options.modes) {
      if (mode === 'basic') {
        out.push(`Basic realm="${this.#options.realm.replaceAll('"', '')}"`);
        continue;
      }
      const nonce = this.#makeNonce();
      for (const algorithm of this.#options.algorithms) {
        out.push(digestChallenge({ realm: this.#options.realm, nonce, algorithm, stale }));
      }
    }
    return out;
  }

  /** Checks a request's Authorization against the mount's credentials. */
  check(
    authorization: string | undefined,
    method: string,
    requestUrl: string,
    credentials: { readonly username: string; readonly password: string },
  ): RtspAuthOutcome {
    if (authorization === undefined) return { ok: false, stale: false };
    const password = (username: string): string | undefined =>
      username === credentials.username ? credentials.password : undefined;
    const parsed = parseAuthorization(authorization);
    if (parsed === undefined) return { ok: false, stale: false };
    if (parsed.scheme === 'basic') {
      if (!this.#options.modes.includes('basic')) return { ok: false, stale: false };
      const username = verifyBasicAuthorization(authorization, password);
      return username === undefined ? { ok: false, stale: false } : { ok: true, username };
    }
    if (!this.#options.modes.includes('digest')) return { ok: false, stale: false };
    const params = parsed.params;
    const nonce = params['nonce'];
    const algorithm = digestAlgorithm(params['algorithm']);
    if (nonce === undefined || (algorithm !== 'MD5' && algorithm !== 'SHA-256')) return { ok: false, stale: false };
    if (!this.#options.algorithms.includes(algorithm)) return { ok: false, stale: false };
    if (!sameResource(params['uri'], requestUrl)) return { ok: false, stale: false };
    const issued = this.#nonceIssuedAt(nonce);
    if (issued === undefined) return { ok: false, stale: false };
    const username = verifyDigestAuthorization(authorization, {
      method,
      realm: this.#options.realm,
      nonce,
      password,
    });
    if (username === undefined) return { ok: false, stale: false };
    if (this.#now() - issued > this.#ttlMs) return { ok: false, stale: true };
    return { ok: true, username };
  }

  #sign(issued: string): string {
    return createHmac('sha256', this.#secret).update(issued).digest('hex').slice(0, 32);
  }

  #makeNonce(): string {
    const issued = this.#now().toString(16);
    return `${issued}${this.#sign(issued)}`;
  }

  /** Issue time of a nonce this server made, or undefined for a forged or foreign one. */
  #nonceIssuedAt(nonce: string): number | undefined {
    if (nonce.length <= 32 || nonce.length > 48) return undefined;
    const issued = nonce.slice(0, -32);
    const mac = Buffer.from(nonce.slice(-32));
    const expected = Buffer.from(this.#sign(issued));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    const ms = Number.parseInt(issued, 16);
    return Number.isFinite(ms) ? ms : undefined;
  }
}

/** Digest `uri` names the requested resource: the same URL, or the same path (clients differ). */
function sameResource(uri: string | undefined, requestUrl: string): boolean {
  if (uri === undefined) return false;
  if (uri === requestUrl) return true;
  try {
    const base = new URL(requestUrl);
    return new URL(uri, base).pathname === base.pathname;
  } catch {
    return false;
  }
}
