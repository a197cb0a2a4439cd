import { ArgusError, CAMERA_CATEGORIES, redactCamera, type Camera, type Kernel, type RedactedCamera } from '@argus/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN_ROLE } from '../auth/auth-service.js';

const API = '/api/v1';
const MAX_LIMIT = 500;

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

/** The cameras the caller may see: every camera for an admin, else those of the caller's agency. */
function visible(request: FastifyRequest, camera: Camera): boolean {
  const user = request.auth!.user;
  return user.roles.includes(ADMIN_ROLE) || camera.agency === user.agency;
}

function matches(camera: Camera, query: ListQuery): boolean {
  if (query.agency !== undefined && camera.agency !== query.agency) return false;
  if (query.category !== undefined && camera.category !== query.category) return false;
  if (query.district !== undefined && camera.location?.district !== query.district) return false;
  if (query.ward !== undefined && camera.location?.ward !== query.ward) return false;
  if (query.type !== undefined && camera.cameraType !== query.type) return false;
  if (query.ptz !== undefined && camera.ptz !== query.ptz) return false;
  if (query.q !== undefined) {
    const needle = query.q.toLowerCase();
    const haystack = [camera.id, camera.name, camera.location?.address, camera.externalId, ...camera.tags].join(' ').toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

/**
 * Camera inventory routes: `GET /api/v1/cameras` (filters, cursor paging by id) and `GET /api/v1/cameras/:id`.
 * Callers see only their agency's cameras unless they are admins; a camera of another agency is answered 404,
 * exactly like one that does not exist. Connection passwords are never returned.
 */
export async function registerCameraRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  app.get<{ Querystring: ListQuery }>(`${API}/cameras`, { schema: { querystring: listQuerySchema } }, async (request): Promise<CameraPage> => {
    const query = request.query;
    const limit = query.limit ?? 100;
    const items: RedactedCamera[] = [];
    let next: string | undefined;
    const sorted = kernel.devices.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const camera of sorted) {
      if (query.cursor !== undefined && camera.id <= query.cursor) continue;
      if (!visible(request, camera) || !matches(camera, query)) continue;
      if (items.length === limit) {
        next = items.at(-1)!.id;
        break;
      }
      items.push(redactCamera(camera));
    }
    return next === undefined ? { items } : { items, next };
  });

  app.get<{ Params: { id: string } }>(
    `${API}/cameras/:id`,
    { schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] } } },
    async (request): Promise<RedactedCamera> => {
      const camera = kernel.devices.tryGet(request.params.id);
      if (camera === undefined || !visible(request, camera)) throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id: request.params.id });
      return redactCamera(camera);
    },
  );
}
