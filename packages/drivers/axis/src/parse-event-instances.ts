import { ArgusError, type DeviceEventKind } from '@argus/core';
import { parseXml, xmlArray, xmlPath, type XmlObject, type XmlValue } from '@argus/driver-kit';
import { AXIS_TOPIC_RULES, type AxisTopicRule } from './axis-device-event.js';

/** One `SimpleItemInstance` of a topic declaration. */
export interface AxisEventItemDeclaration {
  /** Item name (`sensor`, `state`, `active`...). */
  readonly name: string;
  /** XML schema type (`xsd:boolean`, `tt:ReferenceToken`...). */
  readonly type?: string;
  /** Values the device lists for a source item (`areaid` 0, `RuleName` `VMD 4 ACAP`...). */
  readonly values: readonly string[];
}

/** One event topic an Axis device declares (`GetEventInstances` of the VAPIX event service). */
export interface AxisEventTopic {
  /** Topic path without namespace prefixes, as {@link plainTopic} writes it: `Device/Sensor/PIR`. */
  readonly topic: string;
  /** `aev:NiceName` of the topic (`PIR sensor`), where given. */
  readonly niceName?: string;
  /** True for stateful (property) events, which report `Initialized` states when a stream opens. */
  readonly isProperty: boolean;
  /** Items that identify the source (`port`, `sensor`...). */
  readonly source: readonly AxisEventItemDeclaration[];
  /** Items that carry the state or value. */
  readonly data: readonly AxisEventItemDeclaration[];
  /** The `DeviceEvent` kind Argus maps this topic to, or `undefined` when it is not mapped. */
  readonly kind?: DeviceEventKind;
}

const ARRAYS = new Set(['SimpleItemInstance', 'Value', 'MessageInstance']);
const META = new Set(['MessageInstance', 'SourceInstance', 'DataInstance', 'KeyInstance', '#text']);

function isObject(value: XmlValue | undefined): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function declarations(node: XmlValue | undefined): AxisEventItemDeclaration[] {
  const out: AxisEventItemDeclaration[] = [];
  for (const item of xmlArray(node, 'SimpleItemInstance')) {
    if (!isObject(item) || typeof item['@_Name'] !== 'string') continue;
    const values = xmlArray(item, 'Value').map((v) => (typeof v === 'string' ? v : isObject(v) && typeof v['#text'] === 'string' ? v['#text'] : ''));
    out.push({ name: item['@_Name'], ...(typeof item['@_Type'] === 'string' ? { type: item['@_Type'] } : {}), values });
  }
  return out;
}

function walk(node: XmlObject, path: string[], rules: readonly AxisTopicRule[], out: AxisEventTopic[]): void {
  for (const [name, child] of Object.entries(node)) {
    if (name.startsWith('@_') || META.has(name)) continue;
    for (const element of Array.isArray(child) ? child : [child]) {
      if (!isObject(element)) continue;
      const here = [...path, name];
      if (element['@_topic'] === 'true') {
        const message = xmlArray(element, 'MessageInstance')[0];
        const topic = here.join('/');
        const kind = rules.find((rule) => rule.topic.test(topic))?.kind;
        out.push({
          topic,
          ...(typeof element['@_NiceName'] === 'string' ? { niceName: element['@_NiceName'] } : {}),
          isProperty: isObject(message) && message['@_isProperty'] === 'true',
          source: declarations(xmlPath(message, 'SourceInstance')),
          data: declarations(xmlPath(message, 'DataInstance')),
          ...(kind === undefined ? {} : { kind }),
        });
      }
      walk(element, here, rules, out);
    }
  }
}

/**
 * Parses the SOAP reply of the VAPIX event service's `GetEventInstances` (`POST /vapix/services`): every topic the
 * device can raise, with its source and data items and the Argus event kind it maps to.
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for malformed XML or a reply without a `TopicSet`.
 * @example
 * ```ts
 * parseEventInstances(xml).filter((t) => t.kind === 'motion').map((t) => t.topic);
 * // ['RuleEngine/MotionRegionDetector/Motion', 'RuleEngine/VMD3/vmd3_video_1', 'CameraApplicationPlatform/VMD/Camera1Profile2', ...]
 * ```
 */
export function parseEventInstances(xml: string, options: { endpoint?: string; rules?: readonly AxisTopicRule[] } = {}): AxisEventTopic[] {
  const endpoint = options.endpoint ?? 'device';
  const doc = parseXml(xml, { endpoint, isArray: (name) => ARRAYS.has(name) });
  const topicSet = xmlPath(doc, 'Envelope', 'Body', 'GetEventInstancesResponse', 'TopicSet');
  if (!isObject(topicSet) && topicSet !== '') {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'GetEventInstances reply without a TopicSet' });
  }
  const out: AxisEventTopic[] = [];
  if (isObject(topicSet)) walk(topicSet, [], options.rules ?? AXIS_TOPIC_RULES, out);
  return out;
}
