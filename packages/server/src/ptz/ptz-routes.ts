import { ArgusError, isTransient, resolveCameraSettings, type Camera, type Kernel, type PtzCapability } from '@argus/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { RequestAccess } from '../access/request-access.js';
import { cameraFor as accessibleCamera } from '../access/request-access.js';
import { PtzArbiter, type PtzGrant } from './ptz-arbiter.js';

const API = '/api/v1';
const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const CAMERA_PARAMS = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const PRESET_PARAMS = { type: 'object', required: ['id', 'preset'], properties: { id: ID, preset: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const UNIT = { type: 'number', minimum: -1, maximum: 1 } as const;

/** Options of {@link registerPtzRoutes}. */
export interface PtzRoutesOptions {
  /** Every PTZ command, take-over and refusal is recorded here. */
  readonly audit?: AuditLog;
}

/** PTZ priority of a user on a camera: administrators outrank holders of `ptz.priority`, who outrank operators. */
export function ptzPriority(access: RequestAccess, camera: Pick<Camera, 'id' | 'agency' | 'groups'>): number {
  if (access.can('admin')) return 100;
  return access.can('ptz.priority', camera) ? 50 : 10;
}

/**
 * PTZ routes: `GET /api/v1/cameras/:id/ptz` (features and who is in control), `POST .../ptz/move` (continuous move,
 * velocities -1..1, optional `timeoutMs`), `.../ptz/stop`, `.../ptz/home`, `.../ptz/release`, `GET|POST
 * .../ptz/presets`, `POST .../ptz/presets/:preset/goto`, `DELETE .../ptz/presets/:preset`.
 *
 * Control is arbitrated per camera by {@link PtzArbiter}: a user of higher priority takes over at once, one of equal
 * priority is refused with `ARGUS_ERR_PTZ_BUSY` (409) until the holder has been idle for the camera's
 * `ptz.idleReleaseSeconds` (default 30; set in config defaults, groups or per camera). Every command is
 * audited, with the user it took control from. A camera the user may not see is 404, one without PTZ 501.
 */
export async function registerPtzRoutes(app: FastifyInstance, kernel: Kernel, options: PtzRoutesOptions = {}): Promise<PtzArbiter> {
  const arbiter = new PtzArbiter({ clock: kernel.clock });
  const idleMsOf = (camera: Camera): number => resolveCameraSettings(kernel.config.current, camera.id, camera.groups).ptz.idleReleaseSeconds * 1000;
  const { audit } = options;

  const cameraFor = (request: FastifyRequest, id: string): Camera => accessibleCamera(request, kernel, id, 'ptz');
  const ptzOf = async (camera: Camera): Promise<PtzCapability> => {
    const session = await kernel.sessions.get(camera.id);
    const ptz = session.capability('ptz');
    if (ptz === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', { capability: 'ptz', camera: camera.id });
    return ptz;
  };
  /** Runs one device command for the user in control, audits it, and drops a session the device broke. */
  const command = async <T>(request: FastifyRequest, camera: Camera, action: string, details: Record<string, unknown>, run: (ptz: PtzCapability) => Promise<T>): Promise<T> => {
    const user = request.auth!.user;
    const ptz = await ptzOf(camera);
    let grant: PtzGrant;
    try {
      grant = arbiter.acquire(camera.id, user.username, ptzPriority(request.access!, camera), idleMsOf(camera));
    } catch (err) {
      await audit?.append({ actor: user.username, action, target: camera.id, outcome: 'failure', details: { ...details, code: 'ARGUS_ERR_PTZ_BUSY', holder: arbiter.holder(camera.id)?.user } });
      throw err;
    }
    const preempted = grant.preempted === undefined ? {} : { tookOverFrom: grant.preempted.user, reason: grant.reason };
    try {
      const result = await run(ptz);
      await audit?.append({ actor: user.username, action, target: camera.id, outcome: 'success', details: { ...details, ...preempted } });
      return result;
    } catch (err) {
      if (isTransient(err)) kernel.sessions.invalidate(camera.id);
      await audit?.append({ actor: user.username, action, target: camera.id, outcome: 'failure', details: { ...details, ...preempted, code: (err as { code?: string }).code } });
      throw err;
    }
  };

  app.get<{ Params: { id: string } }>(`${API}/cameras/:id/ptz`, { schema: { params: CAMERA_PARAMS } }, async (request) => {
    const camera = cameraFor(request, request.params.id);
    const ptz = await ptzOf(camera);
    const holder = arbiter.holder(camera.id);
    return {
      camera: camera.id,
      features: ptz.ptzFeatures,
      idleSeconds: idleMsOf(camera) / 1000,
      yourPriority: ptzPriority(request.access!, camera),
      holder: holder === undefined ? null : { user: holder.user, priority: holder.priority, freeAt: new Date(holder.freeAt).toISOString() },
    };
  });

  app.post<{ Params: { id: string }; Body: { pan: number; tilt: number; zoom?: number; timeoutMs?: number } }>(
    `${API}/cameras/:id/ptz/move`,
    {
      schema: {
        params: CAMERA_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['pan', 'tilt'],
          properties: { pan: UNIT, tilt: UNIT, zoom: UNIT, timeoutMs: { type: 'integer', minimum: 100, maximum: 60_000 } },
        },
      },
    },
    async (request, reply) => {
      const camera = cameraFor(request, request.params.id);
      const { pan, tilt, zoom = 0, timeoutMs } = request.body;
      await command(request, camera, 'ptz.move', { pan, tilt, zoom, timeoutMs }, (ptz) => ptz.continuousMove({ pan, tilt, zoom }, timeoutMs));
      return reply.status(204).send();
    },
  );

  for (const [path, action, run] of [
    ['stop', 'ptz.stop', (ptz: PtzCapability) => ptz.stop()],
    ['home', 'ptz.home', (ptz: PtzCapability) => ptz.gotoHome()],
  ] as const) {
    app.post<{ Params: { id: string } }>(`${API}/cameras/:id/ptz/${path}`, { schema: { params: CAMERA_PARAMS } }, async (request, reply) => {
      const camera = cameraFor(request, request.params.id);
      await command(request, camera, action, {}, run);
      return reply.status(204).send();
    });
  }

  app.post<{ Params: { id: string } }>(`${API}/cameras/:id/ptz/release`, { schema: { params: CAMERA_PARAMS } }, async (request) => {
    const camera = cameraFor(request, request.params.id);
    const released = arbiter.release(camera.id, request.auth!.user.username);
    if (released) await audit?.append({ actor: request.auth!.user.username, action: 'ptz.release', target: camera.id, outcome: 'success', details: {} });
    return { released };
  });

  app.get<{ Params: { id: string } }>(`${API}/cameras/:id/ptz/presets`, { schema: { params: CAMERA_PARAMS } }, async (request) => {
    const camera = cameraFor(request, request.params.id);
    return { presets: await (await ptzOf(camera)).getPresets() };
  });

  app.post<{ Params: { id: string }; Body: { name?: string; id?: string } }>(
    `${API}/cameras/:id/ptz/presets`,
    {
      schema: {
        params: CAMERA_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const camera = cameraFor(request, request.params.id);
      const { name, id } = request.body ?? {};
      const preset = await command(request, camera, 'ptz.preset.set', { name, id }, (ptz) => ptz.setPreset(name, id));
      return reply.status(201).send({ id: preset, ...(name === undefined ? {} : { name }) });
    },
  );

  app.post<{ Params: { id: string; preset: string } }>(`${API}/cameras/:id/ptz/presets/:preset/goto`, { schema: { params: PRESET_PARAMS } }, async (request, reply) => {
    const camera = cameraFor(request, request.params.id);
    await command(request, camera, 'ptz.preset.goto', { preset: request.params.preset }, (ptz) => ptz.gotoPreset(request.params.preset));
    return reply.status(204).send();
  });

  app.delete<{ Params: { id: string; preset: string } }>(`${API}/cameras/:id/ptz/presets/:preset`, { schema: { params: PRESET_PARAMS } }, async (request, reply) => {
    const camera = cameraFor(request, request.params.id);
    await command(request, camera, 'ptz.preset.remove', { preset: request.params.preset }, (ptz) => ptz.removePreset(request.params.preset));
    return reply.status(204).send();
  });

  return arbiter;
}
