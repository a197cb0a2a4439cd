import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `shared/fixtures` folder of the project (read in place), found by walking up from this file; undefined
 * when absent, so tests can skip with a message instead of passing silently.
 */
export function sharedFixtures(...parts: string[]): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures');
    if (existsSync(candidate)) {
      const full = join(candidate, ...parts);
      return existsSync(full) ? full : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Resolves a fixture path or logs why the tests that need it are skipped. */
export function fixtureOrSkip(...parts: string[]): string | undefined {
  const found = sharedFixtures(...parts);
  if (found === undefined) process.stderr.write(`[driver-kit] fixture ${parts.join("/")} not found: skipping its tests\n`);
  return found;
}
