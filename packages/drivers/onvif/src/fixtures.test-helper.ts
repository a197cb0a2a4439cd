import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's `shared/fixtures/onvif` folder, read in place, found by walking up from this file; undefined (with a
 * message on stderr) when absent, so the tests that need it skip visibly instead of passing.
 */
export function onvifFixtures(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', 'onvif');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      process.stderr.write('[driver-onvif] shared/fixtures/onvif not found: skipping the fixture tests\n');
      return undefined;
    }
    dir = parent;
  }
}

/** Reads one fixture file as UTF-8 (call only when {@link onvifFixtures} found the folder). */
export function readFixture(root: string, ...parts: string[]): string {
  return readFileSync(join(root, ...parts), 'utf8');
}
