import { defineErrors } from '../definition.js';

/** Errors of data kept at rest: the server's secret key file and the secrets sealed with it. */
export const DATA_ERRORS = defineErrors({
  ARGUS_ERR_DATA_KEY_INSECURE: {
    message: 'The key file {path} is open to group or others (mode {mode}): restrict it with chmod 600',
    status: 500,
  },
  ARGUS_ERR_DATA_KEY_INVALID: { message: 'The key file {path} is not usable: {reason}', status: 500 },
  ARGUS_ERR_DATA_SECRET_UNREADABLE: { message: 'A sealed secret cannot be opened: {reason}', status: 500 },
});
