// Events a camera reports (motion, an alarm input, an analytics rule), in one driver-independent shape: drivers
// emit them, the storage plugin records around them, rules and the audit log listen.
import type { ArgusEventMap } from '../events/event-map.js';

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /**
     * Something started on a camera. `id` is stable for the event, so that {@link ArgusEventMap.cameraEventEnded}
     * can close it; an instantaneous event carries its `end` at once.
     */
    cameraEventStarted: { cameraId: string; id: string; type: string; time: number; end?: number; source: string; note?: string };
    /** An event reported by `cameraEventStarted` ended. */
    cameraEventEnded: { cameraId: string; id: string; type: string; time: number; source: string };
  }
}

/** Payload of `cameraEventStarted`. */
export type CameraEventStarted = ArgusEventMap['cameraEventStarted'];

/** Payload of `cameraEventEnded`. */
export type CameraEventEnded = ArgusEventMap['cameraEventEnded'];
