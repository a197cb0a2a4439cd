export { Catalogue } from './catalogue/catalogue.js';
export type { CatalogueOptions, SegmentId } from './catalogue/catalogue.js';
export type { EventMark, EvidenceLock, FragmentEntry, GapReason, GapRecord, SegmentRecord, SegmentSummary, StreamChoice, UsageRecord } from './catalogue/records.js';
export type { StorageAlarmKind } from './storage-events.js';
export { STORAGE, STORAGE_PLUGIN_VERSION, storagePlugin } from './storage-plugin.js';
export type { StoragePluginOptions } from './storage-plugin.js';
export { StorageService } from './storage-service.js';
export type { ExportRequest, ExportStatus, StorageServiceOptions } from './storage-service.js';
export { SegmentWriter } from './writer/segment-writer.js';
export type { OpenSegmentFile, SegmentFileHandle, SegmentWriterOptions, SegmentWriterStats } from './writer/segment-writer.js';
export type { StorageTier } from './writer/storage-tier.js';
export { repairSegments } from './writer/segment-repair.js';
export type { FailedRepair, RemovedSegment, RepairedSegment, RepairOptions, RepairReport, RepairTarget } from './writer/segment-repair.js';
export { CameraRecorder } from './recorder/camera-recorder.js';
export type {
  CameraRecorderOptions,
  CameraRecorderStatus,
  EventTrigger,
  RecorderHub,
  RecorderTimers,
  RecordingPolicy,
  RecordingReason,
  SinkContext,
} from './recorder/camera-recorder.js';
export { nextScheduleChange, parseSchedule, scheduleActive, scheduleFromWindows, WEEKDAYS, WeeklyScheduleSchema, ScheduleSpanSchema } from './recorder/recording-schedule.js';
export type { ScheduleSpan, WeeklySchedule, Weekday } from './recorder/recording-schedule.js';
export type { SegmentSink } from './recorder/segment-sink.js';
export { EvidenceLocks } from './retention/evidence-locks.js';
export type { EvidenceLocksOptions, LockRequest } from './retention/evidence-locks.js';
export { Retention } from './retention/retention.js';
export type { RetentionFailure, RetentionOptions, RetentionPolicy, RetentionReport, RetentionRule, RuleTally, VolumeSpace } from './retention/retention.js';
export { Playback, SPAN_MERGE_MS } from './playback/playback.js';
export type { HlsPlaylistOptions, OpenOptions, PlaybackOptions, PlaybackStream, RecordedSpan, Timeline, TimelineGap, TimelineOptions } from './playback/playback.js';
export { MAX_PLAY_RANGE_MS, MAX_TIMELINE_RANGE_MS } from './playback/fragment-plan.js';
export { exportCase } from './export/export-case.js';
export { cameraFileName } from './writer/segment-file-path.js';
export type { ExportCaseOptions, ExportCaseResult } from './export/export-case.js';
export { EXPORT_SIGNING_KEY_FILE, ExportSigner, exportKeyId } from './export/export-signer.js';
export { canonicalJson, MANIFEST_FILE } from './export/export-manifest.js';
export type { ExportManifest, ManifestCamera, ManifestFile, ManifestSignature, ManifestTime } from './export/export-manifest.js';
export { verifyExport } from './export/verify-export.js';
export type { ExportProblem, ExportProblemKind, ExportVerification, VerifyExportOptions } from './export/verify-export.js';
