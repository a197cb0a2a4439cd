import type { AnyArgusEvent, Kernel } from '@argus/core';
import type { FastifyInstance } from 'fastify';
import type { RequestAccess } from '../access/request-access.js';

const API = '/api/v1';

/** Options of {@link registerEventRoutes}. */
export interface EventRoutesOptions {
  /** Interval of the keep-alive comment that holds proxies and idle timers open; default 15 s. */
  readonly heartbeatMs?: number;
}

/**
 * Whether the caller may receive `event`: an event about a camera goes to those who see that camera (the camera as it
 * is now, or as the event describes it when it was removed); an event about no camera (plugins, drivers, config) goes
 * to administrators only.
 */
export function canSeeEvent(access: RequestAccess, event: AnyArgusEvent, kernel: Kernel): boolean {
  if (access.can('admin')) return true;
  if (event.cameraId === undefined) return false;
  const camera = kernel.devices.tryGet(event.cameraId) ?? (event.payload as { camera?: { id: string; agency: string; groups: string[] } }).camera;
  return camera !== undefined && access.sees(camera);
}

/**
 * `GET /api/v1/events`: the event bus as Server-Sent Events (`id` = the bus sequence, `event` = the type, `data` = the
 * JSON envelope), filtered to the caller's camera scope, optionally to `?types=a,b` and `?camera=id`. A comment line
 * every `heartbeatMs` keeps the connection open; closing it unsubscribes.
 */
export async function registerEventRoutes(app: FastifyInstance, kernel: Kernel, options: EventRoutesOptions = {}): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  app.get<{ Querystring: { types?: string; camera?: string } }>(
    `${API}/events`,
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            types: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*(,[A-Za-z][A-Za-z0-9]*)*$', maxLength: 1024 },
            camera: { type: 'string', minLength: 1, maxLength: 64 },
          },
        },
      },
    },
    (request, reply) => {
      const access = request.access!;
      const types = request.query.types === undefined ? undefined : new Set(request.query.types.split(','));
      const camera = request.query.camera;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(': argus events\n\n');
      const subscription = kernel.bus.events$.subscribe((event) => {
        if (types !== undefined && !types.has(event.type)) return;
        if (camera !== undefined && event.cameraId !== camera) return;
        if (!canSeeEvent(access, event, kernel)) return;
        raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
      const end = (): void => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
      };
      raw.on('close', end);
      raw.on('error', end);
    },
  );
}
