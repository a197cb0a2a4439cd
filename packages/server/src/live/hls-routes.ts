import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ArgusError, hasErrorCode, type Kernel, type Logger } from '@argus/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { cameraFor } from '../access/request-access.js';
import { moveQueryToken } from './query-token.js';
import { LiveHlsPackager, type LiveHlsPackagerOptions, type LiveHlsPackagerStats } from './hls-packager.js';

/** Options of {@link registerLiveHlsRoutes}. */
export interface LiveHlsRoutesOptions {
  /** Where `live.view` and `live.view.end` are recorded. */
  audit?: AuditLog;
  /**
   * A packager with no playlist or segment request for this long is torn down (detached from the hub), and a user
   * with no request for this long has stopped viewing (`live.view.end`); default 30 000 ms.
   */
  idleMs?: number;
  /** Longest wait of a playlist request for the first segment of a new packager; default 10 000 ms. */
  firstSegmentTimeoutMs?: number;
  /** How often idle packagers and viewers are looked for; default 1 000 ms. */
  sweepMs?: number;
  /** Segment length, window and byte bounds of every packager. */
  packager?: Pick<LiveHlsPackagerOptions, 'segmentSeconds' | 'windowSegments' | 'maxBytes' | 'maxSegmentBytes'>;
}

/** One camera stream served as live HLS, in {@link LiveHls.stats}. */
export interface LiveHlsSessionStats extends LiveHlsPackagerStats {
  camera: string;
  profile: 'main' | 'sub';
  /** Users whose requests keep their view open. */
  viewers: number;
}

/** What {@link registerLiveHlsRoutes} returns: the live HLS sessions of the server. */
export interface LiveHls {
  /** One entry per camera stream being packaged. */
  stats(): LiveHlsSessionStats[];
}

type Profile = 'main' | 'sub';

interface Viewer {
  readonly startedAt: number;
  lastSeenAt: number;
  /** The `live.view` entry being written; every request of the view waits for it. */
  readonly audited: Promise<void>;
}

interface Session {
  readonly key: string;
  readonly camera: string;
  readonly profile: Profile;
  readonly logger: Logger;
  packager: LiveHlsPackager;
  lastRequestAt: number;
  /** Requests in progress (a playlist request may wait for the first segment): never idle meanwhile. */
  busy: number;
  readonly viewers: Map<string, Viewer>;
}

type EndReason = 'idle' | 'server-closing';

const PREFIX = '/api/v1/cameras/:id/live/hls';
const HLS_PATH = /^\/api\/v1\/cameras\/[^/?]+\/live\/hls\/[^/?]+(?:\?|$)/;
/** `init.mp4` (the current init segment), `init-<n>.mp4`, `seg-<n>.m4s`. */
const FILE = /^(?:init(?:-(\d{1,9}))?\.mp4|seg-(\d{1,15})\.m4s)$/;
const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const CAMERA_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const FILE_PARAMS = {
  type: 'object',
  required: ['id', 'file'],
  properties: { id: CAMERA_PARAMS.properties.id, file: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
const PROFILE_QUERY = { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', enum: ['main', 'sub'] } } } as const;
/** Codes a client can act on, passed through as they are; any other failure of the stream is a 502. */
const CLIENT_CODES = new Set(['ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', 'ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS']);

/** The `?token=` each request came with, when it became its bearer header: segment URIs of its playlist carry it on. */
const queryTokens = new WeakMap<IncomingMessage, string>();

/** HLS players cannot set headers: a GET (or HEAD) of a live HLS path alone takes `?token=`, kept for its playlist. */
function tokenFromQuery(request: IncomingMessage): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  const token = moveQueryToken(request, HLS_PATH);
  if (token !== undefined) queryTokens.set(request, token);
}

/**
 * Live view as HLS (fMP4/CMAF segments, RFC 8216 version 7) for players that take a URL: Safari and iOS natively,
 * hls.js, VLC, ffmpeg.
 *
 * - `GET /api/v1/cameras/:id/live/hls/index.m3u8?profile=main|sub`: the media playlist (a sliding window);
 * - `GET /api/v1/cameras/:id/live/hls/init-<n>.mp4` (and `init.mp4`, the current one), `.../seg-<n>.m4s`: its
 *   init and media segments, with the same `profile`.
 *
 * Authenticated like every `/api/v1` route (bearer header, session cookie, or `?token=` on these routes, which then
 * rides on in the playlist's URIs), scoped by camera (`404 ARGUS_ERR_DEVICE_NOT_FOUND` for a camera the user does
 * not see, `403` without the `live` feature on it). One {@link LiveHlsPackager} per camera stream, made by the first
 * playlist request, shared by every viewer, torn down after `idleMs` without requests. Audited once per user and
 * packager: `live.view` (transport `hls`) at the user's first request, `live.view.end` (`durationMs` from their
 * first to their last request) once their requests stop for `idleMs`.
 *
 * @example
 * ```ts
 * await registerLiveHlsRoutes(app, kernel, { audit });
 * // <video src="/api/v1/cameras/cam-1/live/hls/index.m3u8?token=..."> in Safari, or hls.js elsewhere
 * ```
 */
export async function registerLiveHlsRoutes(app: FastifyInstance, kernel: Kernel, options: LiveHlsRoutesOptions = {}): Promise<LiveHls> {
  const { audit } = options;
  const idleMs = options.idleMs ?? 30_000;
  const firstSegmentTimeoutMs = options.firstSegmentTimeoutMs ?? 10_000;
  const sessions = new Map<string, Session>();
  app.server.prependListener('request', tokenFromQuery);

  const record = (actor: string, action: string, target: string, details: Record<string, unknown>) =>
    audit?.append({ actor, action, target, outcome: 'success', details });

  const packagerFor = (key: string, camera: string, profile: Profile, logger: Logger, previous?: LiveHlsPackager): LiveHlsPackager => {
    const packager = new LiveHlsPackager({
      ...options.packager,
      id: key,
      clock: kernel.clock,
      logger,
      ...(previous === undefined ? {} : { continueAfter: previous }),
    });
    packager.attach(kernel.streams.hub(camera, profile), `hls:${key}`);
    return packager;
  };

  /** The camera stream's session: made on first use; a packager whose stream ended or failed is replaced. */
  const sessionFor = (camera: string, profile: Profile): Session => {
    const key = `${camera}/${profile}`;
    const session = sessions.get(key);
    if (session === undefined) {
      const logger = kernel.logger.child({ camera, profile, transport: 'hls' });
      const created: Session = { key, camera, profile, logger, packager: packagerFor(key, camera, profile, logger), lastRequestAt: kernel.clock.now(), busy: 0, viewers: new Map() };
      sessions.set(key, created);
      return created;
    }
    const state = session.packager.state;
    if (state === 'ended' || state === 'failed') {
      const previous = session.packager;
      session.packager = packagerFor(key, camera, profile, session.logger, previous);
      previous.close();
    }
    return session;
  };

  /** Notes a request of the session: keeps it and the user's view alive, and audits a view's start. */
  const touch = async (session: Session, request: FastifyRequest): Promise<void> => {
    const username = request.auth!.user.username;
    const now = kernel.clock.now();
    session.lastRequestAt = now;
    let viewer = session.viewers.get(username);
    if (viewer === undefined) {
      const audited = Promise.resolve(record(username, 'live.view', session.camera, { profile: session.profile, transport: 'hls' })).then(() => undefined);
      const started: Viewer = { startedAt: now, lastSeenAt: now, audited };
      // No view without its audit entry: the request fails, and the next one tries again.
      audited.catch(() => {
        if (session.viewers.get(username) === started) session.viewers.delete(username);
      });
      session.viewers.set(username, started);
      viewer = started;
    }
    viewer.lastSeenAt = now;
    await viewer.audited;
  };

  const endView = async (session: Session, username: string, viewer: Viewer, reason: EndReason): Promise<void> => {
    session.viewers.delete(username);
    try {
      await viewer.audited;
    } catch {
      return; // never started
    }
    try {
      const durationMs = viewer.lastSeenAt - viewer.startedAt;
      await record(username, 'live.view.end', session.camera, { profile: session.profile, transport: 'hls', durationMs, reason });
    } catch (err) {
      session.logger.error({ err, viewer: username }, 'live view end not audited');
    }
  };

  const teardown = async (session: Session, reason: EndReason): Promise<void> => {
    sessions.delete(session.key);
    session.packager.close();
    session.logger.debug({ reason }, 'live HLS packager torn down');
    await Promise.all([...session.viewers].map(([username, viewer]) => endView(session, username, viewer, reason)));
  };

  const sweep = (): void => {
    const now = kernel.clock.now();
    for (const session of sessions.values()) {
      if (session.busy > 0) continue;
      if (now - session.lastRequestAt >= idleMs) {
        void teardown(session, 'idle');
        continue;
      }
      for (const [username, viewer] of session.viewers) if (now - viewer.lastSeenAt >= idleMs) void endView(session, username, viewer, 'idle');
    }
  };
  const timer = setInterval(sweep, options.sweepMs ?? 1000);
  timer.unref();
  // Before the HTTP server closes: a playlist request waiting for a first segment is answered at once, not held up to
  // firstSegmentTimeoutMs, and the views' ends reach the audit log while it is open.
  app.addHook('preClose', async () => {
    clearInterval(timer);
    await Promise.all([...sessions.values()].map((session) => teardown(session, 'server-closing')));
  });

  /** Why there is no playlist to answer: the stream's own error when a client can act on it, else a 502. */
  const unavailable = (session: Session, reply: FastifyReply): ArgusError => {
    reply.header('retry-after', '2');
    const err = session.packager.error;
    if (hasErrorCode(err) && CLIENT_CODES.has(err.code)) return err as ArgusError;
    const reason = err === undefined ? `no video segment within ${firstSegmentTimeoutMs} ms` : err instanceof Error ? err.message : String(err);
    return new ArgusError('ARGUS_ERR_STREAM_UPSTREAM_FAILED', { stream: session.key, reason });
  };

  const notFound = (request: FastifyRequest): ArgusError => new ArgusError('ARGUS_ERR_API_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });

  app.get<{ Params: { id: string }; Querystring: { profile?: Profile } }>(
    `${PREFIX}/index.m3u8`,
    { schema: { params: CAMERA_PARAMS, querystring: PROFILE_QUERY } },
    async (request, reply) => {
      const camera = cameraFor(request, kernel, request.params.id, 'live');
      const profile = request.query.profile ?? 'main';
      const session = sessionFor(camera.id, profile);
      session.busy += 1;
      try {
        await touch(session, request);
        const ready = await session.packager.waitForSegment(firstSegmentTimeoutMs);
        const token = queryTokens.get(request.raw);
        const playlist = ready ? session.packager.playlist(`profile=${profile}${token === undefined ? '' : `&token=${encodeURIComponent(token)}`}`) : undefined;
        if (playlist === undefined) throw unavailable(session, reply);
        // The playlist changes with every segment, and may carry the caller's token: never stored on the way.
        return reply.type(PLAYLIST_TYPE).header('cache-control', 'no-store').send(playlist);
      } finally {
        session.busy -= 1;
        session.lastRequestAt = kernel.clock.now();
      }
    },
  );

  app.get<{ Params: { id: string; file: string }; Querystring: { profile?: Profile } }>(
    `${PREFIX}/:file`,
    { schema: { params: FILE_PARAMS, querystring: PROFILE_QUERY } },
    async (request, reply) => {
      const camera = cameraFor(request, kernel, request.params.id, 'live');
      const profile = request.query.profile ?? 'main';
      const match = FILE.exec(request.params.file);
      const session = sessions.get(`${camera.id}/${profile}`);
      if (match === null || session === undefined) throw notFound(request);
      await touch(session, request);
      const [, init, sequence] = match;
      // Names restart with a new packager (after an idle teardown), so nothing here is cacheable.
      reply.header('cache-control', 'no-store').type('video/mp4');
      if (sequence !== undefined) {
        const segment = session.packager.segment(Number(sequence));
        if (segment === undefined) throw notFound(request);
        return reply.header('content-length', segment.byteLength).send(Readable.from(segment.chunks));
      }
      const bytes = session.packager.init(init === undefined ? undefined : Number(init));
      if (bytes === undefined) throw notFound(request);
      return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  return {
    stats: () =>
      [...sessions.values()].map((session) => ({ ...session.packager.toJSON(), camera: session.camera, profile: session.profile, viewers: session.viewers.size })),
  };
}
