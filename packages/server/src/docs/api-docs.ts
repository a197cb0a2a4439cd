import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { CORE_VERSION } from '@argus/core';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** Where the interactive API documentation is served; the OpenAPI document is at `${API_DOCS_PREFIX}/json`. */
export const API_DOCS_PREFIX = '/api/docs';

// The only /api/v1 route that needs no session (see the auth hook).
const OPEN_ROUTES = new Set(['/api/v1/auth/login']);

/**
 * Registers the OpenAPI 3 document and Swagger UI at {@link API_DOCS_PREFIX}. Call it BEFORE any route is
 * registered: `@fastify/swagger` collects route schemas as routes are added, so earlier routes are missing.
 * The docs are public: they hold schemas only, and sit outside `/api/v1`, so the auth hook lets them through.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await registerApiDocs(app);
 * await registerCameraRoutes(app, kernel);
 * // GET /api/docs (HTML), GET /api/docs/json (OpenAPI)
 * ```
 */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Argus API',
        version: CORE_VERSION,
        description: 'Argus video management system. Log in with `POST /api/v1/auth/login`, then send `Authorization: Bearer <token>`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    // Per route rather than global, so the login route is documented as open.
    transform: ({ schema, url }) => {
      const secured = url.startsWith('/api/v1/') && !OPEN_ROUTES.has(url);
      const base: FastifySchema = schema ?? {};
      return { url, schema: secured ? { ...base, security: [{ bearerAuth: [] }] } : base };
    },
  });
  await app.register(swaggerUi, { routePrefix: API_DOCS_PREFIX });
}
