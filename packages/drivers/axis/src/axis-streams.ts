import { deviceUrl } from '@argus/core';

/** A `WxH` resolution. */
export interface Resolution {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** Parses `1920x1080`; `undefined` for anything else (Axis also lists names such as `4CIF` on old encoders). */
export function parseResolution(value: string): Resolution | undefined {
  const match = /^\s*(\d{2,5})x(\d{2,5})\s*$/.exec(value);
  return match === null ? undefined : { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * The resolution for a sub stream from `Properties.Image.Resolution` (`1920x1080,1280x960,...`): the largest one at
 * most 640 pixels wide with the aspect ratio of the largest (main) resolution, else the largest at most 640 wide,
 * else the smallest; `undefined` when the device lists fewer than two `WxH` resolutions (no distinct sub stream).
 *
 * @example
 * ```ts
 * subResolution('1920x1080,1280x960,1280x720,640x480,640x360,320x240'); // { width: 640, height: 360 }
 * ```
 */
export function subResolution(list: string | undefined): Resolution | undefined {
  const all = (list ?? '')
    .split(',')
    .map(parseResolution)
    .filter((r): r is Resolution => r !== undefined)
    .sort((a, b) => b.width * b.height - a.width * a.height);
  const main = all[0];
  if (main === undefined) return undefined;
  const smaller = all.filter((r) => r.width * r.height < main.width * main.height);
  if (smaller.length === 0) return undefined;
  const ratio = main.width / main.height;
  const small = smaller.filter((r) => r.width <= 640);
  const sameShape = small.filter((r) => Math.abs(r.width / r.height - ratio) / ratio < 0.02);
  return sameShape[0] ?? small[0] ?? smaller[smaller.length - 1];
}

/** `rtsp://host:port/axis-media/media.amp?<query>` with IPv6 hosts bracketed. */
export function mediaUrl(host: string, port: number, query: string): string {
  const q = query.replace(/^\?/, '');
  return deviceUrl({ scheme: 'rtsp', host, port, path: `/axis-media/media.amp${q === '' ? '' : `?${q}`}` });
}
