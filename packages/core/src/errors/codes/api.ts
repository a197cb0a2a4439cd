import { defineErrors } from '../definition.js';

/** Errors of the HTTP API of the reference server. */
export const API_ERRORS = defineErrors({
  ARGUS_ERR_API_INVALID_REQUEST: { message: 'Invalid request: {reason}', status: 400 },
  ARGUS_ERR_API_UNAUTHORIZED: { message: 'Authentication is required', status: 401 },
  ARGUS_ERR_API_FORBIDDEN: { message: 'Not allowed to {action}', status: 403 },
  ARGUS_ERR_API_NOT_FOUND: { message: 'No route {method} {url}', status: 404 },
  ARGUS_ERR_API_INTERNAL: { message: 'Internal error (reference {reference})', status: 500 },
});
