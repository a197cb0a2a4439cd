import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file under the project's `shared/fixtures` (read in place), found by walking up from this file; undefined
 * when absent, after saying so on stderr, so the tests that need it skip visibly instead of passing silently.
 */
export function fixtureOrSkip(...parts: string[]): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'fixtures');
    if (existsSync(candidate)) {
      const full = join(candidate, ...parts);
      if (existsSync(full)) return full;
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  process.stderr.write(`[driver-hikvision] fixture shared/fixtures/${parts.join('/')} not found: skipping the tests that read it\n`);
  return undefined;
}

/** The byte-exact alertStream capture (two `videoloss`/`inactive` parts, boundary `boundary`). */
export const ALERT_STREAM_CAPTURE = ['hikvision-isapi', 'multipart-stream-rs', 'alertStream_two_parts_videoloss.bin'] as const;
