/**
 * One entry of the error registry: a message template and the HTTP status an API answers with.
 *
 * Placeholders in `message` are written `{name}` and filled from the error's `details`.
 */
export interface ErrorDefinition {
  /** Message template; `{key}` is replaced by `details.key`. Messages may change between versions, codes never. */
  readonly message: string;
  /** HTTP status a server returns for this error. */
  readonly status: number;
  /** True when retrying the same operation later may succeed (drives {@link isTransient}). */
  readonly transient?: boolean;
}

/** Helper that keeps each area's table typed while preserving its literal keys. */
export function defineErrors<const T extends Record<`ARGUS_ERR_${string}`, ErrorDefinition>>(table: T): T {
  return table;
}
