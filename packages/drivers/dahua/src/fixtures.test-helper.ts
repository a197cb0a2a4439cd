import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `shared/fixtures/dahua-cgi`, found by walking up from this file; undefined when the shared folder is not there. */
export function dahuaFixturesDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures', 'dahua-cgi');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The fixtures folder, or undefined after telling the test output that fixture tests are skipped. */
export function fixturesOrSkip(): string | undefined {
  const dir = dahuaFixturesDir();
  // eslint-disable-next-line no-console -- a skipped fixture suite must say so in the test output
  if (dir === undefined) console.warn('shared/fixtures/dahua-cgi not found: Dahua fixture tests are skipped');
  return dir;
}

/** Text of a fixture (UTF-8). */
export function readFixture(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Bytes of a fixture. */
export function readFixtureBytes(dir: string, name: string): Buffer {
  return readFileSync(join(dir, name));
}
