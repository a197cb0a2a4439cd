import type { IncomingMessage } from 'node:http';

/**
 * Players that cannot set headers (browsers' WebSocket, HLS players) pass the session as `?token=`. On a request whose
 * URL matches `path`, the token leaves the URL (so it reaches neither query validation, error messages nor logs) and
 * becomes the bearer header unless one was sent. Runs on the raw `request` / `upgrade` event, ahead of Fastify's
 * routing and of the authentication hook. Returns the token when it became the bearer header, else `undefined`.
 */
export function moveQueryToken(request: IncomingMessage, path: RegExp): string | undefined {
  const url = request.url ?? '';
  if (!path.test(url)) return undefined;
  const parsed = new URL(url, 'http://localhost');
  const token = parsed.searchParams.get('token');
  if (token === null) return undefined;
  parsed.searchParams.delete('token');
  request.url = parsed.pathname + parsed.search;
  if (request.headers.authorization !== undefined || token === '') return undefined;
  request.headers.authorization = `Bearer ${token}`;
  return token;
}
