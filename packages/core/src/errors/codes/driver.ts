import { defineErrors } from '../definition.js';

/** Errors of drivers, the driver registry and device sessions. */
export const DRIVER_ERRORS = defineErrors({
  ARGUS_ERR_DRIVER_DUPLICATE: { message: 'Driver "{driver}" is already registered', status: 409 },
  ARGUS_ERR_DRIVER_NOT_FOUND: { message: 'No driver "{driver}" is registered', status: 404 },
  ARGUS_ERR_DRIVER_NO_MATCH: { message: 'No driver recognised the device at {endpoint}', status: 422 },
  ARGUS_ERR_DRIVER_AUTH: { message: 'The device at {endpoint} rejected the credentials', status: 401 },
  ARGUS_ERR_DRIVER_UNREACHABLE: {
    message: 'The device at {endpoint} is unreachable: {reason}',
    status: 504,
    transient: true,
  },
  ARGUS_ERR_DRIVER_TIMEOUT: {
    message: 'The device at {endpoint} did not answer in time',
    status: 504,
    transient: true,
  },
  ARGUS_ERR_DRIVER_PROTOCOL: { message: 'The device at {endpoint} sent a malformed reply: {reason}', status: 502 },
  ARGUS_ERR_DRIVER_REQUEST_FAILED: {
    message: 'The device at {endpoint} answered {method} {path} with {status}',
    status: 502,
  },
  ARGUS_ERR_DRIVER_CONFIG_INVALID: {
    message: 'Invalid connection settings for driver "{driver}": {reason}',
    status: 400,
  },
  ARGUS_ERR_DRIVER_UNSUPPORTED: {
    message: 'The device does not support the "{capability}" capability',
    status: 501,
  },
});
