import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ArgusError, CORE_VERSION, hasErrorCode, type Kernel } from '@argus/core';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerAccessRoutes } from './access/access-routes.js';
import { registerAuthRoutes, type AuthRoutesOptions } from './auth/auth-routes.js';
import { registerCameraRoutes } from './cameras/camera-routes.js';
import { registerApiDocs } from './docs/api-docs.js';
import type { HealthMonitor } from './health/health-monitor.js';
import { registerHealthRoutes } from './health/health-routes.js';
import { registerLiveRoutes } from './live/live-routes.js';
import { registerLiveHlsRoutes } from './live/hls-routes.js';
import { registerWebRtcRoutes } from './live/webrtc-routes.js';
import { registerEventRoutes } from './events/event-routes.js';
import { registerPtzRoutes } from './ptz/ptz-routes.js';
import { registerRecordingRoutes } from './recordings/recording-routes.js';
import type { StorageService } from '@argus/plugin-storage';

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** The running core services. */
  kernel: Kernel;
  /**
   * When set, `GET /metrics` requires `Authorization: Bearer <token>`. Leave unset only where the port is
   * reachable by the monitoring network alone.
   */
  metricsToken?: string;
  /** Accounts, sessions and the audit log: every `/api/v1/*` route requires a session. */
  security: AuthRoutesOptions;
  /** Camera health sampler behind the `/api/v1/health` routes; default one the caller never starts (all `unknown`). */
  health?: HealthMonitor;
  /** The storage plugin's service behind the recording, playback, lock and export routes; none: no such routes. */
  storage?: StorageService;
}

/** Body of `GET /healthz`. */
export interface HealthzBody {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  plugins: { total: number; running: number; failed: string[] };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Builds the Fastify application of the reference server on a started {@link Kernel}.
 *
 * Every error leaves as `{ code, message }` with the status from the error registry; unexpected errors are logged
 * with a reference and answered `ARGUS_ERR_API_INTERNAL` without internals.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { kernel } = options;
  const startedAt = kernel.clock.now();
  // Unknown fields are errors, not silently dropped: a misspelt filter must not quietly return everything.
  const app = Fastify({ logger: false, trustProxy: false, ajv: { customOptions: { removeAdditional: false } } });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasErrorCode(error)) {
      const argus = error as unknown as ArgusError;
      return reply.status(argus.status ?? 500).send({ code: argus.code, message: argus.message });
    }
    if (error.validation !== undefined || (error.statusCode !== undefined && error.statusCode < 500)) {
      const status = error.statusCode ?? 400;
      const code = status === 404 ? 'ARGUS_ERR_API_NOT_FOUND' : 'ARGUS_ERR_API_INVALID_REQUEST';
      const err = new ArgusError(code, { reason: error.message, method: request.method, url: request.url });
      return reply.status(status).send({ code: err.code, message: err.message });
    }
    const reference = randomUUID();
    kernel.logger.error({ err: error, reference, method: request.method, url: request.routeOptions.url }, 'request failed');
    const err = new ArgusError('ARGUS_ERR_API_INTERNAL', { reference });
    return reply.status(500).send({ code: err.code, message: err.message });
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new ArgusError('ARGUS_ERR_API_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });
    return reply.status(404).send({ code: err.code, message: err.message });
  });

  // Before every route: the OpenAPI document collects route schemas as routes are added.
  await registerApiDocs(app);
  await registerAuthRoutes(app, { cameras: kernel.devices, ...options.security });
  await registerAccessRoutes(app, kernel, options.security);
  await registerCameraRoutes(app, kernel, options.security.audit);
  await registerHealthRoutes(app, kernel, options.health);
  await registerLiveRoutes(app, kernel, { audit: options.security.audit });
  await registerLiveHlsRoutes(app, kernel, { audit: options.security.audit });
  await registerWebRtcRoutes(app, kernel, { audit: options.security.audit });
  await registerEventRoutes(app, kernel);
  await registerPtzRoutes(app, kernel, { audit: options.security.audit });
  if (options.storage !== undefined) await registerRecordingRoutes(app, kernel, options.storage, { audit: options.security.audit });

  app.get('/healthz', async (): Promise<HealthzBody> => {
    const states = kernel.plugins.states();
    const failed = states.filter((s) => s.state === 'failed').map((s) => s.name);
    return {
      status: failed.length === 0 ? 'ok' : 'degraded',
      version: CORE_VERSION,
      uptimeSeconds: Math.round((kernel.clock.now() - startedAt) / 1000),
      plugins: { total: states.length, running: states.filter((s) => s.state === 'running').length, failed },
    };
  });

  app.get('/metrics', async (request, reply) => {
    if (options.metricsToken !== undefined) {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!sameSecret(token, options.metricsToken)) {
        const err = new ArgusError('ARGUS_ERR_API_UNAUTHORIZED');
        return reply.status(401).header('www-authenticate', 'Bearer').send({ code: err.code, message: err.message });
      }
    }
    const body = await kernel.metrics.render();
    return reply.type(kernel.metrics.contentType).send(body);
  });

  return app;
}
