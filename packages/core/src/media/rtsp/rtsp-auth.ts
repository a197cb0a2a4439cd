import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One challenge of a `WWW-Authenticate` header; parameter names lower-cased. */
export interface AuthChallenge {
  /** Lower-cased scheme: `basic`, `digest`, or another the server offered. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Digest algorithms this module computes (RFC 7616 section 3.3), for RTSP here and for HTTP in the driver kit. */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** User name and password for Basic or Digest. */
export interface RtspCredentials {
  readonly username: string;
  readonly password: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses `WWW-Authenticate` values (RTSP or HTTP) into challenges. One value may carry several challenges
 * (`Digest realm="a", nonce="b", Basic realm="a"`), several values may have been joined with `, ` or line breaks,
 * and quoted strings may contain commas and escaped quotes. A token68 scheme (`Bearer abc==`) comes out with no
 * parameters; a parameter before any scheme is skipped. The driver kit's HTTP Digest client reads challenges with
 * it too.
 *
 * @example
 * ```ts
 * parseWwwAuthenticate(response.headers.getAll('WWW-Authenticate'));
 * // [{ scheme: 'digest', params: { realm: 'AXIS_ACCC8E012345', nonce: '...', stale: 'FALSE' } }]
 * parseWwwAuthenticate(undefined); // []
 * ```
 */
export function parseWwwAuthenticate(values: string | readonly string[] | undefined): AuthChallenge[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  const out: AuthChallenge[] = [];
  for (const value of list) {
    let i = 0;
    let current: { scheme: string; params: Record<string, string> } | undefined;
    const n = value.length;
    const skip = (): void => {
      while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ',' || value[i] === '\r' || value[i] === '\n')) i++;
    };
    while (i < n) {
      skip();
      const tokenStart = i;
      while (i < n && TOKEN_CHAR.test(value[i] ?? '')) i++;
      const token = value.slice(tokenStart, i);
      if (token === '') {
        i++; // An unexpected character: skip it rather than loop.
        continue;
      }
      let j = i;
      while (j < n && (value[j] === ' ' || value[j] === '\t')) j++;
      const token68 = value[j] === '=' && (value[j + 1] === '=' || j + 1 >= n);
      if (value[j] === '=' && current !== undefined && !token68) {
        i = j + 1;
        while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
        let paramValue = '';
        if (value[i] === '"') {
          i++;
          while (i < n && value[i] !== '"') {
            if (value[i] === '\\' && i + 1 < n) i++;
            paramValue += value[i];
            i++;
          }
          i++;
        } else {
          const start = i;
          while (i < n && value[i] !== ',' && value[i] !== ' ' && value[i] !== '\t') i++;
          paramValue = value.slice(start, i);
        }
        current.params[token.toLowerCase()] = paramValue;
      } else if (value[j] === '=') {
        // token68 (`Bearer abc==`) or a parameter before any scheme: skip the rest of it.
        i = j + 1;
        while (i < n && value[i] === '=') i++;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}

function hashName(algorithm: DigestAlgorithm): 'md5' | 'sha256' {
  return algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
}

function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(hashName(algorithm)).update(text, 'utf8').digest('hex');
}

/**
 * Normalises a challenge's `algorithm` (absent means MD5; case and surrounding spaces ignored); undefined for an
 * algorithm this module cannot compute.
 *
 * @example
 * ```ts
 * digestAlgorithm('sha-256-SESS'); // 'SHA-256-sess'
 * digestAlgorithm('SHA-512-256'); // undefined
 * ```
 */
export function digestAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  switch ((value ?? 'MD5').trim().toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'MD5-SESS':
      return 'MD5-sess';
    case 'SHA-256':
      return 'SHA-256';
    case 'SHA-256-SESS':
      return 'SHA-256-sess';
    default:
      return undefined;
  }
}

/** Inputs of {@link computeDigestResponse}. */
export interface DigestInput {
  /** User name as sent in `username`. */
  readonly username: string;
  /** The password (never leaves this function except hashed). */
  readonly password: string;
  /** Realm of the challenge. */
  readonly realm: string;
  /** Server nonce of the challenge. */
  readonly nonce: string;
  /** Request method, upper case. */
  readonly method: string;
  /** The request target exactly as on the request line (an RTSP URL, or an HTTP path and query). */
  readonly uri: string;
  /** Hash algorithm; default MD5. */
  readonly algorithm?: DigestAlgorithm;
  /** `auth`, or none for the RFC 2069 form still common on cameras. */
  readonly qop?: 'auth';
  /** Nonce count as eight hex digits (`00000001`); required with qop. */
  readonly nc?: string;
  /** Client nonce; required with qop and for the `-sess` algorithms. */
  readonly cnonce?: string;
}

/**
 * The Digest `response` value, for RTSP and HTTP alike (RFC 7616 section 3.4.1, RFC 2617 section 3.2.2; the RFC
 * 2069 form without qop): MD5 or SHA-256, the `-sess` variants hashing HA1 again with the nonce and cnonce.
 *
 * @example
 * ```ts
 * // RFC 2617 section 3.5
 * computeDigestResponse({ username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com',
 *   nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth',
 *   nc: '00000001', cnonce: '0a4f113b' }); // '6629fae49393a05397450978507c4ef1'
 * ```
 */
export function computeDigestResponse(input: DigestInput): string {
  const algorithm = input.algorithm ?? 'MD5';
  let ha1 = digestHash(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = digestHash(algorithm, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = digestHash(algorithm, `${input.method}:${input.uri}`);
  return input.qop === 'auth'
    ? digestHash(algorithm, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`)
    : digestHash(algorithm, `${ha1}:${input.nonce}:${ha2}`);
}

function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Builds a `Basic` Authorization value. */
export function basicAuthorization(credentials: RtspCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

/** Builds a `Digest` Authorization value from a challenge, with the response computed. */
export function digestAuthorization(input: DigestInput & { readonly opaque?: string }): string {
  const algorithm = input.algorithm ?? 'MD5';
  const parts = [
    `username=${quote(input.username)}`,
    `realm=${quote(input.realm)}`,
    `nonce=${quote(input.nonce)}`,
    `uri=${quote(input.uri)}`,
    `response=${quote(computeDigestResponse(input))}`,
    `algorithm=${algorithm}`,
  ];
  if (input.opaque !== undefined) parts.push(`opaque=${quote(input.opaque)}`);
  if (input.qop === 'auth') parts.push('qop=auth', `nc=${input.nc ?? ''}`, `cnonce=${quote(input.cnonce ?? '')}`);
  return `Digest ${parts.join(', ')}`;
}

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
  nc: number;
}

/** Options of {@link RtspAuthenticator}. */
export interface RtspAuthenticatorOptions {
  /** Makes client nonces; default 16 random bytes in hex. Tests pin it. */
  readonly cnonce?: () => string;
}

/**
 * Client side of RTSP authentication: remembers the server's challenge and signs each request (Digest with an
 * incrementing `nc`, or Basic). Prefers Digest SHA-256, then MD5, then Basic.
 *
 * @example
 * ```ts
 * const auth = new RtspAuthenticator({ username: 'admin', password: 'secret' });
 * if (response.status === 401 && auth.accept(response.headers.getAll('WWW-Authenticate'))) retry();
 * headers.set('Authorization', auth.authorization('DESCRIBE', url)!);
 * ```
 */
export class RtspAuthenticator {
  readonly #credentials: RtspCredentials;
  readonly #cnonce: () => string;
  #digest: ActiveDigest | undefined;
  #basic = false;

  constructor(credentials: RtspCredentials, options: RtspAuthenticatorOptions = {}) {
    this.#credentials = credentials;
    this.#cnonce = options.cnonce ?? (() => randomBytes(16).toString('hex'));
  }

  /** True once a challenge has been accepted. */
  get ready(): boolean {
    return this.#digest !== undefined || this.#basic;
  }

  /**
   * Takes the challenges of a 401. Returns true when retrying may succeed: a first challenge, a new nonce
   * (stale or rotated), or a different scheme. Returns false when the server repeats the challenge we already
   * answered (the credentials are wrong) or offers nothing we support.
   */
  accept(wwwAuthenticate: string | readonly string[]): boolean {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    let best: ActiveDigest | undefined;
    for (const challenge of challenges) {
      if (challenge.scheme !== 'digest') continue;
      const { realm, nonce, opaque } = challenge.params;
      const algorithm = digestAlgorithm(challenge.params['algorithm']);
      if (realm === undefined || nonce === undefined || algorithm === undefined) continue;
      const qopList = challenge.params['qop'];
      if (qopList !== undefined && !qopList.split(',').some((q) => q.trim().toLowerCase() === 'auth')) continue;
      const candidate: ActiveDigest = {
        realm,
        nonce,
        algorithm,
        nc: 0,
        ...(opaque !== undefined ? { opaque } : {}),
        ...(qopList !== undefined ? { qop: 'auth' as const } : {}),
      };
      if (best === undefined || ALGORITHM_RANK[candidate.algorithm] > ALGORITHM_RANK[best.algorithm]) best = candidate;
    }
    if (best !== undefined) {
      const previous = this.#digest;
      const stale = challenges.some((c) => c.scheme === 'digest' && c.params['stale']?.toLowerCase() === 'true');
      this.#digest = best;
      this.#basic = false;
      return previous === undefined || previous.nonce !== best.nonce || stale;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const repeated = this.#basic;
      this.#basic = true;
      this.#digest = undefined;
      return !repeated;
    }
    return false;
  }

  /** The Authorization value for a request, or undefined before any challenge. */
  authorization(method: string, uri: string): string | undefined {
    const digest = this.#digest;
    if (digest !== undefined) {
      digest.nc++;
      const qopFields =
        digest.qop === 'auth'
          ? { qop: 'auth' as const, nc: digest.nc.toString(16).padStart(8, '0'), cnonce: this.#cnonce() }
          : {};
      return digestAuthorization({
        ...this.#credentials,
        realm: digest.realm,
        nonce: digest.nonce,
        method,
        uri,
        algorithm: digest.algorithm,
        ...(digest.opaque !== undefined ? { opaque: digest.opaque } : {}),
        ...qopFields,
      });
    }
    return this.#basic ? basicAuthorization(this.#credentials) : undefined;
  }
}

// ---- server side -------------------------------------------------------------------------------------------

/** Builds a `WWW-Authenticate: Digest ...` value for a server. */
export function digestChallenge(options: {
  realm: string;
  nonce: string;
  algorithm?: DigestAlgorithm;
  qop?: 'auth';
  opaque?: string;
  stale?: boolean;
}): string {
  const parts = [`realm=${quote(options.realm)}`, `nonce=${quote(options.nonce)}`];
  if (options.algorithm !== undefined) parts.push(`algorithm=${options.algorithm}`);
  if (options.qop !== undefined) parts.push(`qop="${options.qop}"`);
  if (options.opaque !== undefined) parts.push(`opaque=${quote(options.opaque)}`);
  if (options.stale === true) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

/** A fresh random server nonce. */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Parses an `Authorization` value: `{ scheme, params }` for Digest, `{ scheme: 'basic', username, password }`. */
export function parseAuthorization(
  value: string,
): { scheme: 'digest'; params: Record<string, string> } | { scheme: 'basic'; username: string; password: string } | undefined {
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  if (scheme === 'basic') {
    const decoded = Buffer.from(value.slice(space + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { scheme, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'digest') {
    // The challenge grammar covers the credentials grammar too: a scheme followed by auth-params.
    const [parsed] = parseWwwAuthenticate(value);
    return parsed === undefined ? undefined : { scheme, params: { ...parsed.params } };
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Server side: checks a Digest `Authorization` against the nonce the server issued and the user's password.
 * Returns the user name on success, undefined otherwise.
 */
export function verifyDigestAuthorization(
  value: string | undefined,
  expected: {
    method: string;
    realm: string;
    nonce: string;
    password: (username: string) => string | undefined;
  },
): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseAuthorization(value);
  if (parsed?.scheme !== 'digest') return undefined;
  const p = parsed.params;
  const username = p['username'];
  const algorithm = digestAlgorithm(p['algorithm']);
  if (username === undefined || algorithm === undefined || p['response'] === undefined || p['uri'] === undefined) {
    return undefined;
  }
  if (p['realm'] !== expected.realm || p['nonce'] !== expected.nonce) return undefined;
  const password = expected.password(username);
  if (password === undefined) return undefined;
  const qop = p['qop'] === 'auth' ? ('auth' as const) : undefined;
  const response = computeDigestResponse({
    username,
    password,
    realm: expected.realm,
    nonce: expected.nonce,
    method: expected.method,
    uri: p['uri'],
    algorithm,
    ...(qop !== undefined ? { qop, nc: p['nc'] ?? '', cnonce: p['cnonce'] ?? '' } : {}),
  });
  return safeEqual(response, p['response'].toLowerCase()) ? username : undefined;
}

/** Server side: checks a Basic `Authorization`; returns the user name on success. */
export function verifyBasicAuthorization(
  value: string | undefined,
  password: (username: string) => string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseAuthorization(value);
  if (parsed?.scheme !== 'basic') return undefined;
  const expected = password(parsed.username);
  return expected !== undefined && safeEqual(expected, parsed.password) ? parsed.username : undefined;
}
