/** The port a device listens on when its address gives none, by URL scheme. */
const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ['http', 80],
  ['https', 443],
  ['rtsp', 554],
]);

/**
 * A host as written in a URL authority: an IPv6 literal in brackets (`fe80::1` becomes `[fe80::1]`); host names,
 * IPv4 addresses and literals already in brackets unchanged.
 *
 * @example
 * ```ts
 * hostAuthority('fe80::1'); // '[fe80::1]'
 * hostAuthority('10.0.0.9'); // '10.0.0.9'
 * ```
 */
export function hostAuthority(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The parts of {@link deviceUrl}; credentials have no place here and never end up in the URL. */
export interface DeviceUrlParts {
  /** `http`, `https` or `rtsp` (or any scheme, with a port). */
  readonly scheme: string;
  /** Host name, IPv4 address, or IPv6 literal with or without brackets. */
  readonly host: string;
  /** The port; default the scheme's: http 80, https 443, rtsp 554. */
  readonly port?: number;
  /** Path and query after the authority, a leading `/` added when missing (`''` gives `/`); none for the origin. */
  readonly path?: string;
}

/**
 * The URL of a device, `scheme://host:port/path`, without credentials: IPv6 literals in brackets and the port
 * always written (the scheme's default when none is given). Without a path it is the origin, the `baseUrl` of
 * an HTTP client.
 *
 * @throws RangeError when no port is given and the scheme has no default port.
 *
 * @example
 * ```ts
 * deviceUrl({ scheme: 'https', host: '10.0.0.9' }); // 'https://10.0.0.9:443'
 * deviceUrl({ scheme: 'rtsp', host: 'fe80::1', path: '/Streaming/Channels/101' }); // 'rtsp://[fe80::1]:554/Streaming/Channels/101'
 * ```
 */
export function deviceUrl(parts: DeviceUrlParts): string {
  const port = parts.port ?? DEFAULT_PORTS.get(parts.scheme.toLowerCase());
  if (port === undefined) throw new RangeError(`No port given and the scheme "${parts.scheme}" has no default port`);
  const path = parts.path === undefined ? '' : parts.path.startsWith('/') ? parts.path : `/${parts.path}`;
  return `${parts.scheme}://${hostAuthority(parts.host)}:${port}${path}`;
}
