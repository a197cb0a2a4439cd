// The storage plugin's events, added to the bus's typed catalogue.
import type { EvidenceLock } from './catalogue/records.js';

/** What a storage alarm is about. */
export type StorageAlarmKind = 'disk-full' | 'write-failed' | 'recorder-overflow' | 'space-low';

declare module '@argus/core' {
  interface ArgusEventMap {
    /** A camera's recorder began writing (continuous, schedule, manual, or an event's pre-buffer). */
    recordingStarted: { camera: string; stream: 'main' | 'sub'; mode: string };
    /** A camera's recorder stopped writing. */
    recordingStopped: { camera: string; stream: 'main' | 'sub'; reason: string };
    /** A segment file was closed and catalogued complete. */
    segmentClosed: { camera: string; file: string; tier: string; start: number; end: number; bytes: number };
    /** Something threatens recording: no space, a failing disk, a recorder that cannot keep up. */
    storageAlarmRaised: { kind: StorageAlarmKind; camera?: string; path?: string; message: string };
    /** The condition behind an earlier alarm has cleared. */
    storageAlarmCleared: { kind: StorageAlarmKind; camera?: string; path?: string };
    /** Retention deleted footage (age, size or free-space floor). */
    footageDeleted: { camera: string; start: number; end: number; bytes: number; rule: 'max-age' | 'max-size' | 'free-space' };
    /** Retention moved footage to a slower tier. */
    footageArchived: { camera: string; start: number; end: number; bytes: number; from: string; to: string };
    /** A camera's time range was placed under evidence lock. */
    evidenceLocked: { lock: EvidenceLock; by: string };
    /** An evidence lock was removed (or lapsed: `by` is `expiry`). */
    evidenceUnlocked: { lock: EvidenceLock; by: string };
    /** Export progress: bytes written of the total expected. */
    exportProgressed: { exportId: string; camera: string; bytesDone: number; bytesTotal: number };
    /** An export finished and its manifest is signed. */
    exportCompleted: { exportId: string; dir: string; files: number; bytes: number; by: string };
    /** An export failed; what it wrote was removed. */
    exportFailed: { exportId: string; reason: string };
  }
}

export {};
