import { defineErrors } from '../definition.js';

/** Errors of the media plane: codecs and containers, RTP/RTCP, SDP and RTSP. */
export const MEDIA_ERRORS = defineErrors({
  ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC: { message: 'Codec "{codec}" is not supported here: {reason}', status: 415 },
  ARGUS_ERR_MEDIA_BITSTREAM: { message: 'Malformed {codec} bitstream: {reason}', status: 422 },
  ARGUS_ERR_MEDIA_ACCESS_UNIT_TOO_LARGE: {
    message: 'Access unit exceeds {limit} bytes without a boundary; the byte stream is not {codec} Annex B',
    status: 413,
  },
  ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS: {
    message: 'Track {track} ({codec}) has no {what}; take them from the SDP or the first keyframe',
    status: 422,
  },
  ARGUS_ERR_MEDIA_UNKNOWN_TRACK: { message: 'Packet for track {track} that the muxer was not given', status: 400 },
  ARGUS_ERR_MEDIA_FFMPEG_FAILED: { message: 'ffmpeg failed: {reason}', status: 502, transient: true },
  ARGUS_ERR_MEDIA_NO_MEDIA: { message: 'The source {url} ended before sending any media', status: 502, transient: true },
  ARGUS_ERR_MEDIA_SOURCE_NOT_FOUND: { message: 'The media source {url} does not exist (404)', status: 404 },
  ARGUS_ERR_MEDIA_DECODE_FAILED: { message: 'ffmpeg could not decode the {codec} input: {reason}', status: 422 },
  ARGUS_ERR_RTP_MALFORMED: { message: 'Malformed RTP packet: {reason}', status: 502 },
  ARGUS_ERR_RTCP_MALFORMED: { message: 'Malformed RTCP packet: {reason}', status: 502 },
  ARGUS_ERR_SDP_MALFORMED: { message: 'Malformed SDP: {reason}', status: 502 },
  ARGUS_ERR_RTSP_MALFORMED: { message: 'Malformed RTSP message from {endpoint}: {reason}', status: 502 },
  ARGUS_ERR_RTSP_NOT_FOUND: { message: 'The RTSP server has no stream at {url}', status: 404 },
  ARGUS_ERR_RTSP_STATUS: { message: 'RTSP {method} {url} failed with {status} {reason}', status: 502 },
  ARGUS_ERR_RTSP_REDIRECT: { message: 'RTSP redirect from {url} failed: {reason}', status: 502 },
  ARGUS_ERR_RTSP_CLOSED: { message: 'RTSP session with {endpoint} closed: {reason}', status: 502, transient: true },
});
