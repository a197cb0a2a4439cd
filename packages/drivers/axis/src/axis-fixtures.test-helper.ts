import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `shared/fixtures/axis-vapix` folder, read in place: found by walking up from this file to the folder that
 * holds `shared/fixtures`. Undefined (with a message on stderr) when it is missing, so the tests that need it skip
 * visibly instead of passing.
 */
export const AXIS_FIXTURES: string | undefined = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', 'axis-vapix');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      process.stderr.write('[driver-axis] shared/fixtures/axis-vapix not found: skipping the fixture tests\n');
      return undefined;
    }
    dir = parent;
  }
})();

/** The text of a fixture file (`param-cgi/param_brand_response.txt`). */
export function fixture(path: string): string {
  if (AXIS_FIXTURES === undefined) throw new Error('axis-vapix fixtures are missing');
  return readFileSync(join(AXIS_FIXTURES, path), 'utf8');
}

/** File names of a fixture folder, sorted. */
export function fixtureNames(folder: string): string[] {
  if (AXIS_FIXTURES === undefined) return [];
  return readdirSync(join(AXIS_FIXTURES, folder)).sort();
}
