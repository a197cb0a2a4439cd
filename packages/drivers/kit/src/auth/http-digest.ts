import { createHash, timingSafeEqual } from 'node:crypto';
import { computeDigestResponse, type DigestInput } from '@argus/core/media';

// The Digest computation is core's, shared with its RTSP client; the kit re-exports it for drivers.
export { computeDigestResponse, digestAlgorithm } from '@argus/core/media';
export type { DigestAlgorithm, DigestInput } from '@argus/core/media';

/** One challenge of a `WWW-Authenticate` header (or the parameters of an `Authorization` header). */
export interface HttpAuthChallenge {
  /** Lower-cased scheme: `digest`, `basic`, or another the server offered. */
  readonly scheme: string;
  /** Parameters with lower-cased names and unquoted values. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses `WWW-Authenticate` values into challenges. One value may carry several challenges
 * (`Digest realm="a", nonce="b", Basic realm="a"`), and several values may have been joined with `, `;
 * quoted strings may contain commas and escaped quotes.
 *
 * @example
 * ```ts
 * parseAuthChallenges('Digest realm="AXIS_ACCC8E012345", nonce="0000eb57", stale=FALSE');
 * // [{ scheme: 'digest', params: { realm: 'AXIS_ACCC8E012345', nonce: '0000eb57', stale: 'FALSE' } }]
 * ```
 */
export function parseAuthChallenges(values: string | readonly string[] | undefined): HttpAuthChallenge[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  const out: HttpAuthChallenge[] = [];
  for (const value of list) {
    const n = value.length;
    let i = 0;
    let current: { scheme: string; params: Record<string, string> } | undefined;
    while (i < n) {
      while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ',' || value[i] === '\r' || value[i] === '\n')) i++;
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

/**
 * Parses an `Authorization` request header: `{ scheme: 'basic', params: { token } }` for Basic,
 * `{ scheme: 'digest', params }` for Digest; undefined when empty.
 */
export function parseAuthorizationHeader(value: string | undefined): HttpAuthChallenge | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const scheme = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  if (scheme === '') return undefined;
  if (scheme === 'basic') return { scheme, params: { token: space < 0 ? '' : trimmed.slice(space + 1).trim() } };
  const [parsed] = parseAuthChallenges(trimmed);
  return parsed;
}

function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Builds a `Digest ...` Authorization value with the response computed. */
export function digestAuthorization(input: DigestInput & { readonly opaque?: string }): string {
  const parts = [
    `username=${quote(input.username)}`,
    `realm=${quote(input.realm)}`,
    `nonce=${quote(input.nonce)}`,
    `uri=${quote(input.uri)}`,
    `algorithm=${input.algorithm ?? 'MD5'}`,
    `response=${quote(computeDigestResponse(input))}`,
  ];
  if (input.opaque !== undefined) parts.push(`opaque=${quote(input.opaque)}`);
  if (input.qop === 'auth') parts.push('qop=auth', `nc=${input.nc ?? ''}`, `cnonce=${quote(input.cnonce ?? '')}`);
  return `Digest ${parts.join(', ')}`;
}

/** Builds a `Basic ...` Authorization value (UTF-8, RFC 7617). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Compares two strings in time independent of where they differ (both are hashed to equal length first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
