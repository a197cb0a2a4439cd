import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegPath } from '@argus/core/media';

const run = promisify(execFile);

/** One real baseline JPEG of ffmpeg's test pattern at the given size. */
export async function testJpeg(width: number, height: number): Promise<Uint8Array> {
  const { stdout } = await run(
    ffmpegPath(),
    ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=1`, '-frames:v', '1', '-c:v', 'mjpeg', '-f', 'image2pipe', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  );
  return new Uint8Array(stdout);
}
