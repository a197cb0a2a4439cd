import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { hasErrorCode } from '@argus/core';
import { parseXml, xmlPath, type XmlObject } from '@argus/driver-kit';
import { elements, text } from './xml-values.js';

/** The WS-Discovery multicast group. */
export const WS_DISCOVERY_ADDRESS = '239.255.255.250';
/** The WS-Discovery port. */
export const WS_DISCOVERY_PORT = 3702;

/** One ONVIF device that answered a WS-Discovery probe. */
export interface OnvifDiscoveredDevice {
  /** Endpoint reference address (`urn:uuid:...`): the device's stable identity. */
  readonly endpoint: string;
  /** Device service URLs (`XAddrs`) that parse as http(s) URLs, as the device announced them. */
  readonly xaddrs: readonly string[];
  /** Announced scopes. */
  readonly scopes: readonly string[];
  /** Announced types (`dn:NetworkVideoTransmitter`, `tds:Device`). */
  readonly types: readonly string[];
  /** `onvif://www.onvif.org/name/...` scope, decoded. */
  readonly name?: string;
  /** `onvif://www.onvif.org/hardware/...` scope, decoded. */
  readonly hardware?: string;
  /** `onvif://www.onvif.org/location/...` scope, decoded. */
  readonly location?: string;
  /** Address the answer came from. */
  readonly address: string;
}

/** Options of {@link discoverOnvif}. */
export interface DiscoverOnvifOptions {
  /** How long to listen for answers; default 3000 ms. */
  readonly timeoutMs?: number;
  /** Abort listening early (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Probe this address by unicast instead of multicasting to the group. */
  readonly address?: string;
  /** Port to probe; default 3702. */
  readonly port?: number;
  /**
   * Local interface address to multicast from (and to bind to); default the system's choice. Set it: on a host
   * with several interfaces the probe otherwise leaves through the default route only.
   */
  readonly interface?: string;
  /** Probes sent (UDP may lose one), spread over the first part of the wait; default 3. */
  readonly repeats?: number;
}

function scopeValue(scopes: readonly string[], kind: string): string | undefined {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const found = scopes.find((s) => s.toLowerCase().startsWith(prefix));
  if (found === undefined) return undefined;
  const raw = found.slice(prefix.length);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // A scope with a stray '%': keep it as sent.
  }
  return decoded === '' ? undefined : decoded;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The devices of a WS-Discovery `ProbeMatches` message (one message may carry several matches).
 *
 * @param address - where the message came from (recorded in each device).
 * @throws ARGUS_ERR_DRIVER_PROTOCOL for malformed XML.
 * @example
 * ```ts
 * parseProbeMatches(xml, '127.0.0.1')[0]?.scopes;
 * ```
 */
export function parseProbeMatches(xml: string, address = ''): OnvifDiscoveredDevice[] {
  const doc: XmlObject = parseXml(xml, { endpoint: address === '' ? 'ws-discovery' : `udp://${address}` });
  const matches = elements(xmlPath(doc, 'Envelope', 'Body', 'ProbeMatches'), 'ProbeMatch');
  const out: OnvifDiscoveredDevice[] = [];
  for (const match of matches) {
    const endpoint = text(match, 'EndpointReference', 'Address');
    if (endpoint === undefined || endpoint === '') continue;
    const split = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter((s) => s !== '');
    const scopes = split(text(match, 'Scopes'));
    const name = scopeValue(scopes, 'name');
    const hardware = scopeValue(scopes, 'hardware');
    const location = scopeValue(scopes, 'location');
    out.push({
      endpoint,
      xaddrs: split(text(match, 'XAddrs')).filter(isHttpUrl),
      scopes,
      types: split(text(match, 'Types')),
      ...(name === undefined ? {} : { name }),
      ...(hardware === undefined ? {} : { hardware }),
      ...(location === undefined ? {} : { location }),
      address,
    });
  }
  return out;
}

/** The WS-Discovery Probe for ONVIF video transmitters. */
export function probeEnvelope(messageId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    '<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    `<a:MessageID>${messageId}</a:MessageID><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>'
  );
}

/**
 * Finds ONVIF devices with WS-Discovery: sends a Probe for `NetworkVideoTransmitter` (multicast to
 * 239.255.255.250:3702, or unicast to `address`) and collects the `ProbeMatches` that arrive within `timeoutMs`,
 * one entry per device endpoint. Answers that are not WS-Discovery XML are ignored.
 *
 * Written beside node-onvif rather than through its `startProbe()`: that one cannot choose the multicast interface
 * (on a multi-homed host its probe leaves by the default route only), cannot probe one address by unicast, waits a
 * fixed 3 s with no way to abort, and drops matches that carry no Scopes.
 *
 * @example
 * ```ts
 * const devices = await discoverOnvif({ timeoutMs: 2000, interface: '192.168.1.10' });
 * for (const d of devices) console.log(d.hardware, d.xaddrs[0]);
 * ```
 */
export async function discoverOnvif(options: DiscoverOnvifOptions = {}): Promise<OnvifDiscoveredDevice[]> {
  const timeoutMs = options.timeoutMs ?? 3000;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  options.signal?.throwIfAborted();
  const target = options.address ?? WS_DISCOVERY_ADDRESS;
  const port = options.port ?? WS_DISCOVERY_PORT;
  const repeats = Math.max(1, options.repeats ?? 3);
  const messageId = `uuid:${randomUUID()}`;
  const probe = Buffer.from(probeEnvelope(messageId), 'utf8');
  const found = new Map<string, OnvifDiscoveredDevice>();
  const socket: Socket = createSocket({ type: 'udp4' });

  return new Promise<OnvifDiscoveredDevice[]>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const settle = (): void => (error === undefined ? resolve([...found.values()]) : reject(error));
      try {
        socket.close(settle);
      } catch {
        settle(); // already closed by the error being reported
      }
    };
    const onAbort = (): void => finish(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish(err));
    socket.on('message', (message: Buffer, remote: RemoteInfo) => {
      try {
        for (const device of parseProbeMatches(message.toString('utf8'), remote.address)) {
          if (!found.has(device.endpoint)) found.set(device.endpoint, device);
        }
      } catch (err) {
        if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) finish(err);
      }
    });
    socket.bind({ port: 0, ...(options.interface === undefined ? {} : { address: options.interface }) }, () => {
      if (done) return;
      try {
        if (options.address === undefined && options.interface !== undefined) socket.setMulticastInterface(options.interface);
      } catch (err) {
        finish(err);
        return;
      }
      const spacing = Math.min(250, timeoutMs / (repeats + 1));
      for (let i = 0; i < repeats; i++) {
        timers.push(
          setTimeout(() => {
            if (done) return;
            socket.send(probe, port, target, (err) => {
              if (err) finish(err);
            });
          }, i * spacing),
        );
      }
      timers.push(setTimeout(() => finish(), timeoutMs));
    });
  });
}
