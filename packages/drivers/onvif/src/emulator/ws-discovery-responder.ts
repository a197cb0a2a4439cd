import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { errorMessage, hasErrorCode, silentLogger, type Logger } from '@argus/core';
import { parseXml, xmlEscape, xmlPath } from '@argus/driver-kit';
import { WS_DISCOVERY_ADDRESS, WS_DISCOVERY_PORT } from '../discover-onvif.js';
import { text } from '../xml-values.js';

/** What a {@link WsDiscoveryResponder} announces about its device. */
export interface ProbeMatchInfo {
  /** Endpoint reference (`urn:uuid:...`), stable for the device. */
  readonly endpoint: string;
  /** Device service URLs. */
  readonly xaddrs: readonly string[];
  /** ONVIF scopes (`onvif://www.onvif.org/hardware/<model>`...). */
  readonly scopes: readonly string[];
}

/** Options of a {@link WsDiscoveryResponder}. */
export interface WsDiscoveryResponderOptions {
  /** Address the unicast socket binds and the multicast group is joined on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port of the unicast socket; default 0 (any free port). */
  readonly port?: number;
  /** Also listen on the WS-Discovery multicast group 239.255.255.250:3702 (joined on `host`); default false. */
  readonly multicast?: boolean;
  /** The device's current announcement (read per probe, so ports learnt at start are current). */
  readonly match: () => ProbeMatchInfo;
  /** Where to log; default silent. */
  readonly logger?: Logger;
}

const TYPES = 'dn:NetworkVideoTransmitter tds:Device';

/** The ProbeMatches envelope, shaped like the agsh mockup's Probe.xml capture. */
export function probeMatchesEnvelope(info: ProbeMatchInfo, relatesTo: string, messageNumber: number): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ` +
    `xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery" ` +
    `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
    `<SOAP-ENV:Header><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${xmlEscape(relatesTo)}</wsa:RelatesTo>` +
    `<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
    `<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>` +
    `<wsdd:AppSequence MessageNumber="${messageNumber}" InstanceId="1"></wsdd:AppSequence></SOAP-ENV:Header>` +
    `<SOAP-ENV:Body><wsdd:ProbeMatches><wsdd:ProbeMatch><wsa:EndpointReference><wsa:Address>${xmlEscape(info.endpoint)}</wsa:Address></wsa:EndpointReference>` +
    `<wsdd:Types>${TYPES}</wsdd:Types><wsdd:Scopes>${xmlEscape(info.scopes.join(' '))}</wsdd:Scopes>` +
    `<wsdd:XAddrs>${xmlEscape(info.xaddrs.join(' '))}</wsdd:XAddrs><wsdd:MetadataVersion>1</wsdd:MetadataVersion></wsdd:ProbeMatch></wsdd:ProbeMatches>` +
    `</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

/** True when a probe's Types ask for what an ONVIF camera is (no Types asks for anything). */
function wanted(types: string | undefined): boolean {
  if (types === undefined || types.trim() === '') return true;
  return types
    .split(/\s+/)
    .map((t) => t.slice(t.indexOf(':') + 1))
    .some((t) => t === 'NetworkVideoTransmitter' || t === 'Device');
}

/**
 * The device side of WS-Discovery: answers `Probe` messages (Types `NetworkVideoTransmitter` or `Device`, or none)
 * with a `ProbeMatches` sent back to the prober's address and port. Listens on a unicast UDP port and, when asked,
 * on the multicast group joined on the loopback interface only.
 *
 * @example
 * ```ts
 * const responder = new WsDiscoveryResponder({ match: () => ({ endpoint, xaddrs: [url], scopes }) });
 * await responder.start();
 * await discoverOnvif({ address: '127.0.0.1', port: responder.port, timeoutMs: 1000 });
 * ```
 */
export class WsDiscoveryResponder {
  readonly #host: string;
  readonly #multicast: boolean;
  readonly #match: () => ProbeMatchInfo;
  readonly #logger: Logger;
  #port: number;
  #sockets: Socket[] = [];
  #messageNumber = 0;
  #probes = 0;

  constructor(options: WsDiscoveryResponderOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#multicast = options.multicast ?? false;
    this.#match = options.match;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Port of the unicast socket (known after `start()`). */
  get port(): number {
    return this.#port;
  }

  /** Probes answered so far. */
  get probes(): number {
    return this.#probes;
  }

  /** Opens the sockets. Idempotent. */
  async start(): Promise<void> {
    if (this.#sockets.length > 0) return;
    const unicast = await this.#bind(this.#port, this.#host);
    this.#port = unicast.address().port;
    this.#sockets.push(unicast);
    if (this.#multicast) {
      const group = await this.#bind(WS_DISCOVERY_PORT, WS_DISCOVERY_ADDRESS);
      try {
        group.addMembership(WS_DISCOVERY_ADDRESS, this.#host);
      } catch (err) {
        group.close();
        throw err;
      }
      this.#sockets.push(group);
    }
  }

  /** Closes the sockets. Idempotent. */
  async stop(): Promise<void> {
    const sockets = this.#sockets;
    this.#sockets = [];
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }

  #bind(port: number, address: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      socket.once('error', reject);
      socket.bind({ port, address, exclusive: false }, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.#logger.warn({ reason: err.message }, 'WS-Discovery socket error'));
        socket.on('message', (message, remote) => this.#onMessage(socket, message, remote));
        resolve(socket);
      });
    });
  }

  #onMessage(socket: Socket, message: Buffer, remote: RemoteInfo): void {
    let messageId: string | undefined;
    let types: string | undefined;
    try {
      const doc = parseXml(message.toString('utf8'));
      const envelope = xmlPath(doc, 'Envelope');
      if (xmlPath(envelope, 'Body', 'Probe') === undefined) return;
      messageId = text(envelope, 'Header', 'MessageID');
      types = text(envelope, 'Body', 'Probe', 'Types');
    } catch (err) {
      // Not XML (or not a Probe we can read): not for us. A responder never crashes on what arrives by UDP.
      if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) this.#logger.debug({ reason: errorMessage(err) }, 'WS-Discovery message ignored');
      return;
    }
    if (!wanted(types)) return;
    this.#probes += 1;
    this.#messageNumber += 1;
    const reply = Buffer.from(probeMatchesEnvelope(this.#match(), messageId ?? '', this.#messageNumber), 'utf8');
    socket.send(reply, remote.port, remote.address, (err) => {
      if (err) this.#logger.warn({ reason: err.message }, 'WS-Discovery reply failed');
    });
  }
}
