import { randomUUID } from 'node:crypto';
import { ArgusError, type Kernel } from '@argus/core';
import { MAX_SDP_BYTES, parseSdp, type SessionDescription } from '@argus/core/media';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { cameraFor } from '../access/request-access.js';
import { WebRtcSession, WebRtcSessions, type WebRtcEndReason } from './webrtc-session.js';

/** Options of {@link registerWebRtcRoutes}. */
export interface WebRtcRoutesOptions {
  /** Where `live.view` and `live.view.end` are recorded. */
  audit?: AuditLog;
  /** Most sessions at once (negotiating ones included); more are refused with 503. Default 64. */
  maxSessions?: number;
  /**
   * The only host addresses offered as ICE candidates, e.g. the server's LAN or public address. Default: the
   * address the HTTP server listens on when it is a specific one (`127.0.0.1` keeps media on loopback too), every
   * interface address when it listens on `0.0.0.0` or `::`. No STUN or TURN server is used.
   */
  iceAddresses?: readonly string[];
  /** UDP port range of the ICE sockets, e.g. `[40000, 40999]` for a firewall opening; default any free port. */
  icePortRange?: readonly [number, number];
  /** Longest wait for the camera's first video packet before answering; default 10 000 ms. */
  firstPacketTimeoutMs?: number;
  /** Longest wait for ICE gathering before answering; default 5 000 ms. */
  gatherTimeoutMs?: number;
  /** Longest wait from the answer to a connected peer before the session is dropped; default 30 000 ms. */
  connectTimeoutMs?: number;
}

interface OfferRoute {
  Params: { id: string };
  Querystring: { profile?: 'main' | 'sub' };
  Body: string;
}

const SDP_TYPE = 'application/sdp';
const SESSION_PATH = '/api/v1/live/webrtc';

function invalid(reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason });
}

function attribute(sdp: SessionDescription, index: number, name: string): string | undefined {
  const media = sdp.media[index]!;
  return media.attributes.find((a) => a.name === name)?.value ?? sdp.attributes.find((a) => a.name === name)?.value;
}

/** Checks what a receive-only WebRTC video offer must have; throws `ARGUS_ERR_API_INVALID_REQUEST` naming the gap. */
function checkOffer(text: string): void {
  let sdp: SessionDescription;
  try {
    sdp = parseSdp(text);
  } catch (err) {
    throw invalid(`the body is not an SDP offer: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The first video section is the one answered with the camera's video.
  const index = sdp.media.findIndex((media) => media.type === 'video');
  if (index < 0) throw invalid('the offer has no video section');
  const video = sdp.media[index]!;
  if (video.port === 0) throw invalid('the first video section of the offer is disabled (port 0)');
  if (!/^UDP\/TLS\/RTP\/SAVPF?$/.test(video.protocol)) throw invalid(`the video section uses ${video.protocol}, not UDP/TLS/RTP/SAVPF`);
  const direction = video.direction ?? sdp.direction ?? 'sendrecv';
  if (direction !== 'recvonly' && direction !== 'sendrecv') throw invalid(`the video section is ${direction}; the offer must receive video`);
  if (attribute(sdp, index, 'ice-ufrag') === undefined || attribute(sdp, index, 'ice-pwd') === undefined) throw invalid('the offer has no ICE credentials');
  if (attribute(sdp, index, 'fingerprint') === undefined) throw invalid('the offer has no DTLS fingerprint');
  if (attribute(sdp, index, 'setup') === 'active' || attribute(sdp, index, 'setup') === 'passive') {
    // An answer says active or passive; an offer says actpass.
    throw invalid('the SDP is an answer, not an offer');
  }
}

/** Default ICE addresses: the listening address when it is a specific one; none (every interface) for a wildcard. */
function listenAddresses(app: FastifyInstance): { iceAddresses?: readonly string[] } {
  const address = app.server.address();
  if (address === null || typeof address === 'string' || address.address === '0.0.0.0' || address.address === '::') return {};
  return { iceAddresses: [address.address] };
}

/**
 * WebRTC live view, WHEP-style (non-trickle): `POST /api/v1/cameras/:id/live/webrtc?profile=main|sub` with an SDP
 * offer (`Content-Type: application/sdp`, receive-only video) answers `201` with the SDP answer and
 * `Location: /api/v1/live/webrtc/<session>`; `DELETE` of that location ends the view. Authenticated and scoped like
 * every camera route (`404 ARGUS_ERR_DEVICE_NOT_FOUND` for a camera the user does not see, `403` without the `live`
 * feature on it), audited (`live.view` and `live.view.end`, transport `webrtc`). H.264 only: an H.265 stream is
 * `415 ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC`.
 * Returns the session registry; every session ends when the server closes.
 *
 * @example
 * ```ts
 * await registerWebRtcRoutes(app, kernel, { audit, iceAddresses: ['192.0.2.10'] });
 * // browser: const res = await fetch(`/api/v1/cameras/cam-1/live/webrtc`, { method: 'POST', body: offer.sdp,
 * //   headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` } });
 * ```
 */
export async function registerWebRtcRoutes(app: FastifyInstance, kernel: Kernel, options: WebRtcRoutesOptions = {}): Promise<WebRtcSessions> {
  const { audit } = options;
  const sessions = new WebRtcSessions(options.maxSessions ?? 64);

  const record = (actor: string, action: string, target: string, details: Record<string, unknown>) =>
    audit?.append({ actor, action, target, outcome: 'success', details });

  // Encapsulated: the application/sdp parser and the close hook belong to these routes only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(SDP_TYPE, { parseAs: 'string', bodyLimit: MAX_SDP_BYTES }, (_request, body, done) => done(null, body));
    scope.addHook('onClose', async () => sessions.closeAll('server-closing'));

    scope.post<OfferRoute>(
      '/api/v1/cameras/:id/live/webrtc',
      {
        bodyLimit: MAX_SDP_BYTES,
        schema: {
          params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] },
          querystring: { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', enum: ['main', 'sub'] } } },
          body: { type: 'string', minLength: 1, maxLength: MAX_SDP_BYTES },
          consumes: [SDP_TYPE],
          produces: [SDP_TYPE],
        },
      },
      async (request, reply) => {
        const cameraId = request.params.id;
        const user = request.auth!.user;
        cameraFor(request, kernel, cameraId, 'live');
        if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== SDP_TYPE) throw invalid(`send the offer as Content-Type: ${SDP_TYPE}`);
        checkOffer(request.body);
        if (sessions.full) {
          reply.header('retry-after', '10');
          throw new ArgusError('ARGUS_ERR_STREAM_SESSION_LIMIT', { limit: sessions.max });
        }

        const profile = request.query.profile ?? 'main';
        const id = randomUUID();
        const logger = kernel.logger.child({ camera: cameraId, profile, viewer: user.username, transport: 'webrtc' });
        let viewAudited = false;
        const startedAt = kernel.clock.now();
        const onEnd = async (reason: WebRtcEndReason): Promise<void> => {
          sessions.delete(id);
          if (!viewAudited) return;
          const durationMs = kernel.clock.now() - startedAt;
          try {
            await record(user.username, 'live.view.end', cameraId, { profile, transport: 'webrtc', session: id, durationMs, reason });
          } catch (err) {
            logger.error({ err }, 'live view end not audited');
          }
        };
        const session = new WebRtcSession({
          id,
          hub: kernel.streams.hub(cameraId, profile),
          name: `webrtc:${cameraId}/${profile}:${user.username}`,
          logger,
          onEnd,
          ...(options.iceAddresses === undefined ? listenAddresses(app) : { iceAddresses: options.iceAddresses }),
          ...(options.icePortRange === undefined ? {} : { icePortRange: options.icePortRange }),
          ...(options.firstPacketTimeoutMs === undefined ? {} : { firstPacketTimeoutMs: options.firstPacketTimeoutMs }),
          ...(options.gatherTimeoutMs === undefined ? {} : { gatherTimeoutMs: options.gatherTimeoutMs }),
          ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        });
        sessions.add(session, user.username);
        let answer: string;
        try {
          answer = await session.negotiate(request.body);
          // Set first: an end that comes while the start is being written is then recorded after it.
          viewAudited = true;
          await record(user.username, 'live.view', cameraId, { profile, transport: 'webrtc', session: id });
        } catch (err) {
          viewAudited = false;
          sessions.delete(id);
          await session.close('negotiation-failed');
          throw err;
        }
        return reply.status(201).header('location', `${SESSION_PATH}/${id}`).type(SDP_TYPE).send(answer);
      },
    );

    scope.delete<{ Params: { sessionId: string } }>(
      `${SESSION_PATH}/:sessionId`,
      { schema: { params: { type: 'object', properties: { sessionId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['sessionId'] } } },
      async (request, reply) => {
        const user = request.auth!.user;
        const held = sessions.get(request.params.sessionId);
        if (held === undefined || (held.owner !== user.username && !request.access!.can('admin'))) {
          throw new ArgusError('ARGUS_ERR_API_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });
        }
        await held.session.close('deleted');
        return reply.status(204).send();
      },
    );
  });

  return sessions;
}
