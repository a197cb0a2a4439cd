import { afterAll, beforeAll, describe, it } from 'vitest';
import { CONFORMANCE_CHECKS } from './conformance-checks.js';
import { ConformanceContext, conformanceDriver, type ConformanceTarget } from './conformance-context.js';

/** Time the suite allows to encode the farm's loops (first run) and start the emulator. */
const SETUP_TIMEOUT_MS = 180_000;
const TEARDOWN_TIMEOUT_MS = 60_000;

/**
 * Registers a driver's conformance tests (Vitest `describe`/`it`): starts a small camera farm (two H.264 cameras,
 * 320x240 main and 160x120 sub, 10 fps, 1 s GOP) and the family's emulator (with PTZ when the manifest declares
 * `ptz`), and runs every check as its own test, gated by the capabilities the manifest declares: identity, stream
 * profiles, live media, snapshot, PTZ moves and presets, events, probe, wrong password, unreachable host, malformed
 * and garbage replies, and recovery after the device restarts. A capability certified (the manifest's, or the fewer
 * the target names for its camera type) but missing in the session fails; the checks of the others are skipped. Everything is released at the end, also after failures.
 *
 * @example
 * ```ts
 * import { describeConformance } from '@argus/driver-kit/conformance';
 * import { hikvision } from './index.js'; import { HikvisionEmulator } from './emulator/index.js';
 * describeConformance('hikvision', { driver: hikvision(), emulator: (ctx) => new HikvisionEmulator(ctx), cameraType: 1 });
 * ```
 */
export function describeConformance(name: string, target: ConformanceTarget): void {
  const driver = conformanceDriver(target);
  const declared = new Set(target.capabilities ?? driver.manifest.capabilities);
  const limits = { timeoutMs: target.timeoutMs ?? 10_000 };

  describe(`${name} driver conformance`, () => {
    let ctx: ConformanceContext | undefined;

    beforeAll(async () => {
      ctx = await ConformanceContext.open(target, driver);
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      const opened = ctx;
      ctx = undefined;
      await opened?.close();
    }, TEARDOWN_TIMEOUT_MS);

    for (const check of CONFORMANCE_CHECKS) {
      const applies = check.needs.every((capability) => declared.has(capability));
      it.skipIf(!applies)(
        check.name,
        async () => {
          if (ctx === undefined) throw new Error('the conformance farm or emulator did not start');
          await check.run(ctx);
        },
        check.timeout(limits),
      );
    }
  });
}
