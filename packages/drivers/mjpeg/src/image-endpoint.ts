import { ArgusError, type ConnectConfig, type DeviceSession, type Logger, type ProbeEndpoint, type ProbeMatch, type ProbeOptions } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { DeviceHttpClient, httpScheme, pathForMessages } from '@argus/driver-kit';
import { JPEG_DEFAULT_PATHS, MJPEG_DEFAULT_PATHS, type KnownImagePath } from './default-paths.js';
import { findImagePath, type ImageEndpointKind } from './inspect-image-path.js';

/** What each driver looks for at a bare address, and how its error names it: data, not branches. */
const KINDS: Readonly<Record<ImageEndpointKind, { readonly defaults: readonly KnownImagePath[]; readonly noun: string }>> = {
  mjpeg: { defaults: MJPEG_DEFAULT_PATHS, noun: 'an MJPEG stream' },
  jpeg: { defaults: JPEG_DEFAULT_PATHS, noun: 'a JPEG' },
};

function defaultPaths(kind: ImageEndpointKind): string[] {
  return KINDS[kind].defaults.map((p) => p.path);
}

/** What a driver's probe reports when {@link probeImageEndpoint} finds its kind of path. */
export interface ImageProbeTarget {
  /** What the driver reads: an MJPEG stream or a JPEG. */
  readonly kind: ImageEndpointKind;
  /** The driver's manifest id. */
  readonly driver: string;
  /** Score of a path that serves `kind`. */
  readonly score: number;
  /** Camera type of the match. */
  readonly cameraType: number;
}

/**
 * The probe of both drivers: GETs the endpoint's path, or each default path of the kind in order for a bare
 * address, over one connection, and matches the first that serves the kind (details: path, content type, size).
 * `null` for a scheme other than HTTP(S) or when no path serves it; see {@link findImagePath} for what throws.
 */
export async function probeImageEndpoint(endpoint: ProbeEndpoint, options: ProbeOptions, target: ImageProbeTarget, logger: Logger): Promise<ProbeMatch | null> {
  const scheme = httpScheme(endpoint.scheme);
  if (scheme === undefined) return null;
  const explicit = endpoint.path !== undefined && endpoint.path !== '';
  const paths = explicit ? [endpoint.path!] : defaultPaths(target.kind);
  const http = DeviceHttpClient.forDevice(endpoint, scheme, { timeoutMs: options.timeoutMs, logger, connections: 1 });
  try {
    const found = await findImagePath(http, target.kind, paths, {
      explicit,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      username: endpoint.username,
    });
    if (found === undefined) return null;
    const { width, height } = found.size;
    return { driver: target.driver, score: target.score, cameraType: target.cameraType, details: { path: found.path, contentType: found.contentType, width, height } };
  } finally {
    await http.close();
  }
}

/** A camera's image source as connect found it: the device client, the path, and where that is for messages. */
export interface ImageSource {
  /** The device client (Digest/Basic as the device asks); the session closes it. */
  readonly http: DeviceHttpClient;
  /** The configured path, else the first default path of the kind that serves it. */
  readonly path: string;
  /** `http.endpoint` and the path without its query, for errors. */
  readonly endpoint: string;
}

/** What {@link connectImageSource} needs besides the camera's connection. */
export interface ImageConnectTarget {
  /** What the driver reads: an MJPEG stream or a JPEG. */
  readonly kind: ImageEndpointKind;
  /** The driver's manifest id, for the config error. */
  readonly driver: string;
  /** The camera's `options.scheme`; default http. */
  readonly scheme: 'http' | 'https' | undefined;
  /** Time for one request. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * The connect of both drivers up to their own session: opens the device client, finds the path (the configured one,
 * else the first default path of the kind that serves it; none does: `ARGUS_ERR_DRIVER_CONFIG_INVALID`, "set
 * connection.path"), and hands both to `open`. The client is closed when anything fails; otherwise the session
 * `open` returns owns it.
 */
export async function connectImageSource(
  config: ConnectConfig,
  target: ImageConnectTarget,
  open: (source: ImageSource) => Promise<DeviceSession>,
): Promise<DeviceSession> {
  const { kind, timeoutMs } = target;
  const http = DeviceHttpClient.forDevice(config, target.scheme ?? 'http', { timeoutMs, logger: target.logger });
  try {
    let path = config.path;
    if (path === undefined || path === '') {
      const paths = defaultPaths(kind);
      const found = await findImagePath(http, kind, paths, { explicit: false, timeoutMs, username: config.username });
      if (found === undefined) {
        throw new ArgusError('ARGUS_ERR_DRIVER_CONFIG_INVALID', {
          driver: target.driver,
          reason: `no path was given and none of the default paths (${paths.join(', ')}) serves ${KINDS[kind].noun}; set connection.path`,
        });
      }
      path = found.path;
    }
    return await open({ http, path, endpoint: `${http.endpoint}${pathForMessages(path)}` });
  } catch (err) {
    await http.close();
    throw err;
  }
}

/** GETs one snapshot: its body when that is a whole JPEG (SOI..EOI), else `ARGUS_ERR_DRIVER_PROTOCOL`. */
export async function fetchJpeg(http: DeviceHttpClient, path: string): Promise<Uint8Array> {
  const reply = await http.bytes({ path });
  if (!isJpeg(reply.body)) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
      endpoint: `${http.endpoint}${pathForMessages(path)}`,
      reason: `the snapshot is not a whole JPEG (content type "${reply.headers['content-type'] ?? ''}")`,
    });
  }
  return reply.body;
}
