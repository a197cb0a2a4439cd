/** `http(s)://host:port` of a device, with IPv6 literals bracketed; the port defaults to the scheme's. */
export function deviceBaseUrl(host: string, port: number | undefined, scheme: 'http' | 'https' = 'http'): string {
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${authority}:${port ?? (scheme === 'https' ? 443 : 80)}`;
}

/** The scheme of a probe endpoint if these drivers speak it (`http`, `https`, or none given), else `undefined`. */
export function httpScheme(scheme: string | undefined): 'http' | 'https' | undefined {
  if (scheme === undefined || scheme === '') return 'http';
  const lower = scheme.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}
