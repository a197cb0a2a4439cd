export { Catalogue } from './catalogue/catalogue.js';
export type { CatalogueOptions, SegmentId } from './catalogue/catalogue.js';
export type { EventMark, EvidenceLock, FragmentEntry, GapReason, GapRecord, SegmentRecord, StreamChoice, UsageRecord } from './catalogue/records.js';
export type { StorageAlarmKind } from './storage-events.js';
