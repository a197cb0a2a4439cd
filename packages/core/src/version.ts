/** Version of this `@argus/core`; plugins declare the core range they support against it. */
export const CORE_VERSION = '0.1.0';
