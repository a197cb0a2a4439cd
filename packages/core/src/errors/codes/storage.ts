import { defineErrors } from '../definition.js';

/** Errors of recording, the recording catalogue, retention, evidence locks, playback and export. */
export const STORAGE_ERRORS = defineErrors({
  ARGUS_ERR_STORAGE_IO: { message: 'Storage {operation} failed on {path}: {reason}', status: 500, transient: true },
  ARGUS_ERR_STORAGE_SEGMENT_DAMAGED: { message: 'Recording segment {file} is damaged: {reason}', status: 500 },
  ARGUS_ERR_STORAGE_NO_RECORDING: { message: 'Camera {camera} has no recording between {from} and {to}', status: 404 },
  ARGUS_ERR_STORAGE_RANGE_INVALID: { message: 'Bad time range: {reason}', status: 400 },
  ARGUS_ERR_STORAGE_LOCK_NOT_FOUND: { message: 'There is no evidence lock {id}', status: 404 },
  ARGUS_ERR_STORAGE_SCHEDULE_INVALID: { message: 'Bad recording schedule: {reason}', status: 400 },
  ARGUS_ERR_STORAGE_EXPORT_FAILED: { message: 'Export {id} failed: {reason}', status: 500 },
  ARGUS_ERR_STORAGE_EXPORT_INVALID: { message: 'Export in {dir} does not verify: {reason}', status: 422 },
});
