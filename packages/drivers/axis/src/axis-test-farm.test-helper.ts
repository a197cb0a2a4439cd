import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraFarm } from '@argus/driver-simulated';

/** Farm camera ids of the Axis tests: 320x240 main, 160x120 sub. */
export const MAIN = 'axis-main';
export const SUB = 'axis-sub';

/** A small started farm (H.264, 10 fps, 1 s GOP, 2 s loops) with its loops cached across test files. */
export async function startFarm(): Promise<CameraFarm> {
  const farm = new CameraFarm({
    cameras: [
      { id: MAIN, codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
      { id: SUB, codec: 'h264', width: 160, height: 120, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
    ],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
  return farm;
}

/** Width and height from the SOF marker of a baseline or progressive JPEG. */
export function jpegSize(data: Uint8Array): { width: number; height: number } | undefined {
  for (let i = 2; i + 8 < data.length; ) {
    if (data[i] !== 0xff) return undefined;
    const marker = data[i + 1]!;
    const length = (data[i + 2]! << 8) | data[i + 3]!;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      return { height: (data[i + 5]! << 8) | data[i + 6]!, width: (data[i + 7]! << 8) | data[i + 8]! };
    }
    i += 2 + length;
  }
  return undefined;
}
