import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromPackage(name: string): string | undefined {
  try {
    const found = (require(name) as { path?: string }).path;
    return found !== undefined && executable(found) ? found : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Path of the ffmpeg binary: `FFMPEG_PATH` when set, otherwise the one shipped by `@ffmpeg-installer/ffmpeg`.
 *
 * @throws Error when neither is usable.
 */
export function ffmpegPath(env: Record<string, string | undefined> = process.env): string {
  const configured = env['FFMPEG_PATH'];
  if (configured !== undefined && configured !== '') return configured;
  const shipped = fromPackage('@ffmpeg-installer/ffmpeg');
  if (shipped === undefined) throw new Error('No ffmpeg binary: set FFMPEG_PATH or install @ffmpeg-installer/ffmpeg');
  return shipped;
}

/**
 * Path of the ffprobe binary: `FFPROBE_PATH` when set, otherwise the one shipped by `@ffprobe-installer/ffprobe`.
 *
 * @throws Error when neither is usable.
 */
export function ffprobePath(env: Record<string, string | undefined> = process.env): string {
  const configured = env['FFPROBE_PATH'];
  if (configured !== undefined && configured !== '') return configured;
  const shipped = fromPackage('@ffprobe-installer/ffprobe');
  if (shipped === undefined) throw new Error('No ffprobe binary: set FFPROBE_PATH or install @ffprobe-installer/ffprobe');
  return shipped;
}
