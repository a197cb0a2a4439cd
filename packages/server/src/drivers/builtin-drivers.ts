import type { DriverFactory } from '@argus/core';
import { axis } from '@argus/driver-axis';
import { dahua } from '@argus/driver-dahua';
import { hikvision } from '@argus/driver-hikvision';
import { hls } from '@argus/driver-hls';
import { jpeg, mjpeg } from '@argus/driver-mjpeg';
import { onvif } from '@argus/driver-onvif';
import { rtsp } from '@argus/driver-rtsp';

/**
 * The drivers the reference server ships, with their default options: ONVIF, Hikvision ISAPI, Dahua, Axis VAPIX,
 * MJPEG, JPEG polling, HLS pull and plain RTSP. `startServer` registers them all unless told otherwise; `argus probe`
 * asks each of them about a bare address.
 *
 * @example
 * ```ts
 * for (const driver of builtinDrivers()) registry.register(driver);
 * ```
 */
export function builtinDrivers(): DriverFactory[] {
  return [onvif(), hikvision(), dahua(), axis(), mjpeg(), jpeg(), hls(), rtsp()];
}
