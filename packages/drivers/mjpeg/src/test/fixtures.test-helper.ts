import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `shared/fixtures` folder beside the repository (`../shared/fixtures` from the repo root), found by walking up
 * from this file; `undefined` when it is not there, so tests can skip and say so.
 */
export function sharedFixturesDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Absolute path of a fixture file, or `undefined` when the fixtures folder is missing. */
export function fixturePath(...segments: string[]): string | undefined {
  const root = sharedFixturesDir();
  return root === undefined ? undefined : join(root, ...segments);
}
