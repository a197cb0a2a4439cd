/** Where `argus probe` looks for a device: a driver named by the address's scheme, or any driver for a bare address. */
export interface DeviceAddress {
  /** Driver id from the scheme (`onvif://` -> `onvif`); absent for a bare `host[:port]`, which every driver probes. */
  readonly driver?: string;
  readonly host: string;
  readonly port?: number;
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const BARE = /^(?:\[([0-9a-f:.]+)\]|([^\s:/[\]]+))(?::([0-9]{1,5}))?$/i;

function port(text: string | undefined, input: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new RangeError(`Invalid port in "${input}": expected 1..65535`);
  return value;
}

/**
 * Reads a device address as `argus probe` takes it: `scheme://[user[:pass]@]host[:port][/path]`, where the scheme is
 * a driver id (`onvif`, `hikvision`, `dahua`, `axis`...), or a bare `host[:port]` (IPv6 in brackets). Credentials in
 * the URL are percent-decoded; `credentials` (from `--user`/`--pass`) fill what the URL leaves out. Throws RangeError
 * for anything else, naming the input without its password.
 *
 * @example
 * ```ts
 * parseDeviceAddress('onvif://admin:pa%40ss@10.0.0.5:8000'); // { driver: 'onvif', host: '10.0.0.5', port: 8000, username: 'admin', password: 'pa@ss' }
 * parseDeviceAddress('10.0.0.5', { username: 'admin', password: 'x' }); // { host: '10.0.0.5', username: 'admin', password: 'x' }
 * ```
 */
export function parseDeviceAddress(input: string, credentials: { username?: string; password?: string } = {}): DeviceAddress {
  const text = input.trim();
  const scheme = SCHEME.exec(text);
  let address: DeviceAddress;
  if (scheme === null) {
    const bare = BARE.exec(text);
    if (bare === null) throw new RangeError(`Not a device address: "${text}" (expected scheme://host[:port] or host[:port])`);
    const host = bare[1] ?? bare[2] ?? '';
    address = { host, ...optional('port', port(bare[3], text)) };
  } else {
    let url: URL;
    try {
      url = new URL(text.replace(SCHEME, 'http://'));
    } catch {
      throw new RangeError(`Not a device address: "${text.replace(/\/\/[^@/]*@/, '//***@')}"`);
    }
    if (url.hostname === '') throw new RangeError(`No host in "${text.replace(/\/\/[^@/]*@/, '//***@')}"`);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const path = url.pathname === '/' && url.search === '' ? undefined : `${url.pathname}${url.search}`;
    address = {
      driver: (scheme[1] as string).toLowerCase(),
      host,
      ...optional('port', port(url.port, text)),
      ...optional('path', path),
      ...optional('username', url.username === '' ? undefined : decodeURIComponent(url.username)),
      ...optional('password', url.password === '' ? undefined : decodeURIComponent(url.password)),
    };
  }
  return {
    ...address,
    ...optional('username', address.username ?? credentials.username),
    ...optional('password', address.password ?? credentials.password),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
