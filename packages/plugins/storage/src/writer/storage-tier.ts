/**
 * A place where segment files live: a name the catalogue records (`fast`, `archive`...) and the folder it stands
 * for on this machine. Files are catalogued relative to the root, so a tier can be remounted elsewhere.
 *
 * @example
 * ```ts
 * const fast: StorageTier = { name: 'fast', root: '/var/lib/argus/recordings' };
 * ```
 */
export interface StorageTier {
  readonly name: string;
  /** Absolute folder of the tier. */
  readonly root: string;
}
