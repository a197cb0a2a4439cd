import type { MediaPacket } from '@argus/core';

/**
 * Where a recorder writes one recording: the segment writer of a camera (which rolls files every N minutes
 * itself). The recorder calls `write` serially (each after the previous settled), starting with a video
 * keyframe, and `close` once, after the last write.
 *
 * A rejected `write` is logged and the recorder keeps going: the writer raises its own alarms (disk full...).
 *
 * @example
 * ```ts
 * const openSink = (): SegmentSink => new SegmentWriter({ camera: 'cam-1', stream: 'main', catalogue, root });
 * ```
 */
export interface SegmentSink {
  /** Writes one packet. */
  write(packet: MediaPacket): Promise<void>;
  /** Ends the recording: flushes and closes the current segment. `reason` is for logs and the catalogue. */
  close(reason: string): Promise<void>;
}
