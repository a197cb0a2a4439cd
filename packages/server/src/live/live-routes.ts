import type { IncomingMessage } from 'node:http';
import websocket from '@fastify/websocket';
import type { Kernel } from '@argus/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { streamLiveView } from './live-view.js';
import { cameraFor } from '../access/request-access.js';
import { moveQueryToken } from './query-token.js';

const LIVE_WS_PATH = /^\/api\/v1\/cameras\/[^/?]+\/live\/ws(?:\?|$)/;

/** Options of {@link registerLiveRoutes}. */
export interface LiveRoutesOptions {
  /** Where `live.view` and `live.view.end` are recorded. */
  audit?: AuditLog;
  /** Most packets waiting for a viewer's socket before it skips to the next keyframe; default 100. */
  maxQueue?: number;
}

interface LiveQuery {
  profile?: 'main' | 'sub';
}

/** Browsers cannot set headers on a WebSocket: the upgrade of the live route alone takes `?token=`. */
function tokenFromQuery(request: IncomingMessage): void {
  moveQueryToken(request, LIVE_WS_PATH);
}

/**
 * Live view as fragmented MP4 over WebSocket: `GET /api/v1/cameras/:id/live/ws?profile=main|sub`. Authenticated
 * like every `/api/v1` route (bearer header, session cookie, or `?token=` on the upgrade), scoped by agency: a
 * camera of another agency is refused with 404 `ARGUS_ERR_DEVICE_NOT_FOUND` before the upgrade. Each view is audited
 * (`live.view` when it starts, `live.view.end` with its duration when it ends).
 *
 * @example
 * ```ts
 * await registerLiveRoutes(app, kernel, { audit });
 * // browser: new WebSocket(`wss://host/api/v1/cameras/cam-1/live/ws?token=${token}`)
 * ```
 */
export async function registerLiveRoutes(app: FastifyInstance, kernel: Kernel, options: LiveRoutesOptions = {}): Promise<void> {
  const { audit } = options;
  app.server.prependListener('upgrade', tokenFromQuery);
  if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  const record = (request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) =>
    audit?.append({ actor: request.auth!.user.username, action, target, outcome: 'success', details });

  app.get<{ Params: { id: string }; Querystring: LiveQuery }>(
    '/api/v1/cameras/:id/live/ws',
    {
      websocket: true,
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] },
        querystring: { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', enum: ['main', 'sub'] } } },
      },
      // A refused upgrade is answered over the raw socket, which Node no longer manages: end it, or it lingers.
      // (`request.ws` is not set when the authentication hook refused before @fastify/websocket's own hook ran.)
      onResponse: async (request, reply) => {
        if (request.headers.upgrade?.toLowerCase() === 'websocket' && reply.statusCode >= 400) request.raw.socket.destroySoon();
      },
      // Runs before the upgrade, so a refusal is a plain HTTP error response.
      preHandler: async (request) => {
        cameraFor(request, kernel, request.params.id, 'live');
      },
    },
    async (socket, request) => {
      const cameraId = request.params.id;
      const profile = request.query.profile ?? 'main';
      const username = request.auth!.user.username;
      const startedAt = kernel.clock.now();
      const logger = kernel.logger.child({ camera: cameraId, profile, viewer: username });
      // Messages from the viewer are not part of the protocol; the socket is only drained.
      socket.on('message', () => undefined);
      try {
        await record(request, 'live.view', cameraId, { profile, transport: 'ws' });
      } catch (err) {
        logger.error({ err }, 'live view not audited; refused');
        socket.close(1011, 'audit unavailable');
        return;
      }
      streamLiveView(socket, kernel.streams.hub(cameraId, profile), {
        name: `ws:${cameraId}/${profile}:${username}`,
        logger,
        ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
        onEnd: () => {
          const durationMs = kernel.clock.now() - startedAt;
          record(request, 'live.view.end', cameraId, { profile, transport: 'ws', durationMs })?.catch((err: unknown) =>
            logger.error({ err }, 'live view end not audited'),
          );
        },
      });
    },
  );
}
