import type { Camera, CameraConnection } from './camera-schema.js';

/** A camera without its connection password: what events, change feeds and API answers carry. */
export type RedactedCamera = Omit<Camera, 'connection'> & { readonly connection: Omit<CameraConnection, 'password'> };

/**
 * Returns a copy of the camera without `connection.password`, for anything that leaves the registry for other
 * eyes (events, `changes$`, API answers, logs).
 *
 * @example
 * ```ts
 * reply.send(redactCamera(registry.get(id)));
 * ```
 */
export function redactCamera(camera: Camera): RedactedCamera {
  const { password: _password, ...connection } = camera.connection;
  return { ...camera, connection };
}
