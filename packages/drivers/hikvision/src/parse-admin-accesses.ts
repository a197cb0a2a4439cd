import { xmlArray } from '@argus/driver-kit';
import { boolAt, intAt, parseIsapiDocument, textAt } from './isapi-document.js';

/** One `<AdminAccessProtocol>` of `GET /ISAPI/Security/adminAccesses`: a service and its port. */
export interface IsapiAccessProtocol {
  /** Upper-case protocol name: `HTTP`, `HTTPS`, `RTSP`, `DEV_MANAGE`, `SRTP`, `WebSocket`... */
  readonly protocol: string;
  readonly port: number;
  readonly enabled: boolean;
}

/**
 * Parses `<AdminAccessProtocolList>`: the ports of the device's services. Entries without a protocol or a port
 * are skipped; malformed XML throws `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const rtsp = parseAdminAccesses(xml).find((p) => p.protocol === 'RTSP')?.port ?? 554;
 * ```
 */
export function parseAdminAccesses(text: string, endpoint = 'isapi'): IsapiAccessProtocol[] {
  const doc = parseIsapiDocument(text, ['AdminAccessProtocolList', 'AdminAccessProtocol'], { endpoint });
  const nodes = doc.root === 'AdminAccessProtocol' ? [doc.node] : xmlArray(doc.node, 'AdminAccessProtocol');
  const out: IsapiAccessProtocol[] = [];
  for (const node of nodes) {
    const protocol = textAt(node, 'protocol');
    const port = intAt(node, 'portNo');
    if (protocol === undefined || port === undefined || port < 1 || port > 65_535) continue;
    out.push({ protocol: protocol.toUpperCase(), port, enabled: boolAt(node, 'enabled') ?? true });
  }
  return out;
}

/** The enabled RTSP port of an access list, `undefined` when the list has none. */
export function rtspPortOf(protocols: readonly IsapiAccessProtocol[]): number | undefined {
  return protocols.find((p) => p.protocol === 'RTSP' && p.enabled)?.port;
}
