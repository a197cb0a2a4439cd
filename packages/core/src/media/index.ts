/**
 * `@argus/core/media`: the media toolkit: codec parsing, RTP/RTCP, SDP, the RTSP client, fMP4 muxing and the
 * ffmpeg adapter.
 *
 * @packageDocumentation
 */

// Codecs
export { BitReader, unescapeRbsp } from './codec/bit-reader.js';
export { AnnexBAccessUnitReader, fromLengthPrefixed, joinAnnexB, splitAnnexB, toLengthPrefixed } from './codec/annexb.js';
export type { AccessUnit, AnnexBAccessUnitReaderOptions, AnnexBAccessUnitReaderStats, AnnexBCodec } from './codec/annexb.js';
export { H264_NAL, h264NalType, isH264Keyframe, isH264Vcl, parseH264Sps } from './codec/h264.js';
export type { H264Sps } from './codec/h264.js';
export { H265_NAL, h265NalType, isH265Irap, isH265Keyframe, isH265Vcl, parseH265Sps } from './codec/h265.js';
export type { H265Sps } from './codec/h265.js';
export { AAC_SAMPLE_RATES, buildAudioSpecificConfig, parseAdts, parseAudioSpecificConfig } from './codec/aac.js';
export type { AdtsFrame, AudioSpecificConfig } from './codec/aac.js';
export { isParameterSet, pickParameterSets, videoTrackFromParameterSets } from './codec/track-info.js';
export { sameBytes } from './codec/same-bytes.js';
export { isJpeg } from './codec/jpeg.js';

// fMP4
export { codecsParam, Fmp4Muxer } from './mp4/fmp4-muxer.js';
export type { Fmp4Fragment, Fmp4MuxerOptions, Fmp4MuxerStats } from './mp4/fmp4-muxer.js';
export { ChunkedBytes, joinChunks } from './mp4/chunked-bytes.js';

// RTP / RTCP
export { parseRtp, serializeRtp } from './rtp/rtp-packet.js';
export type { RtpPacket, RtpPacketInit } from './rtp/rtp-packet.js';
export { sequenceDelta, SequenceUnwrapper, TimestampUnwrapper } from './rtp/sequence.js';
export { RtpReceiver } from './rtp/rtp-receiver.js';
export type { RtpReceiverOptions, RtpReceiverStats } from './rtp/rtp-receiver.js';
export { buildReceiverReport, buildSenderReport, ntpToUnixMs, parseRtcp, SenderReportClock, senderReportId, unixMsToNtp } from './rtp/rtcp.js';
export type {
  ReceiverReportInit,
  SenderReportInit,
  ReportBlock,
  RtcpGoodbye,
  RtcpOther,
  RtcpPacket,
  RtcpReceiverReport,
  RtcpSenderReport,
  RtcpSourceDescription,
  SdesItem,
} from './rtp/rtcp.js';
export { H264Depacketizer } from './rtp/h264-depacketizer.js';
export type { H264DepacketizerOptions } from './rtp/h264-depacketizer.js';
export { H265Depacketizer } from './rtp/h265-depacketizer.js';
export type { H265DepacketizerOptions } from './rtp/h265-depacketizer.js';
export type { DepacketizerStats, NalDepacketizerOptions } from './rtp/nal-depacketizer.js';
export { AacDepacketizer } from './rtp/aac-depacketizer.js';
export type { AacDepacketizerOptions } from './rtp/aac-depacketizer.js';
export { G711Depacketizer } from './rtp/g711-depacketizer.js';
export type { AudioDepacketizerStats, G711DepacketizerOptions } from './rtp/g711-depacketizer.js';
export { H264Packetizer } from './rtp/h264-packetizer.js';
export type { H264PacketizerOptions } from './rtp/h264-packetizer.js';
export { H265Packetizer } from './rtp/h265-packetizer.js';
export type { H265PacketizerOptions } from './rtp/h265-packetizer.js';
export type { NalPacketizerOptions } from './rtp/nal-packetizer.js';
export { AacPacketizer, G711Packetizer } from './rtp/audio-packetizers.js';
export type { PacketizerStats, RtpPacketizerOptions } from './rtp/rtp-packetizer.js';

// SDP
export { MAX_SDP_BYTES, parseFmtpParameters, parseSdp } from './sdp/parse-sdp.js';
export type { SdpAttribute, SdpConnection, SdpDirection, SdpMedia, SdpOrigin, SdpRtpMap, SessionDescription } from './sdp/parse-sdp.js';
export { resolveControlUrl, sdpTracks, sessionControlUrl } from './sdp/sdp-tracks.js';
export type { SdpCodec, SdpTrack } from './sdp/sdp-tracks.js';
export { buildSdp, serializeSdp } from './sdp/serialize-sdp.js';
export type { BuildSdpOptions, SdpTrackOffer } from './sdp/serialize-sdp.js';

// RTSP
export {
  RtspHeaders,
  RtspMessageParser,
  serializeInterleavedFrame,
  serializeRtspRequest,
  serializeRtspResponse,
} from './rtsp/rtsp-message.js';
export type { InterleavedFrame, RtspHeadersInit, RtspMessage, RtspMessageParserOptions, RtspRequest, RtspResponse } from './rtsp/rtsp-message.js';
export {
  basicAuthorization,
  computeDigestResponse,
  digestAlgorithm,
  digestAuthorization,
  digestChallenge,
  makeNonce,
  parseAuthorization,
  parseWwwAuthenticate,
  RtspAuthenticator,
  verifyBasicAuthorization,
  verifyDigestAuthorization,
} from './rtsp/rtsp-auth.js';
export type { AuthChallenge, DigestAlgorithm, DigestInput, RtspAuthenticatorOptions, RtspCredentials } from './rtsp/rtsp-auth.js';
export { parseSessionHeader, parseTransport, redactUrl, RtspClient } from './rtsp/rtsp-client.js';
export type { RtspClientOptions, RtspDescription, RtspPacket, RtspSetupResult } from './rtsp/rtsp-client.js';
export { RtspServer } from './rtsp/rtsp-server.js';
export type { RtspMountOptions, RtspMountSource, RtspServerOptions, RtspServerStats, RtspTrafficStats } from './rtsp/rtsp-server.js';
export { hubMount } from './rtsp/hub-mount.js';
export type { HubMountOptions } from './rtsp/hub-mount.js';
export { rtspSource } from './rtsp/rtsp-source.js';
export type { RtspSourceObservable, RtspSourceOptions, RtspSourceSession, RtspSourceStats } from './rtsp/rtsp-source.js';

// Tools (behind `argus probe` and `argus record`)
export { probeStream } from './tools/probe-stream.js';
export type { ProbeStreamOptions, StreamProbe } from './tools/probe-stream.js';
export { recordStream } from './tools/record-stream.js';
export type { RecordResult, RecordStreamOptions } from './tools/record-stream.js';

// ffmpeg (for what the native path does not cover)
export { ffmpegPath, ffprobePath } from './ffmpeg/binaries.js';
export { FlvDemuxer } from './ffmpeg/flv-demuxer.js';
export type { FlvDemuxerOptions, FlvDemuxerStats } from './ffmpeg/flv-demuxer.js';
export { ffmpegSource } from './ffmpeg/ffmpeg-source.js';
export type { FfmpegAudioMode, FfmpegSourceObservable, FfmpegSourceOptions, FfmpegSourceStats, FfmpegVideoMode } from './ffmpeg/ffmpeg-source.js';
export { jpegPollingSource } from './ffmpeg/jpeg-polling-source.js';
export type { JpegPollingObservable, JpegPollingOptions, JpegPollingStats } from './ffmpeg/jpeg-polling-source.js';
export { snapshotJpeg } from './ffmpeg/snapshot.js';
export type { SnapshotFrame, SnapshotOptions } from './ffmpeg/snapshot.js';
export { transcodeToH264 } from './ffmpeg/transcode.js';
export type { TranscodeOptions } from './ffmpeg/transcode.js';
export { probeWithFfprobe } from './ffmpeg/ffprobe-source.js';
export type { FfprobeResult, ProbeOptions as FfprobeOptions } from './ffmpeg/ffprobe-source.js';
export { redactCredentials } from './ffmpeg/ffmpeg-errors.js';
