import { ArgusError } from '@argus/core';

/** Shortest password accepted (Decision 724 baseline). */
export const PASSWORD_MIN_LENGTH = 8;

const CLASSES = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];

/**
 * Checks a new password against the platform's rules: at least {@link PASSWORD_MIN_LENGTH} characters and at least
 * 3 of the 4 classes lower case, upper case, digits, other characters.
 *
 * Throws `ARGUS_ERR_AUTH_PASSWORD_TOO_SHORT` or `ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE`.
 *
 * @example
 * ```ts
 * checkPasswordPolicy('Lotus-2026'); // passes
 * checkPasswordPolicy('lotuslotus'); // throws ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE
 * ```
 */
export function checkPasswordPolicy(password: string): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) throw new ArgusError('ARGUS_ERR_AUTH_PASSWORD_TOO_SHORT', { minLength: PASSWORD_MIN_LENGTH });
  if (CLASSES.filter((re) => re.test(password)).length < 3) throw new ArgusError('ARGUS_ERR_AUTH_PASSWORD_TOO_SIMPLE');
}
