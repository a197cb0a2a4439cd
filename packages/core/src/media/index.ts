/**
 * `@argus/core/media`: the media toolkit: codec parsing, RTP/RTCP, SDP, RTSP client and server, fMP4 muxing and
 * the ffmpeg adapter.
 *
 * @packageDocumentation
 */
export { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';
