/**
 * `@argus/driver-simulated`: simulated cameras. A {@link CameraFarm} serves many synthetic RTSP cameras (H.264 or
 * H.265 test-pattern loops with name and clock burned in) from one process, for demos and load tests.
 *
 * @packageDocumentation
 */

export { CameraFarm } from './camera-farm.js';
export type { CameraFarmOptions, CameraFarmStats, FarmCameraStats } from './camera-farm.js';
export { cameraFarmPreset } from './camera-farm-preset.js';
export type { CameraFarmPresetOptions } from './camera-farm-preset.js';
export type { FarmCameraConfig } from './farm-camera-config.js';
export type { FarmTimers } from './farm-ticker.js';
export type { FarmCameraState } from './simulated-camera.js';
