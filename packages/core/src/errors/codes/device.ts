import { defineErrors } from '../definition.js';

/** Errors of the device (camera) registry. */
export const DEVICE_ERRORS = defineErrors({
  ARGUS_ERR_DEVICE_INVALID: { message: 'Invalid camera: {reason}', status: 400 },
  ARGUS_ERR_DEVICE_NOT_FOUND: { message: 'Camera "{id}" does not exist', status: 404 },
  ARGUS_ERR_DEVICE_DUPLICATE: { message: 'Camera "{id}" already exists', status: 409 },
  ARGUS_ERR_PTZ_BUSY: {
    message: 'PTZ of camera "{camera}" is held by {holder} (priority {priority}); it is free after {idleSeconds} s without commands',
    status: 409,
    transient: true,
  },
});
