import { defineErrors } from '../definition.js';

/** Errors of the stream graph and its hubs. */
export const STREAM_ERRORS = defineErrors({
  ARGUS_ERR_STREAM_NOT_FOUND: { message: 'No stream "{stream}" is registered', status: 404 },
  ARGUS_ERR_STREAM_DUPLICATE: { message: 'Stream "{stream}" is already registered', status: 409 },
  ARGUS_ERR_STREAM_UPSTREAM_FAILED: {
    message: 'Upstream of stream "{stream}" failed: {reason}',
    status: 502,
    transient: true,
  },
  ARGUS_ERR_STREAM_BUFFER_OVERFLOW: {
    message: 'Consumer "{consumer}" of stream "{stream}" overflowed its buffer of {limit} packets',
    status: 507,
  },
  ARGUS_ERR_STREAM_CLOSED: { message: 'Stream "{stream}" is closed', status: 410 },
  ARGUS_ERR_STREAM_SESSION_LIMIT: { message: 'Too many live sessions: at most {limit}; try again later', status: 503, transient: true },
});
