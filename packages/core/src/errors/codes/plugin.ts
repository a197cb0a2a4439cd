import { defineErrors } from '../definition.js';

/** Errors raised by the plugin host. */
export const PLUGIN_ERRORS = defineErrors({
  ARGUS_ERR_PLUGIN_INVALID_MANIFEST: { message: 'Plugin manifest is invalid: {reason}', status: 500 },
  ARGUS_ERR_PLUGIN_DUPLICATE: { message: 'Plugin "{plugin}" is already registered', status: 409 },
  ARGUS_ERR_PLUGIN_CORE_RANGE: {
    message: 'Plugin "{plugin}" supports core {range} but this core is {version}',
    status: 500,
  },
  ARGUS_ERR_PLUGIN_DEPENDENCY_MISSING: {
    message: 'Plugin "{plugin}" depends on "{dependency}", which is not registered',
    status: 500,
  },
  ARGUS_ERR_PLUGIN_DEPENDENCY_RANGE: {
    message: 'Plugin "{plugin}" needs "{dependency}" {range} but {version} is registered',
    status: 500,
  },
  ARGUS_ERR_PLUGIN_DEPENDENCY_CYCLE: { message: 'Plugin dependency cycle: {cycle}', status: 500 },
  ARGUS_ERR_PLUGIN_START_FAILED: {
    message: 'Plugin "{plugin}" failed to start after {attempts} attempt(s)',
    status: 503,
    transient: true,
  },
  ARGUS_ERR_PLUGIN_STATE: { message: 'Cannot {action} while the plugin host is {state}', status: 409 },
  ARGUS_ERR_PLUGIN_REGISTER_FAILED: { message: 'Plugin "{plugin}" failed to register: {reason}', status: 500 },
  ARGUS_ERR_PLUGIN_DEPENDENCY_FAILED: {
    message: 'Plugin "{plugin}" was not started because its dependency "{dependency}" failed',
    status: 503,
  },
  ARGUS_ERR_PLUGIN_PROVIDE_CONFLICT: {
    message: 'Plugin "{plugin}" cannot provide {token}: it is already registered by {owner}',
    status: 500,
  },
});
