import { createHash, timingSafeEqual } from 'node:crypto';
import { parseWwwAuthenticate, type AuthChallenge } from '@argus/core/media';

// Challenge parsing, the Digest computation and the Authorization value are core's, shared with its RTSP client;
// the kit re-exports them under the names drivers know.
export { computeDigestResponse, digestAlgorithm, digestAuthorization, parseWwwAuthenticate as parseAuthChallenges } from '@argus/core/media';
export type { AuthChallenge as HttpAuthChallenge, DigestAlgorithm, DigestInput } from '@argus/core/media';

/**
 * Parses an `Authorization` request header: `{ scheme: 'basic', params: { token } }` for Basic,
 * `{ scheme: 'digest', params }` for Digest; undefined when empty.
 */
export function parseAuthorizationHeader(value: string | undefined): AuthChallenge | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const scheme = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  if (scheme === '') return undefined;
  if (scheme === 'basic') return { scheme, params: { token: space < 0 ? '' : trimmed.slice(space + 1).trim() } };
  // The challenge grammar covers the credentials grammar too: a scheme followed by auth-params.
  const [parsed] = parseWwwAuthenticate(trimmed);
  return parsed;
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
