import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `shared/fixtures/hls` found by walking up from this file, or undefined when the shared folder is not there. */
export function hlsFixturesDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', 'hls');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Text of a fixture under `shared/fixtures/hls`. */
export function readHlsFixture(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
