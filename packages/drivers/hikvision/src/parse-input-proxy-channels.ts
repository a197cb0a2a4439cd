import { xmlArray } from '@argus/driver-kit';
import { intAt, parseIsapiDocument, textAt } from './isapi-document.js';

/** One IP-camera input of a recorder (`GET /ISAPI/ContentMgmt/InputProxy/channels`). */
export interface IsapiInputProxyChannel {
  /** Recorder channel number: stream ids `<id>01` (main) and `<id>02` (sub). */
  readonly id: number;
  readonly name?: string;
  /** `HIKVISION`, `ONVIF`... */
  readonly proxyProtocol?: string;
  /** Address of the camera behind the recorder (for display only: Argus talks to the recorder). */
  readonly address?: string;
  readonly model?: string;
  readonly serialNumber?: string;
  readonly firmwareVersion?: string;
}

/**
 * Parses `<InputProxyChannelList>`: the IP cameras a recorder records. Channels without a numeric id are
 * skipped; malformed XML throws `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * parseInputProxyChannels(xml); // [{ id: 1, name: 'Gate', proxyProtocol: 'HIKVISION', model: 'DS-2CD2346G2-ISU' }]
 * ```
 */
export function parseInputProxyChannels(text: string, endpoint = 'isapi'): IsapiInputProxyChannel[] {
  const doc = parseIsapiDocument(text, ['InputProxyChannelList', 'InputProxyChannel'], { endpoint });
  const nodes = doc.root === 'InputProxyChannel' ? [doc.node] : xmlArray(doc.node, 'InputProxyChannel');
  const out: IsapiInputProxyChannel[] = [];
  for (const node of nodes) {
    const id = intAt(node, 'id');
    if (id === undefined) continue;
    const field = (key: keyof IsapiInputProxyChannel, ...path: string[]) => {
      const value = textAt(node, ...path);
      return value === undefined ? {} : { [key]: value };
    };
    out.push({
      id,
      ...field('name', 'name'),
      ...field('proxyProtocol', 'sourceInputPortDescriptor', 'proxyProtocol'),
      ...(textAt(node, 'sourceInputPortDescriptor', 'ipAddress') === undefined
        ? field('address', 'sourceInputPortDescriptor', 'hostName')
        : field('address', 'sourceInputPortDescriptor', 'ipAddress')),
      ...field('model', 'sourceInputPortDescriptor', 'model'),
      ...field('serialNumber', 'sourceInputPortDescriptor', 'serialNumber'),
      ...field('firmwareVersion', 'sourceInputPortDescriptor', 'firmwareVersion'),
    });
  }
  return out;
}
