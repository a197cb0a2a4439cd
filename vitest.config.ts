import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Export condition that points each `@argus/*` package at its TypeScript sources (no build step for tests). */
const SOURCE_CONDITION = '@argus/source';

function workspaceDirs(): string[] {
  const dirs = ['packages/core', 'packages/server'];
  for (const parent of ['packages/drivers', 'packages/plugins', 'examples']) {
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json'))) {
        dirs.push(join(parent, entry.name));
      }
    }
  }
  return dirs.filter((dir) => existsSync(join(dir, 'package.json')));
}

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: {
    resolve: {
      conditions: [SOURCE_CONDITION, ...defaultServerConditions],
      externalConditions: [SOURCE_CONDITION],
    },
  },
  test: {
    // Most test time is spent waiting on sockets, child processes and timers (cameras, emulators, ffmpeg), not on
    // the CPU: two workers per core keep the suite at a few minutes on a 2-core machine instead of many.
    maxWorkers: Math.min(8, Math.max(2, availableParallelism() * 2)),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: workspaceDirs().map((dir) => ({
      extends: true,
      test: {
        name: dir.replace(/^packages\//, ''),
        root: dir,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        environment: 'node',
      },
    })),
  },
});
