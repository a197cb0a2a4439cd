/**
 * The scheme of a probe endpoint when an HTTP driver speaks it: `http` or `https` (any case), `http` when none is
 * given; `undefined` for any other scheme, which the driver's probe answers with `null`.
 *
 * @example
 * ```ts
 * const scheme = httpScheme(endpoint.scheme);
 * if (scheme === undefined) return null;
 * const http = DeviceHttpClient.forDevice(endpoint, scheme, { timeoutMs: options.timeoutMs });
 * ```
 */
export function httpScheme(scheme: string | undefined): 'http' | 'https' | undefined {
  if (scheme === undefined || scheme === '') return 'http';
  const lower = scheme.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}
