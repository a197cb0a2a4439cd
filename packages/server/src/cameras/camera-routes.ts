import { ArgusError, CAMERA_CATEGORIES, redactCamera, type Camera, type CameraInput, type CameraPatch, type Kernel, type RedactedCamera } from '@argus/core';
import type { AuditLog } from '../audit/audit-log.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cameraCensus, censusToCsv, type CameraCensus } from './camera-census.js';
import { cameraFor } from '../access/request-access.js';
import { importCameras, type ImportResult } from './camera-import.js';

const API = '/api/v1';
const MAX_LIMIT = 500;
/** Largest census CSV accepted by `POST /api/v1/cameras/import`. */
const IMPORT_BODY_LIMIT = 50 * 1024 * 1024;
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] } as const;

interface ListQuery {
  agency?: string;
  category?: string;
  district?: string;
  ward?: string;
  type?: number;
  ptz?: boolean;
  q?: string;
  cursor?: string;
  limit?: number;
}

/** A page of cameras. */
export interface CameraPage {
  items: RedactedCamera[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    agency: { type: 'string', minLength: 1, maxLength: 64 },
    category: { type: 'string', enum: [...CAMERA_CATEGORIES] },
    district: { type: 'string', minLength: 1, maxLength: 128 },
    ward: { type: 'string', minLength: 1, maxLength: 128 },
    type: { type: 'integer', minimum: 1, maximum: 33 },
    ptz: { type: 'boolean' },
    q: { type: 'string', minLength: 1, maxLength: 128 },
    cursor: { type: 'string', minLength: 1, maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 },
  },
} as const;

/** A camera the user has some camera feature on; any other is answered 404 like a missing one. */
function visible(request: FastifyRequest, camera: Camera): boolean {
  return request.access!.sees(camera);
}

function matches(camera: Camera, query: ListQuery): boolean {
  if (query.agency !== undefined && camera.agency !== query.agency) return false;
  if (query.category !== undefined && camera.category !== query.category) return false;
  if (query.district !== undefined && camera.location?.district !== query.district) return false;
  if (query.ward !== undefined && camera.location?.ward !== query.ward) return false;
  if (query.type !== undefined && camera.cameraType !== query.type) return false;
  if (query.ptz !== undefined && camera.ptz !== query.ptz) return false;
  if (query.q !== undefined && !searchText(camera).includes(query.q.toLowerCase())) return false;
  return true;
}

// Camera records are frozen and replaced on every change, so the lower-cased text of one stays valid as long as it lives.
const SEARCH_TEXT = new WeakMap<Camera, string>();

/** What `q` searches, lower-cased once per camera record rather than once per camera per request. */
function searchText(camera: Camera): string {
  let text = SEARCH_TEXT.get(camera);
  if (text === undefined) {
    text = [camera.id, camera.name, camera.location?.address, camera.externalId, ...camera.tags].join(' ').toLowerCase();
    SEARCH_TEXT.set(camera, text);
  }
  return text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON cannot say `undefined`: `null` in a patch removes the field (top level, or inside location/connection). */
function patchFromJson(body: unknown): CameraPatch {
  if (!isPlainObject(body)) throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'the body must be a JSON object' });
  const nullToUndefined = (value: unknown) => (value === null ? undefined : value);
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    patch[key] =
      (key === 'location' || key === 'connection') && isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullToUndefined(v)]))
        : nullToUndefined(value);
  }
  return patch as CameraPatch;
}

/**
 * Camera inventory routes: `GET /api/v1/cameras` (filters, cursor paging by id), `GET /api/v1/cameras/:id`,
 * the admin writes `POST /api/v1/cameras`, `PATCH` and `DELETE /api/v1/cameras/:id`, the census CSV import
 * `POST /api/v1/cameras/import` and `GET /api/v1/reports/census`. Callers see only their agency's cameras unless
 * they are admins; a camera of another agency is answered 404, exactly like one that does not exist. Connection
 * passwords are never returned. Admin-only routes are enforced by the `ADMIN_ROUTES` table of the auth hook.
 */
export async function registerCameraRoutes(app: FastifyInstance, kernel: Kernel, audit?: AuditLog): Promise<void> {
  /** Every change to the inventory is audited with who made it. */
  const record = async (request: FastifyRequest, action: string, target: string | undefined, details?: Record<string, unknown>) =>
    audit?.append({ actor: request.auth!.user.username, action, ...(target === undefined ? {} : { target }), outcome: 'success', ...(details === undefined ? {} : { details }) });
  app.get<{ Querystring: ListQuery }>(`${API}/cameras`, { schema: { querystring: listQuerySchema } }, async (request): Promise<CameraPage> => {
    const query = request.query;
    const limit = query.limit ?? 100;
    const items: RedactedCamera[] = [];
    let next: string | undefined;
    // The registry walks its id index from the cursor, so a page costs the cameras scanned to fill it, not a sort.
    kernel.devices.scan(query.cursor, (camera) => {
      if (!visible(request, camera) || !matches(camera, query)) return true;
      if (items.length === limit) {
        next = items.at(-1)!.id;
        return false;
      }
      items.push(redactCamera(camera));
      return true;
    });
    return next === undefined ? { items } : { items, next };
  });

  app.get<{ Params: { id: string } }>(
    `${API}/cameras/:id`,
    { schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] } } },
    async (request): Promise<RedactedCamera> => {
      const camera = cameraFor(request, kernel, request.params.id);
      return redactCamera(camera);
    },
  );

  app.post<{ Body: CameraInput }>(`${API}/cameras`, async (request, reply) => {
    const camera = await kernel.devices.add(request.body);
    await record(request, 'camera.create', camera.id);
    return reply.status(201).send(redactCamera(camera));
  });

  app.patch<{ Params: { id: string }; Body: unknown }>(`${API}/cameras/:id`, { schema: { params: ID_PARAMS } }, async (request): Promise<RedactedCamera> => {
    const camera = await kernel.devices.update(request.params.id, patchFromJson(request.body));
    await record(request, 'camera.update', camera.id);
    return redactCamera(camera);
  });

  app.delete<{ Params: { id: string } }>(`${API}/cameras/:id`, { schema: { params: ID_PARAMS } }, async (request, reply) => {
    await kernel.devices.remove(request.params.id);
    await record(request, 'camera.delete', request.params.id);
    return reply.status(204).send();
  });

  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));
  }

  app.post<{ Body: unknown }>(`${API}/cameras/import`, { bodyLimit: IMPORT_BODY_LIMIT }, async (request): Promise<ImportResult> => {
    if (typeof request.body !== 'string') throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'send the census as Content-Type: text/csv' });
    const result = await importCameras(kernel.devices, request.body);
    await record(request, 'camera.import', undefined, { created: result.created, updated: result.updated, failed: result.failed });
    return result;
  });

  app.get<{ Querystring: { format?: 'json' | 'csv' } }>(
    `${API}/reports/census`,
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'csv'] } } } } },
    async (request, reply): Promise<CameraCensus | string> => {
      const census = cameraCensus(kernel.devices.list().filter((camera) => visible(request, camera)));
      if (request.query.format !== 'csv') return census;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="census.csv"').send(censusToCsv(census));
    },
  );
}
