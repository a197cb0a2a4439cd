import { existsSync, readdirSync } from 'node:fs';
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
