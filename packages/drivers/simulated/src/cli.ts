import { parseArgs } from 'node:util';
import { hasErrorCode } from '@argus/core';
import { CameraFarm } from './camera-farm.js';
import { cameraFarmPreset, type CameraFarmPresetOptions } from './camera-farm-preset.js';

const USAGE = `Usage: argus-farm [options]

Serves simulated RTSP cameras until SIGINT/SIGTERM.
  --cameras N        number of cameras (default 16); a mix of H.264/H.265, 640x360/1280x720, 25/15 fps
  --port N           RTSP port (default 8554)
  --host ADDR        listen address (default 127.0.0.1)
  --codec C          h264 or h265 for every camera
  --fps N            frame rate for every camera
  --width N --height N   picture size for every camera
  --bitrate N        kbit/s for every camera
  --cache-dir DIR    loop cache (default ARGUS_FARM_CACHE or <tmp>/argus-farm-cache)
  --help             print this help
`;

/** Where the CLI writes, and what stops it; injectable for tests. */
export interface FarmCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Resolves when the farm should stop; default on SIGINT or SIGTERM. */
  stopped: () => Promise<void>;
}

const defaultIo: FarmCliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

/** Runs `argus-farm` with `args`; resolves to the exit code once stopped. */
export async function main(args: string[], io: FarmCliIo = defaultIo): Promise<number> {
  let farm: CameraFarm | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: {
        cameras: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        codec: { type: 'string' },
        fps: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        bitrate: { type: 'string' },
        'cache-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help === true) {
      io.out(USAGE);
      return 0;
    }
    const count = integer(values.cameras, 'cameras') ?? 16;
    const port = values.port === undefined ? 8554 : Number(values.port);
    if (values.codec !== undefined && values.codec !== 'h264' && values.codec !== 'h265') throw new Error(`--codec must be h264 or h265, got "${values.codec}"`);
    const preset: CameraFarmPresetOptions = {
      ...(values.codec === undefined ? {} : { codec: values.codec }),
      ...(values.fps === undefined ? {} : { fps: integer(values.fps, 'fps') as number }),
      ...(values.width === undefined ? {} : { width: integer(values.width, 'width') as number }),
      ...(values.height === undefined ? {} : { height: integer(values.height, 'height') as number }),
      ...(values.bitrate === undefined ? {} : { bitrateKbps: integer(values.bitrate, 'bitrate') as number }),
    };
    farm = new CameraFarm({
      cameras: cameraFarmPreset(Math.floor(count), preset),
      port,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values['cache-dir'] === undefined ? {} : { cacheDir: values['cache-dir'] }),
    });
    io.err(`argus-farm: preparing ${count} cameras (the first run encodes the loops)...\n`);
    await farm.start();
    for (const camera of farm.stats().cameras) {
      io.out(`${camera.url}  ${camera.codec} ${camera.width}x${camera.height} ${camera.fps}fps\n`);
    }
    await io.stopped();
    return 0;
  } catch (err) {
    const message = hasErrorCode(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    io.err(`argus-farm: ${message}\n${USAGE}`);
    return 1;
  } finally {
    await farm?.close();
  }
}
