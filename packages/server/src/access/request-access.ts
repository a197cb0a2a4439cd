import { ArgusError, type Camera, type Kernel } from '@argus/core';
import type { FastifyRequest } from 'fastify';
import type { UserView } from '../auth/auth-service.js';
import type { AccessPolicy, Feature } from './access-policy.js';

/** What the caller of a request may do: the access policy bound to the session's user. */
export interface RequestAccess {
  /** Whether the user may use `feature` (on `camera`, for camera features). */
  can(feature: Feature, camera?: Pick<Camera, 'id' | 'agency' | 'groups'>): boolean;
  /** Whether the user sees `camera` at all (some camera feature on it). */
  sees(camera: Pick<Camera, 'id' | 'agency' | 'groups'>): boolean;
  /** Throws `ARGUS_ERR_API_FORBIDDEN` unless the user may use the global `feature`. */
  require(feature: Feature, action: string): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's permissions on `/api/v1/*` routes (set by the authentication hook with `auth`). */
    access: RequestAccess | null;
  }
}

/** The policy bound to one user, for one request. */
export function bindAccess(policy: AccessPolicy, user: Pick<UserView, 'agency' | 'roles'>): RequestAccess {
  let visible: ((camera: Pick<Camera, 'id' | 'agency' | 'groups'>) => boolean) | undefined;
  return {
    can: (feature, camera) => policy.can(user, feature, camera),
    sees: (camera) => (visible ??= policy.visibility(user))(camera),
    require: (feature, action) => {
      if (!policy.can(user, feature)) throw new ArgusError('ARGUS_ERR_API_FORBIDDEN', { action });
    },
  };
}

/**
 * The camera `id` for a camera route: 404 `ARGUS_ERR_DEVICE_NOT_FOUND` when it does not exist or the user does not
 * see it (the same answer, so other agencies' cameras cannot be discovered), 403 `ARGUS_ERR_API_FORBIDDEN` when the
 * user sees it but lacks `feature` on it.
 */
export function cameraFor(request: FastifyRequest, kernel: Kernel, id: string, feature?: Feature): Camera {
  const camera = kernel.devices.tryGet(id);
  const access = request.access!;
  if (camera === undefined || !access.sees(camera)) throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id });
  if (feature !== undefined && !access.can(feature, camera)) throw new ArgusError('ARGUS_ERR_API_FORBIDDEN', { action: `use ${feature} on camera ${id}` });
  return camera;
}
