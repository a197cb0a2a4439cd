import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraFarm } from '@argus/driver-simulated';

/** Farm camera ids of the Dahua tests: the emulator's main and sub streams. */
export const MAIN_CAMERA = 'dahua-main';
export const SUB_CAMERA = 'dahua-sub';

/** A started farm with a 320x240 main and a 160x120 sub camera (H.264, 10 fps, 1 s GOP, 2 s loops, cached loops). */
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
