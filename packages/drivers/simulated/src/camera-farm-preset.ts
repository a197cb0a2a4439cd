import type { FarmCameraConfig } from './farm-camera-config.js';

/** Options of {@link cameraFarmPreset}: any value given applies to every camera instead of the mix. */
export interface CameraFarmPresetOptions {
  /** Id prefix; ids are `<prefix>-01`, `<prefix>-02`... Default `cam`. */
  readonly idPrefix?: string;
  /** Codec of every camera, instead of 1 in 4 H.265. */
  readonly codec?: 'h264' | 'h265';
  /** Width of every camera, instead of the 640/1280 mix. */
  readonly width?: number;
  /** Height of every camera, instead of the 360/720 mix. */
  readonly height?: number;
  /** Frame rate of every camera, instead of the 25/15 mix. */
  readonly fps?: number;
  /** Bitrate of every camera, instead of 1000 (SD) / 2000 (HD) kbit/s. */
  readonly bitrateKbps?: number;
  /** GOP length of every camera (default 2 s). */
  readonly gopSeconds?: number;
  /** Loop length of every camera (default 10 s). */
  readonly loopSeconds?: number;
}

/**
 * A mixed list of `count` cameras for the reference server and the bench: every 4th camera H.265, every 3rd
 * 1280x720 (else 640x360), 2 in 5 at 15 fps (else 25). Names are left unset so cameras share at most 8 loops.
 *
 * @example
 * ```ts
 * const farm = new CameraFarm({ cameras: cameraFarmPreset(500) });
 * ```
 */
export function cameraFarmPreset(count: number, options: CameraFarmPresetOptions = {}): FarmCameraConfig[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const prefix = options.idPrefix ?? 'cam';
  const digits = Math.max(2, String(count).length);
  const cameras: FarmCameraConfig[] = [];
  for (let i = 0; i < count; i++) {
    const hd = i % 3 === 2;
    cameras.push({
      id: `${prefix}-${String(i + 1).padStart(digits, '0')}`,
      codec: options.codec ?? (i % 4 === 3 ? 'h265' : 'h264'),
      width: options.width ?? (hd ? 1280 : 640),
      height: options.height ?? (hd ? 720 : 360),
      fps: options.fps ?? (i % 5 >= 3 ? 15 : 25),
      bitrateKbps: options.bitrateKbps ?? (hd ? 2000 : 1000),
      ...(options.gopSeconds === undefined ? {} : { gopSeconds: options.gopSeconds }),
      ...(options.loopSeconds === undefined ? {} : { loopSeconds: options.loopSeconds }),
    });
  }
  return cameras;
}
