import { ArgusError, deviceUrl, type Logger, type ProbeEndpoint, type ProbeMatch, type ProbeOptions } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { DeviceHttpClient } from '@argus/driver-kit';
import { JPEG_DEFAULT_PATHS, MJPEG_DEFAULT_PATHS, type KnownImagePath } from './default-paths.js';
import { findImagePath, type ImageEndpointKind } from './inspect-image-path.js';
import { pathForMessages } from './mjpeg-frames.js';

/** What each driver looks for at a bare address, and how its error names it: data, not branches. */
const KINDS: Readonly<Record<ImageEndpointKind, { readonly defaults: readonly KnownImagePath[]; readonly noun: string }>> = {
  mjpeg: { defaults: MJPEG_DEFAULT_PATHS, noun: 'an MJPEG stream' },
  jpeg: { defaults: JPEG_DEFAULT_PATHS, noun: 'a JPEG' },
};

function defaultPaths(kind: ImageEndpointKind): string[] {
  return KINDS[kind].defaults.map((p) => p.path);
}

/** The scheme of a probe endpoint if these drivers speak it (`http`, `https`, or none given), else `undefined`. */
export function httpScheme(scheme: string | undefined): 'http' | 'https' | undefined {
  if (scheme === undefined || scheme === '') return 'http';
  const lower = scheme.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}

/** Where a device is and who to be: what {@link imageHttpClient} needs. */
export interface ImageDeviceAddress {
  readonly host: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
}

/** The device client of both drivers: Digest/Basic as the device asks, typed errors. */
export function imageHttpClient(
  address: ImageDeviceAddress,
  scheme: 'http' | 'https',
  options: { timeoutMs: number; logger: Logger; connections?: number },
): DeviceHttpClient {
  return new DeviceHttpClient({
    baseUrl: deviceUrl({ scheme, host: address.host, port: address.port }),
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    timeoutMs: options.timeoutMs,
    logger: options.logger,
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
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
  const http = imageHttpClient(endpoint, scheme, { timeoutMs: options.timeoutMs, logger, connections: 1 });
  try {
    const found = await findImagePath(http, target.kind, paths, {
      explicit,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    });
    if (found === undefined) return null;
    const { width, height } = found.size;
    return { driver: target.driver, score: target.score, cameraType: target.cameraType, details: { path: found.path, contentType: found.contentType, width, height } };
  } finally {
    await http.close();
  }
}

/**
 * The path a connect uses: the configured one, else the first default path of the kind that serves it. Throws
 * `ARGUS_ERR_DRIVER_CONFIG_INVALID` ("set connection.path") when none does.
 */
export async function resolveImagePath(
  http: DeviceHttpClient,
  config: { readonly path?: string; readonly username?: string },
  kind: ImageEndpointKind,
  driver: string,
  timeoutMs: number,
): Promise<string> {
  if (config.path !== undefined && config.path !== '') return config.path;
  const paths = defaultPaths(kind);
  const found = await findImagePath(http, kind, paths, { explicit: false, timeoutMs, ...(config.username === undefined ? {} : { username: config.username }) });
  if (found === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_CONFIG_INVALID', {
      driver,
      reason: `no path was given and none of the default paths (${paths.join(', ')}) serves ${KINDS[kind].noun}; set connection.path`,
    });
  }
  return found.path;
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
