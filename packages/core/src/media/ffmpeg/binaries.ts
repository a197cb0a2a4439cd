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

function binaryPath(name: 'ffmpeg' | 'ffprobe', env: Record<string, string | undefined>): string {
  const variable = `${name.toUpperCase()}_PATH`;
  const configured = env[variable];
  if (configured !== undefined && configured !== '') return configured;
  const shipped = fromPackage(`@${name}-installer/${name}`);
  if (shipped === undefined) throw new Error(`No ${name} binary: set ${variable} or install @${name}-installer/${name}`);
  return shipped;
}

/**
 * Path of the ffmpeg binary: `FFMPEG_PATH` when set, otherwise the one shipped by `@ffmpeg-installer/ffmpeg`.
 *
 * @throws Error when neither is usable.
 */
export function ffmpegPath(env: Record<string, string | undefined> = process.env): string {
  return binaryPath('ffmpeg', env);
}

/**
 * Path of the ffprobe binary: `FFPROBE_PATH` when set, otherwise the one shipped by `@ffprobe-installer/ffprobe`.
 *
 * @throws Error when neither is usable.
 */
export function ffprobePath(env: Record<string, string | undefined> = process.env): string {
  return binaryPath('ffprobe', env);
}
