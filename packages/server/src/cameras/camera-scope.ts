import type { Camera } from '@argus/core';
import { ADMIN_ROLE, type UserView } from '../auth/auth-service.js';

/**
 * Whether a user may see a camera: an admin sees every camera, anyone else only their agency's. The one rule that
 * every camera route (list, detail, health, live) applies; answering 404 for a camera outside it, like for one that
 * does not exist, is the routes' job.
 */
export function canSeeCamera(user: Pick<UserView, 'roles' | 'agency'>, camera: Pick<Camera, 'agency'>): boolean {
  return user.roles.includes(ADMIN_ROLE) || camera.agency === user.agency;
}
