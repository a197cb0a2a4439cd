import { defineErrors } from '../definition.js';

/** Errors of the platform's own accounts (login, sessions, API tokens, password rules), its data store and its audit log. */
export const AUTH_ERRORS = defineErrors({
  ARGUS_ERR_AUTH_INVALID_CREDENTIALS: { message: 'Invalid username or password', status: 401 },
  ARGUS_ERR_AUTH_ACCOUNT_LOCKED: { message: 'Too many failed logins: try again in {retryAfterSeconds} s', status: 423 },
  ARGUS_ERR_AUTH_RATE_LIMITED: { message: 'Too many requests: try again in {retryAfterSeconds} s', status: 429, transient: true },
  ARGUS_ERR_AUTH_PASSWORD_CHANGE_REQUIRED: { message: 'The password must be changed before anything else (POST /api/v1/auth/password)', status: 403 },
  ARGUS_ERR_AUTH_PASSWORD_TOO_SHORT: { message: 'The password must have at least {minLength} characters', status: 400 },
  ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE: { message: 'The password must mix at least 3 of: lower case, upper case, digits, other characters', status: 400 },
  ARGUS_ERR_AUTH_PASSWORD_REUSED: { message: 'The new password must differ from the current one', status: 400 },
  ARGUS_ERR_AUTH_CURRENT_PASSWORD_WRONG: { message: 'The current password is wrong', status: 403 },
  ARGUS_ERR_AUTH_USER_NOT_FOUND: { message: 'User "{username}" does not exist', status: 404 },
  ARGUS_ERR_AUTH_USER_EXISTS: { message: 'User "{username}" already exists', status: 409 },
  ARGUS_ERR_AUTH_ROLE_NOT_FOUND: { message: 'Role "{id}" does not exist', status: 404 },
  ARGUS_ERR_AUTH_ROLE_EXISTS: { message: 'Role "{id}" already exists', status: 409 },
  ARGUS_ERR_AUTH_ROLE_BUILT_IN: { message: 'Role "{id}" is built in and cannot be changed or deleted', status: 409 },
  ARGUS_ERR_AUTH_ROLE_IN_USE: { message: 'Role "{id}" is given to {users} user(s); take it from them first', status: 409 },
  ARGUS_ERR_AUTH_AGENCY_NOT_FOUND: { message: 'Agency "{id}" does not exist', status: 404 },
  ARGUS_ERR_AUTH_AGENCY_EXISTS: { message: 'Agency "{id}" already exists', status: 409 },
  ARGUS_ERR_AUTH_AGENCY_IN_USE: { message: 'Agency "{id}" still has {users} user(s) and {cameras} camera(s)', status: 409 },
  ARGUS_ERR_AUTH_TOKEN_LIMIT: { message: 'At most {max} API tokens per user: revoke one first', status: 409 },
  ARGUS_ERR_AUTH_TOKEN_NOT_FOUND: { message: 'API token "{id}" does not exist', status: 404 },
  ARGUS_ERR_AUTH_LAST_ADMIN: { message: 'The last administrator cannot be removed or demoted', status: 409 },
  ARGUS_ERR_DATA_LOCKED: { message: 'The database in {dir} is in use by another process (is the server running?)', status: 503 },
  ARGUS_ERR_AUDIT_TAMPERED: { message: 'The audit log was tampered with at entry {seq} ({reason})', status: 500 },
});
