// The camera-type catalogue against what the repository proves: a type is `supported` only when a conformance test
// of its driver names it, and every driver the catalogue names ships in the server.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAMERA_TYPES, DriverRegistry, silentLogger, systemClock } from '@argus/core';
import { main, type CliIo } from '@argus/server';
import { builtinDrivers } from './builtin-drivers.js';

const DRIVERS_DIR = fileURLToPath(new URL('../../../drivers/', import.meta.url));

/** Camera types certified per driver id: `cameraType: N` in each `*.conformance.test.ts` of its package. */
function certifiedTypes(): Map<string, Set<number>> {
  const registry = new DriverRegistry({ components: { logger: silentLogger(), clock: systemClock } });
  for (const factory of builtinDrivers()) registry.register(factory);
  const certified = new Map<string, Set<number>>();
  for (const dir of readdirSync(DRIVERS_DIR)) {
    const src = join(DRIVERS_DIR, dir, 'src');
    if (!existsSync(src)) continue;
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.conformance.test.ts'));
    for (const file of files) {
      const text = readFileSync(join(src, file), 'utf8');
      for (const call of text.matchAll(/describeConformance\(\s*'([^']+)'[\s\S]*?cameraType:\s*(\d+)/g)) {
        const driver = call[1]!.split(/[ :]/)[0]!;
        if (!registry.has(driver)) continue;
        const types = certified.get(driver) ?? new Set<number>();
        types.add(Number(call[2]));
        certified.set(driver, types);
      }
    }
  }
  return certified;
}

describe('camera-type catalogue', () => {
  const drivers = new Map(builtinDrivers().map((factory) => {
    const driver = factory({ logger: silentLogger(), clock: systemClock });
    return [driver.manifest.id, driver.manifest] as const;
  }));

  it('names only drivers the server ships, each of which claims the types that name it', () => {
    for (const type of CAMERA_TYPES) {
      if (type.driver === undefined) continue;
      const manifest = drivers.get(type.driver);
      expect(manifest, `type ${type.id} names driver ${type.driver}`).toBeDefined();
      if (type.status === 'supported') expect(manifest!.cameraTypes, `type ${type.id}`).toContain(type.id);
    }
  });

  it('calls a type supported only when a conformance test of its driver certifies it', () => {
    const certified = certifiedTypes();
    const supported = CAMERA_TYPES.filter((type) => type.status === 'supported');
    expect(supported.length).toBeGreaterThan(0);
    for (const type of supported) {
      expect([...(certified.get(type.driver!) ?? [])], `type ${type.id} ${type.slug} (${type.driver})`).toContain(type.id);
    }
  });

  it('prints the catalogue as JSON from `argus types --json`', async () => {
    let out = '';
    const io: CliIo = { out: (t) => void (out += t), err: () => undefined, env: {} };
    expect(await main(['types', '--json'], io)).toBe(0);
    const rows = JSON.parse(out) as { id: number; slug: string; name: string; family: string; driver: string | null; status: string }[];
    expect(rows).toHaveLength(33);
    expect(Object.keys(rows[0]!).sort()).toEqual(['driver', 'family', 'id', 'name', 'slug', 'status']);
    expect(rows.find((r) => r.id === 26)).toEqual({ id: 26, slug: 'rtsp', name: 'plain RTSP', family: 'rtsp', driver: 'rtsp', status: 'supported' });
    expect(rows.find((r) => r.id === 33)?.status).toBe('planned');
  });
});
