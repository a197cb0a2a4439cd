import { defineErrors } from '../definition.js';

/** Errors of the core's general services: configuration, events, DI. */
export const CORE_ERRORS = defineErrors({
  ARGUS_ERR_CONFIG_INVALID: { message: 'Invalid configuration at {path}: {reason}', status: 400 },
  ARGUS_ERR_CONFIG_UNKNOWN_GROUP: { message: 'Camera group "{group}" is not defined', status: 400 },
  ARGUS_ERR_DI_UNRESOLVED: { message: 'No provider registered for token {token}', status: 500 },
  ARGUS_ERR_DI_DISPOSED: { message: 'Container "{scope}" has been disposed', status: 500 },
});
