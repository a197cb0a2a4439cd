import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraFarm } from '@argus/driver-simulated';

/** Id of the farm camera the tests' emulators show. */
export const FARM_CAMERA = 'mjpeg-test';

/** A started farm with one small camera (320x240, 10 fps, 1 s GOP), loops cached beside other tests' loops. */
export async function startFarm(): Promise<CameraFarm> {
  const farm = new CameraFarm({
    cameras: [{ id: FARM_CAMERA, codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 }],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
  return farm;
}
