import { API_ERRORS } from './codes/api.js';
import { AUTH_ERRORS } from './codes/auth.js';
import { CORE_ERRORS } from './codes/core.js';
import { DATA_ERRORS } from './codes/data.js';
import { DEVICE_ERRORS } from './codes/device.js';
import { DRIVER_ERRORS } from './codes/driver.js';
import { MEDIA_ERRORS } from './codes/media.js';
import { PLUGIN_ERRORS } from './codes/plugin.js';
import { STORAGE_ERRORS } from './codes/storage.js';
import { STREAM_ERRORS } from './codes/stream.js';
import type { ErrorDefinition } from './definition.js';

/**
 * The registry of every stable error code, `ARGUS_ERR_<AREA>_<WHAT>`, with its message template and HTTP status.
 *
 * `docs/errors.md` is generated from this table (`npm run docs:errors`) and a test keeps the two in step.
 */
export const ERROR_CODES = Object.freeze({
  ...CORE_ERRORS,
  ...PLUGIN_ERRORS,
  ...DRIVER_ERRORS,
  ...DEVICE_ERRORS,
  ...STREAM_ERRORS,
  ...API_ERRORS,
  ...MEDIA_ERRORS,
  ...AUTH_ERRORS,
  ...DATA_ERRORS,
  ...STORAGE_ERRORS,
});

/** Every stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Looks a code up; `undefined` for a string that is not a registered code. */
export function errorDefinition(code: string): ErrorDefinition | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
}
