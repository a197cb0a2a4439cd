/** A well-known HTTP path of an image source, with the firmware families that serve it. */
export interface KnownImagePath {
  /** Path and query, as requested. */
  readonly path: string;
  /** Who serves it, as a hint for people (never used to branch). */
  readonly seenOn: string;
}

/**
 * MJPEG stream paths tried, in order, when a probe is given a bare address (no path). The list is data: adding a
 * firmware family is adding a row. Kept short because a probe has a few seconds for all of them.
 */
export const MJPEG_DEFAULT_PATHS: readonly KnownImagePath[] = [
  { path: '/mjpg/video.mjpg', seenOn: 'Axis (VAPIX short form)' },
  { path: '/axis-cgi/mjpg/video.cgi', seenOn: 'Axis (VAPIX)' },
  { path: '/video.mjpg', seenOn: 'generic encoders' },
  { path: '/cgi-bin/mjpg/video.cgi', seenOn: 'Dahua, Amcrest (sub stream in MJPEG mode)' },
  { path: '/videostream.cgi', seenOn: 'Foscam MJPEG models, Tenvis, Wanscam' },
  { path: '/nphMotionJpeg', seenOn: 'Panasonic BB/BL/WV' },
  { path: '/?action=stream', seenOn: 'mjpg-streamer' },
  { path: '/', seenOn: 'motion (Linux), small encoders that stream at the root' },
];

/** Snapshot paths tried, in order, when a probe is given a bare address (no path). */
export const JPEG_DEFAULT_PATHS: readonly KnownImagePath[] = [
  { path: '/snapshot.jpg', seenOn: 'generic encoders' },
  { path: '/image.jpg', seenOn: 'generic encoders' },
  { path: '/cgi-bin/snapshot.cgi', seenOn: 'Dahua, Amcrest, Foscam HD' },
  { path: '/axis-cgi/jpg/image.cgi', seenOn: 'Axis (VAPIX)' },
  { path: '/snapshot.cgi', seenOn: 'Foscam MJPEG models, D-Link' },
  { path: '/?action=snapshot', seenOn: 'mjpg-streamer' },
];
