import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { ArgusError, type Camera, type Kernel } from '@argus/core';
import type { EvidenceLock, ExportStatus, StorageService, StreamChoice } from '@argus/plugin-storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { dayRange } from './day-range.js';
import type { Feature } from '../access/access-policy.js';
import { cameraFor as accessibleCamera } from '../access/request-access.js';

const API = '/api/v1';
const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const TIME = { type: 'string', minLength: 1, maxLength: 40, description: 'ISO 8601 date-time, e.g. 2026-11-21T08:00:00Z' } as const;
const STREAM = { type: 'string', enum: ['main', 'sub'] } as const;
const RANGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: { from: TIME, to: TIME, stream: STREAM },
} as const;
const CAMERA_PARAMS = { type: 'object', properties: { id: ID }, required: ['id'] } as const;

interface RangeQuery {
  from: string;
  to: string;
  stream?: StreamChoice;
}

/** Options of {@link registerRecordingRoutes}. */
export interface RecordingRoutesOptions {
  /** Playback, export, lock and manual-recording actions are recorded here. */
  audit?: AuditLog;
}

function parseTime(text: string, field: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: `${field} "${text.slice(0, 40)}" is not an ISO 8601 date-time` });
  return ms;
}

function rangeOf(query: RangeQuery): { from: number; to: number } {
  return { from: parseTime(query.from, 'from'), to: parseTime(query.to, 'to') };
}

/** An export's status without its server-side folder. */
function withoutDir(status: ExportStatus): Omit<ExportStatus, 'dir'> {
  return Object.fromEntries(Object.entries(status).filter(([key]) => key !== 'dir')) as Omit<ExportStatus, 'dir'>;
}

function isAdmin(request: FastifyRequest): boolean {
  return request.access!.can('admin');
}

/** Byte range of a `Range: bytes=a-b` header within `size`, or `undefined` for the whole file. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined | 'unsatisfiable' {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Sends a file, honouring one `Range`, as `video/mp4` (or `contentType`). */
async function sendFile(request: FastifyRequest, reply: FastifyReply, path: string, length: number, contentType: string): Promise<FastifyReply> {
  const range = byteRange(request.headers.range, length);
  reply.header('accept-ranges', 'bytes').type(contentType);
  if (range === 'unsatisfiable') return reply.status(416).header('content-range', `bytes */${length}`).send();
  if (range === undefined) return reply.header('content-length', length).send(createReadStream(path, { start: 0, end: Math.max(0, length - 1) }));
  return reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${length}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(path, { start: range.start, end: range.end }));
}

/**
 * Recording, playback, evidence-lock and export routes over the storage plugin:
 *
 * - `GET /api/v1/cameras/:id/recordings/timeline?from&to`: recorded spans, gaps and event marks (≤ 7 days), and
 *   `GET /api/v1/cameras/:id/timeline?day=YYYY-MM-DD[&tz]`: the same for one camera-day;
 * - `GET /api/v1/cameras/:id/recordings/play?from&to[&stream]` (also `.../playback.mp4`): the range as one fMP4
 *   stream (audited);
 * - `GET /api/v1/cameras/:id/recordings/playlist.m3u8?from&to[&stream]`: HLS VOD over the segment files (audited),
 *   whose media are `GET /api/v1/cameras/:id/recordings/segments/:stream/:start.mp4` with byte ranges;
 * - `GET|POST /api/v1/cameras/:id/recordings/status|manual`, `POST /api/v1/cameras/:id/events`;
 * - `POST|GET /api/v1/evidence-locks`, `DELETE /api/v1/evidence-locks/:id`;
 * - `POST|GET /api/v1/exports`, `GET /api/v1/exports/:id`, `GET /api/v1/exports/:id/files/:name`;
 * - `GET /api/v1/storage` (administrators): usage per camera and tier, recorders.
 *
 * Every camera route answers 404 for a camera the user may not see, as for one that does not exist.
 */
export async function registerRecordingRoutes(app: FastifyInstance, kernel: Kernel, storage: StorageService, options: RecordingRoutesOptions = {}): Promise<void> {
  const { audit } = options;
  const record = (request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) =>
    audit?.append({ actor: request.auth!.user.username, action, target, outcome: 'success', details });

  const cameraFor = (request: FastifyRequest, id: string, feature?: Feature): Camera => accessibleCamera(request, kernel, id, feature);
  const visibleLock = (request: FastifyRequest, lock: EvidenceLock): boolean => {
    const camera = kernel.devices.tryGet(lock.camera);
    return isAdmin(request) || (camera !== undefined && request.access!.sees(camera));
  };

  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(
    `${API}/cameras/:id/recordings/timeline`,
    { schema: { params: CAMERA_PARAMS, querystring: RANGE_QUERY } },
    async (request) => {
      const camera = cameraFor(request, request.params.id, 'playback');
      const { from, to } = rangeOf(request.query);
      return storage.playback.timeline(camera.id, from, to, request.query.stream === undefined ? {} : { stream: request.query.stream });
    },
  );

  const play = async (request: FastifyRequest<{ Params: { id: string }; Querystring: RangeQuery }>, reply: FastifyReply): Promise<FastifyReply> => {
    const camera = cameraFor(request, request.params.id, 'playback');
    const { from, to } = rangeOf(request.query);
    const video = await storage.playback.open(camera.id, from, to, request.query.stream === undefined ? {} : { stream: request.query.stream });
    await record(request, 'playback.view', camera.id, { from: request.query.from, to: request.query.to, stream: video.stream, transport: 'fmp4' });
    return reply
      .type(video.mimeType ?? 'video/mp4')
      .header('x-argus-start-time', new Date(video.startTime).toISOString())
      .send(Readable.from(video.chunks));
  };
  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(`${API}/cameras/:id/recordings/play`, { schema: { params: CAMERA_PARAMS, querystring: RANGE_QUERY } }, play);
  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(`${API}/cameras/:id/playback.mp4`, { schema: { params: CAMERA_PARAMS, querystring: RANGE_QUERY } }, play);

  app.get<{ Params: { id: string }; Querystring: { day: string; tz?: string; stream?: StreamChoice } }>(
    `${API}/cameras/:id/timeline`,
    {
      schema: {
        params: CAMERA_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['day'],
          properties: {
            day: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'the camera-day, YYYY-MM-DD' },
            tz: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone of the day; default UTC' },
            stream: STREAM,
          },
        },
      },
    },
    async (request) => {
      const camera = cameraFor(request, request.params.id, 'playback');
      const { from, to } = dayRange(request.query.day, request.query.tz ?? 'UTC');
      return storage.playback.timeline(camera.id, from, to, request.query.stream === undefined ? {} : { stream: request.query.stream });
    },
  );

  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(
    `${API}/cameras/:id/recordings/playlist.m3u8`,
    { schema: { params: CAMERA_PARAMS, querystring: RANGE_QUERY } },
    async (request, reply) => {
      const camera = cameraFor(request, request.params.id, 'playback');
      const { from, to } = rangeOf(request.query);
      const playlist = await storage.playback.hlsPlaylist(camera.id, from, to, {
        mediaUri: (segment) => `segments/${segment.stream}/${segment.start}.mp4`,
        ...(request.query.stream === undefined ? {} : { stream: request.query.stream }),
      });
      await record(request, 'playback.view', camera.id, { from: request.query.from, to: request.query.to, transport: 'hls' });
      return reply.type('application/vnd.apple.mpegurl').send(playlist);
    },
  );

  app.get<{ Params: { id: string; stream: StreamChoice; file: string } }>(
    `${API}/cameras/:id/recordings/segments/:stream/:file`,
    {
      schema: {
        params: {
          type: 'object',
          required: ['id', 'stream', 'file'],
          properties: { id: ID, stream: STREAM, file: { type: 'string', pattern: '^[0-9]{1,15}\\.mp4$' } },
        },
      },
    },
    async (request, reply) => {
      const camera = cameraFor(request, request.params.id, 'playback');
      const start = Number(request.params.file.slice(0, -4));
      const segment = await storage.catalogue.segment({ camera: camera.id, start, stream: request.params.stream });
      const tier = storage.tiers.find((t) => t.name === segment?.tier);
      if (segment === undefined || tier === undefined) throw new ArgusError('ARGUS_ERR_STORAGE_NO_RECORDING', { camera: camera.id, from: start, to: start });
      // Only what the catalogue vouches for: a segment being written may have a half-written fragment past `size`.
      return sendFile(request, reply, join(tier.root, segment.file), segment.size, 'video/mp4');
    },
  );

  app.get<{ Params: { id: string } }>(`${API}/cameras/:id/recordings/status`, { schema: { params: CAMERA_PARAMS } }, async (request) => {
    const camera = cameraFor(request, request.params.id);
    return storage.recorderStatus(camera.id) ?? { camera: camera.id, mode: 'off', recording: false };
  });

  app.post<{ Params: { id: string }; Body: { action: 'start' | 'stop' } }>(
    `${API}/cameras/:id/recordings/manual`,
    {
      schema: {
        params: CAMERA_PARAMS,
        body: { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { type: 'string', enum: ['start', 'stop'] } } },
      },
    },
    async (request) => {
      const camera = cameraFor(request, request.params.id, 'live');
      const status = storage.manual(camera.id, request.body.action, request.auth!.user.username);
      await record(request, `recording.manual.${request.body.action}`, camera.id, {});
      return status;
    },
  );

  app.post<{ Params: { id: string }; Body: { type: string; note?: string; durationSeconds?: number } }>(
    `${API}/cameras/:id/events`,
    {
      schema: {
        params: CAMERA_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
            note: { type: 'string', maxLength: 500 },
            durationSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
          },
        },
      },
    },
    async (request, reply) => {
      const camera = cameraFor(request, request.params.id, 'live');
      const now = kernel.clock.now();
      const id = `evt-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const { type, note, durationSeconds } = request.body;
      kernel.bus.emit(
        'cameraEventStarted',
        { cameraId: camera.id, id, type, time: now, end: now + (durationSeconds ?? 0) * 1000, source: `user:${request.auth!.user.username}`, ...(note === undefined ? {} : { note }) },
        { source: 'api', cameraId: camera.id },
      );
      await record(request, 'event.raise', camera.id, { id, type });
      return reply.status(202).send({ id });
    },
  );

  app.post<{ Body: { camera: string; from: string; to: string; reason: string; expires?: string } }>(
    `${API}/evidence-locks`,
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['camera', 'from', 'to', 'reason'],
          properties: { camera: ID, from: TIME, to: TIME, reason: { type: 'string', minLength: 1, maxLength: 500 }, expires: TIME },
        },
      },
    },
    async (request, reply) => {
      const camera = cameraFor(request, request.body.camera, 'export');
      const { from, to } = rangeOf(request.body);
      const expires = request.body.expires === undefined ? undefined : parseTime(request.body.expires, 'expires');
      const lock = await storage.lock({
        camera: camera.id,
        start: from,
        end: to,
        reason: request.body.reason,
        owner: request.auth!.user.username,
        ...(expires === undefined ? {} : { expires }),
      });
      return reply.status(201).send(lock);
    },
  );

  app.get<{ Querystring: { camera?: string } }>(
    `${API}/evidence-locks`,
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { camera: ID } } } },
    async (request) => {
      if (request.query.camera !== undefined) cameraFor(request, request.query.camera);
      const locks = await storage.locks.list(request.query.camera);
      return { items: locks.filter((lock) => visibleLock(request, lock)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${API}/evidence-locks/:id`,
    { schema: { params: { type: 'object', required: ['id'], properties: { id: ID } } } },
    async (request) => {
      const lock = await storage.locks.get(request.params.id);
      if (lock === undefined || !visibleLock(request, lock)) throw new ArgusError('ARGUS_ERR_STORAGE_LOCK_NOT_FOUND', { id: request.params.id });
      if (!isAdmin(request) && lock.owner !== request.auth!.user.username) {
        throw new ArgusError('ARGUS_ERR_API_FORBIDDEN', { action: 'remove an evidence lock placed by another user' });
      }
      return storage.locks.unlock(lock.id, request.auth!.user.username);
    },
  );

  app.post<{ Body: { cameras: string[]; from: string; to: string; stream?: StreamChoice } }>(
    `${API}/exports`,
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['cameras', 'from', 'to'],
          properties: { cameras: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: ID }, from: TIME, to: TIME, stream: STREAM },
        },
      },
    },
    async (request, reply) => {
      const cameras = request.body.cameras.map((id) => cameraFor(request, id, 'export').id);
      const { from, to } = rangeOf(request.body);
      if (to <= from) throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: '`to` must be after `from`' });
      const status = storage.export({
        cameras,
        from,
        to,
        exportedBy: request.auth!.user.username,
        ...(request.body.stream === undefined ? {} : { stream: request.body.stream }),
      });
      await record(request, 'export.create', status.id, { cameras, from: request.body.from, to: request.body.to });
      return reply.status(202).send(status);
    },
  );

  const exportFor = (request: FastifyRequest, id: string) => {
    const status = storage.exportStatus(id);
    if (status === undefined || (!isAdmin(request) && status.exportedBy !== request.auth!.user.username)) {
      throw new ArgusError('ARGUS_ERR_API_NOT_FOUND', { method: request.method, url: `${API}/exports/${id}` });
    }
    return status;
  };
  app.get(`${API}/exports`, async (request) => ({
    items: storage
      .exports()
      .filter((s) => isAdmin(request) || s.exportedBy === request.auth!.user.username)
      .map(withoutDir),
  }));

  app.get<{ Params: { id: string } }>(`${API}/exports/:id`, { schema: { params: { type: 'object', required: ['id'], properties: { id: ID } } } }, async (request) => {
    return withoutDir(exportFor(request, request.params.id));
  });

  app.get<{ Params: { id: string; name: string } }>(
    `${API}/exports/:id/files/:name`,
    {
      schema: {
        params: { type: 'object', required: ['id', 'name'], properties: { id: ID, name: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._%-]+$' } } },
      },
    },
    async (request, reply) => {
      const status = exportFor(request, request.params.id);
      const name = basename(request.params.name);
      if (status.state !== 'completed' || status.dir === undefined || !(status.files ?? []).includes(name)) {
        throw new ArgusError('ARGUS_ERR_API_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });
      }
      const path = join(status.dir, name);
      const { size } = await stat(path);
      await record(request, 'export.download', status.id, { file: name });
      reply.header('content-disposition', `attachment; filename="${name}"`);
      return sendFile(request, reply, path, size, name.endsWith('.json') ? 'application/json' : 'video/mp4');
    },
  );

  app.get(`${API}/storage`, async () => ({
    tiers: storage.tiers.map((t) => t.name),
    usage: storage.catalogue.usage(),
    recorders: storage.recorders(),
  }));

  // Lock changes are audited wherever they come from (this API, a rule, expiry).
  const subscriptions = [
    kernel.bus.on$('evidenceLocked').subscribe(({ payload }) => {
      audit
        ?.append({ actor: payload.by, action: 'evidence.lock', target: payload.lock.camera, outcome: 'success', details: { ...payload.lock } })
        .catch((err: unknown) => kernel.logger.error({ err }, 'evidence lock not audited'));
    }),
    kernel.bus.on$('evidenceUnlocked').subscribe(({ payload }) => {
      audit
        ?.append({ actor: payload.by, action: 'evidence.unlock', target: payload.lock.camera, outcome: 'success', details: { ...payload.lock } })
        .catch((err: unknown) => kernel.logger.error({ err }, 'evidence unlock not audited'));
    }),
  ];
  app.addHook('onClose', async () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
  });
}
