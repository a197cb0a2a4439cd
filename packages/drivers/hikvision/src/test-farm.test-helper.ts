import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraFarm } from '@argus/driver-simulated';

/** Farm camera ids of the tests (same specs as the conformance suite's, so the encoded loops are shared). */
export const MAIN_CAMERA = 'hik-main';
export const SUB_CAMERA = 'hik-sub';

/** A started farm with a 320x240 main and a 160x120 sub camera (H.264, 10 fps, 1 s GOP, 2 s loops). */
export async function startTestFarm(): Promise<CameraFarm> {
  const farm = new CameraFarm({
    cameras: [
      { id: MAIN_CAMERA, codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: SUB_CAMERA, codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
  return farm;
}

/** Waits until `condition` holds, polling every 20 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The rejection of `promise` (throws when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a value');
}
