import type { Kernel } from '@argus/core';
import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import { FEATURES, type AccessRule } from './access-policy.js';
import type { AgencyStore } from './agency-store.js';
import type { RoleStore } from './role-store.js';

const API = '/api/v1';
const SLUG = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } as const;
const AGENCY_ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;
const TEXT = { type: 'string', maxLength: 1000 } as const;
const IDS = (max: number) => ({ type: 'array', minItems: 1, maxItems: max, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } }) as const;
const SCOPE = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['all'], properties: { all: { const: true } } },
    { type: 'object', additionalProperties: false, required: ['ownAgency'], properties: { ownAgency: { const: true } } },
    { type: 'object', additionalProperties: false, required: ['agencies'], properties: { agencies: IDS(256) } },
    { type: 'object', additionalProperties: false, required: ['groups'], properties: { groups: IDS(256) } },
    { type: 'object', additionalProperties: false, required: ['cameras'], properties: { cameras: IDS(10_000) } },
  ],
} as const;
const RULE = {
  type: 'object',
  additionalProperties: false,
  required: ['effect', 'features', 'scope'],
  properties: {
    effect: { type: 'string', enum: ['allow', 'deny'] },
    features: { type: 'array', minItems: 1, maxItems: FEATURES.length, uniqueItems: true, items: { type: 'string', enum: [...FEATURES] } },
    scope: SCOPE,
  },
} as const;
const ROLE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'rules'],
  properties: { name: NAME, description: TEXT, rules: { type: 'array', minItems: 1, maxItems: 64, items: RULE } },
} as const;

/** Options of {@link registerAccessRoutes}. */
export interface AccessRoutesOptions {
  readonly roles: RoleStore;
  readonly agencies: AgencyStore;
  readonly auth: AuthService;
}

/**
 * Roles and agencies, administrators only (`admin` feature; checked in the authentication hook):
 * `GET|POST /api/v1/roles`, `GET|PUT|DELETE /api/v1/roles/:id` (built-in roles are read-only; a role in use cannot be
 * deleted) and `GET|POST /api/v1/agencies`, `GET|PATCH|DELETE /api/v1/agencies/:id` (an agency still named by a user
 * or camera cannot be deleted). Bodies are validated by schema; every change is audited by the stores.
 */
export async function registerAccessRoutes(app: FastifyInstance, kernel: Kernel, options: AccessRoutesOptions): Promise<void> {
  const { roles, agencies, auth } = options;
  const actor = (request: { auth: { user: { username: string } } | null }) => request.auth!.user.username;

  app.get(`${API}/roles`, async () => ({ roles: roles.list() }));
  app.get<{ Params: { id: string } }>(`${API}/roles/:id`, { schema: { params: { type: 'object', required: ['id'], properties: { id: SLUG } } } }, async (request) =>
    roles.get(request.params.id),
  );
  app.post<{ Body: { id: string; name: string; description?: string; rules: AccessRule[] } }>(
    `${API}/roles`,
    { schema: { body: { ...ROLE_BODY, required: ['id', ...ROLE_BODY.required], properties: { id: SLUG, ...ROLE_BODY.properties } } } },
    async (request, reply) => reply.status(201).send(await roles.create(actor(request), request.body)),
  );
  app.put<{ Params: { id: string }; Body: { name: string; description?: string; rules: AccessRule[] } }>(
    `${API}/roles/:id`,
    { schema: { params: { type: 'object', required: ['id'], properties: { id: SLUG } }, body: ROLE_BODY } },
    async (request) => roles.replace(actor(request), { ...request.body, id: request.params.id }),
  );
  app.delete<{ Params: { id: string } }>(`${API}/roles/:id`, { schema: { params: { type: 'object', required: ['id'], properties: { id: SLUG } } } }, async (request, reply) => {
    await roles.delete(actor(request), request.params.id, async (id) => (await auth.listUsers()).filter((user) => user.roles.includes(id)).length);
    return reply.status(204).send();
  });

  const AGENCY_PARAMS = { type: 'object', required: ['id'], properties: { id: AGENCY_ID } } as const;
  app.get(`${API}/agencies`, async () => ({ agencies: await agencies.list() }));
  app.get<{ Params: { id: string } }>(`${API}/agencies/:id`, { schema: { params: AGENCY_PARAMS } }, async (request) => agencies.get(request.params.id));
  app.post<{ Body: { id: string; name: string; description?: string; contact?: string } }>(
    `${API}/agencies`,
    {
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['id', 'name'], properties: { id: AGENCY_ID, name: NAME, description: TEXT, contact: { type: 'string', maxLength: 256 } } },
      },
    },
    async (request, reply) => reply.status(201).send(await agencies.create(actor(request), request.body)),
  );
  app.patch<{ Params: { id: string }; Body: { name?: string; description?: string; contact?: string } }>(
    `${API}/agencies/:id`,
    {
      schema: {
        params: AGENCY_PARAMS,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: NAME, description: TEXT, contact: { type: 'string', maxLength: 256 } } },
      },
    },
    async (request) => agencies.update(actor(request), request.params.id, request.body),
  );
  app.delete<{ Params: { id: string } }>(`${API}/agencies/:id`, { schema: { params: AGENCY_PARAMS } }, async (request, reply) => {
    await agencies.delete(actor(request), request.params.id, async (id) => ({
      users: (await auth.listUsers()).filter((user) => user.agency === id).length,
      cameras: kernel.devices.list({ agency: id }).length,
    }));
    return reply.status(204).send();
  });
}
