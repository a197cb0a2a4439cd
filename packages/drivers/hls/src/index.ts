/**
 * `@argus/driver-hls`: the HLS pull driver (camera type 30: third-party traffic feeds and restreamers over HTTP
 * playlists, MPEG-TS or fMP4 segments), with its playlist parser, playlist loader and native segment demuxers.
 *
 * @packageDocumentation
 */
export { hls, HlsDriver, HLS_CONTENT_TYPES, HLS_DEFAULT_PATHS, HlsCameraOptionsSchema } from './hls-driver.js';
export type { HlsCameraOptions, HlsDriverOptions } from './hls-driver.js';
export { MAX_PLAYLIST_CHARS, parseAttributeList, parsePlaylist, resolvePlaylistUri } from './parse-playlist.js';
export type {
  HlsByteRange,
  HlsKey,
  HlsMap,
  HlsMasterPlaylist,
  HlsMediaPlaylist,
  HlsPlaylist,
  HlsRendition,
  HlsSegment,
  HlsVariant,
  ParsePlaylistOptions,
} from './parse-playlist.js';
export { PlaylistTracker } from './playlist-tracker.js';
export type { PlaylistTrackerOptions, PlaylistTrackerStats, TrackedSegment, TrackerUpdate } from './playlist-tracker.js';
export { hlsSource, loadMediaPlaylist, pickVariant, SegmentLoader } from './hls-source.js';
export type { HlsSourceObservable, HlsSourceOptions, HlsSourceStats, HlsVariantChoice, LoadedMediaPlaylist } from './hls-source.js';
export { HlsFetcher } from './hls-fetcher.js';
export type { HlsFetcherOptions, HlsGetOptions, HlsResponse } from './hls-fetcher.js';
export { SegmentReader, segmentFormat } from './segment-reader.js';
export type { SegmentFormat, SegmentPacket, SegmentReaderOptions, SegmentReaderStats } from './segment-reader.js';
export { HlsTimeline } from './hls-timeline.js';
export type { HlsTimelineStats, TimelineSegment } from './hls-timeline.js';
export { Fmp4Demuxer, parseFmp4Init } from './fmp4-demuxer.js';
export type { Fmp4Init, Fmp4ReadOptions, Fmp4Sample, Fmp4TrackInit } from './fmp4-demuxer.js';
export { TS_STREAM_TYPE, TsDemuxer } from './ts-demuxer.js';
export type { TsDemuxerOptions, TsDemuxerStats, TsPes, TsStream } from './ts-demuxer.js';
