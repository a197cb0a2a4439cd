import { ArgusError } from '@argus/core';
import { parseXml, xmlArray, xmlString, type XmlObject, type XmlValue } from '@argus/driver-kit';

/** A `SimpleItem` of a message's `Source` or `Data`. */
export interface AxisSimpleItem {
  /** `Name` attribute. */
  readonly name: string;
  /** `Value` attribute (empty when absent). */
  readonly value: string;
}

/** One ONVIF notification of an Axis metadata stream (`tt:MetadataStream/tt:Event/wsnt:NotificationMessage`). */
export interface AxisEventMessage {
  /** Topic as written, prefixes kept: `tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY`. */
  readonly topic: string;
  /** `Initialized` (state when the stream opens), `Changed`, `Deleted`; `undefined` for stateless events. */
  readonly operation?: string;
  /** `UtcTime` in ms since epoch, when it parses. */
  readonly utcTime?: number;
  /** `Source` items (`port`, `sensor`, `VideoSourceConfigurationToken`...). */
  readonly source: readonly AxisSimpleItem[];
  /** `Data` items (`active`, `state`, `LogicalState`...). */
  readonly data: readonly AxisSimpleItem[];
}

/** Options of {@link parseMetadataStream}. */
export interface ParseMetadataOptions {
  /** Device endpoint for error messages. */
  readonly endpoint?: string;
}

const ARRAYS = new Set(['Event', 'NotificationMessage', 'SimpleItem', 'ElementItem']);

function items(node: XmlValue | undefined): AxisSimpleItem[] {
  const out: AxisSimpleItem[] = [];
  for (const item of xmlArray(node, 'SimpleItem')) {
    if (typeof item !== 'object' || Array.isArray(item)) continue;
    const name = item['@_Name'];
    const value = item['@_Value'];
    if (typeof name === 'string') out.push({ name, value: typeof value === 'string' ? value : '' });
  }
  return out;
}

function parseMessage(notification: XmlValue, endpoint: string): AxisEventMessage | undefined {
  if (typeof notification !== 'object' || Array.isArray(notification)) return undefined;
  const topic = xmlString(notification, 'Topic')?.trim();
  if (topic === undefined || topic === '') {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'metadata NotificationMessage without a Topic' });
  }
  // The wsnt:Message wrapper holds one tt:Message; both lose their prefixes.
  const wrapper = (notification as XmlObject)['Message'];
  const message = typeof wrapper === 'object' && !Array.isArray(wrapper) ? wrapper['Message'] : undefined;
  const node = typeof message === 'object' && !Array.isArray(message) ? message : undefined;
  const operation = node === undefined ? undefined : (node['@_PropertyOperation'] as string | undefined);
  const utc = node === undefined ? undefined : (node['@_UtcTime'] as string | undefined);
  const at = utc === undefined ? Number.NaN : Date.parse(utc);
  return {
    topic,
    ...(typeof operation === 'string' && operation !== '' ? { operation } : {}),
    ...(Number.isFinite(at) ? { utcTime: at } : {}),
    source: items(node?.['Source']),
    data: items(node?.['Data']),
  };
}

/**
 * Parses one XML document of an Axis RTSP metadata stream (`tt:MetadataStream`, as carried in the RTP payload of
 * `/axis-media/media.amp?video=0&audio=0&event=on`) into its event notifications. A document without events (the
 * empty first message, or video analytics frames) gives an empty list.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for malformed XML, a root that is not `MetadataStream`, or a
 *   notification without a topic.
 * @example
 * ```ts
 * const [message] = parseMetadataStream(xml);
 * message.topic; // 'tns1:Device/tnsaxis:Sensor/PIR'
 * message.data;  // [{ name: 'state', value: '1' }]
 * ```
 */
export function parseMetadataStream(xml: string, options: ParseMetadataOptions = {}): AxisEventMessage[] {
  const endpoint = options.endpoint ?? 'device';
  const doc = parseXml(xml, { endpoint, isArray: (name) => ARRAYS.has(name) });
  const root = doc['MetadataStream'];
  if (root === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'metadata document is not a MetadataStream' });
  const out: AxisEventMessage[] = [];
  for (const event of xmlArray(root, 'Event')) {
    for (const notification of xmlArray(event, 'NotificationMessage')) {
      const message = parseMessage(notification, endpoint);
      if (message !== undefined) out.push(message);
    }
  }
  return out;
}

/** The value of a `Source` or `Data` item by name. */
export function itemValue(list: readonly AxisSimpleItem[], name: string): string | undefined {
  return list.find((item) => item.name === name)?.value;
}
