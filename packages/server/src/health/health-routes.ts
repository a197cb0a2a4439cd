import type { Camera, Kernel } from '@argus/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cameraFor } from '../access/request-access.js';
import { HealthMonitor, kernelHealthSources, type CameraHealth } from './health-monitor.js';

const API = '/api/v1';
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] } as const;
const NULLABLE_NUMBER = { type: ['number', 'null'] } as const;
const CAMERA_HEALTH = {
  type: 'object',
  required: ['id', 'status', 'fps', 'bitrateKbps', 'lastFrameAt', 'recording', 'availability24h', 'availability7d'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['online', 'offline', 'unknown'] },
    fps: { type: 'number' },
    bitrateKbps: { type: 'number' },
    lastFrameAt: { type: ['string', 'null'], format: 'date-time' },
    recording: { type: 'string', enum: ['recording', 'not-recording'] },
    availability24h: NULLABLE_NUMBER,
    availability7d: NULLABLE_NUMBER,
  },
} as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const SUMMARY = {
  type: 'object',
  required: ['cameras', 'plugins', 'streams', 'uptimeSeconds'],
  properties: {
    cameras: { type: 'object', required: ['total', 'online', 'offline', 'unknown'], properties: { total: COUNT, online: COUNT, offline: COUNT, unknown: COUNT } },
    plugins: {
      type: 'object',
      required: ['total', 'running', 'failed'],
      properties: { total: COUNT, running: COUNT, failed: { type: 'array', items: { type: 'string' } } },
    },
    streams: { type: 'object', required: ['total', 'live', 'consumers'], properties: { total: COUNT, live: COUNT, consumers: COUNT } },
    uptimeSeconds: COUNT,
  },
} as const;

/** Body of `GET /api/v1/health/cameras`. */
export interface CameraHealthPage {
  items: CameraHealth[];
}

/** Body of `GET /api/v1/health/summary`, counted over the cameras the caller may see. */
export interface HealthSummary {
  cameras: { total: number; online: number; offline: number; unknown: number };
  plugins: { total: number; running: number; failed: string[] };
  /** Stream hubs of the caller's cameras: how many exist, how many are live, and their consumers. */
  streams: { total: number; live: number; consumers: number };
  uptimeSeconds: number;
}

// Same rule as the camera routes: a camera the user has no feature on is invisible, answered 404 like a missing one.
function visible(request: FastifyRequest, camera: Camera): boolean {
  return request.access!.sees(camera);
}

/**
 * Health routes: `GET /api/v1/health/cameras`, `GET /api/v1/cameras/:id/health` and `GET /api/v1/health/summary`,
 * scoped to the caller's agency unless they are an admin. Answers come from the monitor's last sample; without a
 * monitor, one on the kernel is made but not started (the caller owns sampling).
 */
export async function registerHealthRoutes(
  app: FastifyInstance,
  kernel: Kernel,
  monitor: HealthMonitor = new HealthMonitor({ sources: kernelHealthSources(kernel), clock: kernel.clock }),
): Promise<void> {
  const startedAt = kernel.clock.now();
  const sorted = (request: FastifyRequest) =>
    kernel.devices
      .list()
      .filter((camera) => visible(request, camera))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  app.get(
    `${API}/health/cameras`,
    { schema: { tags: ['health'], response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: CAMERA_HEALTH } } } } } },
    async (request): Promise<CameraHealthPage> => ({ items: sorted(request).map((camera) => monitor.camera(camera.id)) }),
  );

  app.get<{ Params: { id: string } }>(
    `${API}/cameras/:id/health`,
    { schema: { tags: ['health'], params: ID_PARAMS, response: { 200: CAMERA_HEALTH } } },
    async (request): Promise<CameraHealth> => {
      const camera = cameraFor(request, kernel, request.params.id);
      return monitor.camera(camera.id);
    },
  );

  app.get(`${API}/health/summary`, { schema: { tags: ['health'], response: { 200: SUMMARY } } }, async (request): Promise<HealthSummary> => {
    const cameras = { total: 0, online: 0, offline: 0, unknown: 0 };
    const ids = new Set<string>();
    for (const camera of sorted(request)) {
      ids.add(camera.id);
      cameras.total += 1;
      cameras[monitor.camera(camera.id).status] += 1;
    }
    const streams = { total: 0, live: 0, consumers: 0 };
    for (const stats of kernel.streams.stats()) {
      if (stats.cameraId === null || !ids.has(stats.cameraId)) continue;
      streams.total += 1;
      if (stats.state === 'live') streams.live += 1;
      streams.consumers += stats.consumers;
    }
    const states = kernel.plugins.states();
    return {
      cameras,
      plugins: {
        total: states.length,
        running: states.filter((s) => s.state === 'running').length,
        failed: states.filter((s) => s.state === 'failed').map((s) => s.name),
      },
      streams,
      uptimeSeconds: Math.round((kernel.clock.now() - startedAt) / 1000),
    };
  });
}
