import type { XmlObject, XmlValue } from '@argus/driver-kit';
import { attr, elements, first, isXmlObject, protocolError, responseElement, text } from './xml-values.js';

/** One `wsnt:NotificationMessage`: a topic and the `tt:Message` items. */
export interface OnvifNotification {
  /** Topic exactly as sent, trimmed (`tns1:RuleEngine/CellMotionDetector/Motion`). */
  readonly topic: string;
  /** The topic without its namespace prefix (`RuleEngine/CellMotionDetector/Motion`), what events are mapped on. */
  readonly topicPath: string;
  /** `UtcTime` of the message in ms since epoch, when present and valid. */
  readonly at?: number;
  /** `Initialized` (state at subscription time), `Changed` or `Deleted`, when the device says. */
  readonly propertyOperation?: string;
  /** `tt:Source` simple items (which video source, rule...). */
  readonly source: Readonly<Record<string, string>>;
  /** `tt:Key` simple items. */
  readonly key: Readonly<Record<string, string>>;
  /** `tt:Data` simple items (`IsMotion`, `State`...). */
  readonly data: Readonly<Record<string, string>>;
}

/** The answer to CreatePullPointSubscription. */
export interface OnvifPullPointSubscription {
  /** Address of the subscription (the pull point) as the device gave it. */
  readonly address: string;
  /** Device time of the reply, ms since epoch. */
  readonly currentTime?: number;
  /** When the subscription expires unless renewed, device time, ms since epoch. */
  readonly terminationTime?: number;
}

/** The answer to PullMessages. */
export interface OnvifPullMessages {
  /** Device time of the reply, ms since epoch. */
  readonly currentTime?: number;
  /** When the subscription expires unless renewed, device time, ms since epoch. */
  readonly terminationTime?: number;
  /** The notifications, in the order sent. */
  readonly notifications: OnvifNotification[];
}

/** Parses an xs:dateTime; a value without a zone is taken as UTC (as ONVIF devices mean it). */
export function parseOnvifTime(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (v === undefined || v === '') return undefined;
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

function simpleItems(node: XmlValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of elements(node, 'SimpleItem')) {
    const name = attr(item, 'Name');
    const value = attr(item, 'Value');
    if (name !== undefined && value !== undefined) out[name] = value;
  }
  return out;
}

function notification(node: XmlObject): OnvifNotification | undefined {
  const topic = text(node, 'Topic');
  if (topic === undefined || topic === '') return undefined;
  const wrapper = first(node['Message']);
  // wsnt:Message wraps tt:Message; some devices put the items straight into wsnt:Message.
  const inner = isXmlObject(wrapper) && isXmlObject(first(wrapper['Message'])) ? (first(wrapper['Message']) as XmlObject) : wrapper;
  const message = isXmlObject(inner) ? inner : {};
  const at = parseOnvifTime(attr(message, 'UtcTime'));
  const propertyOperation = attr(message, 'PropertyOperation');
  const colon = topic.indexOf(':');
  const slash = topic.indexOf('/');
  return {
    topic,
    topicPath: colon >= 0 && (slash < 0 || colon < slash) ? topic.slice(colon + 1) : topic,
    ...(at === undefined ? {} : { at }),
    ...(propertyOperation === undefined ? {} : { propertyOperation }),
    source: simpleItems(message['Source']),
    key: simpleItems(message['Key']),
    data: simpleItems(message['Data']),
  };
}

/**
 * The notifications of a `PullMessagesResponse` (notifications without a topic are skipped).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 * @example
 * ```ts
 * const { notifications } = parsePullMessages(body, endpoint);
 * notifications[0]?.topicPath; // 'VideoSource/MotionAlarm'
 * ```
 */
export function parsePullMessages(body: XmlObject, endpoint = 'onvif'): OnvifPullMessages {
  const response = responseElement(body, 'PullMessagesResponse', endpoint);
  const currentTime = parseOnvifTime(text(response, 'CurrentTime'));
  const terminationTime = parseOnvifTime(text(response, 'TerminationTime'));
  const notifications: OnvifNotification[] = [];
  for (const node of elements(response, 'NotificationMessage')) {
    const parsed = notification(node);
    if (parsed !== undefined) notifications.push(parsed);
  }
  return {
    ...(currentTime === undefined ? {} : { currentTime }),
    ...(terminationTime === undefined ? {} : { terminationTime }),
    notifications,
  };
}

/**
 * The pull point of a `CreatePullPointSubscriptionResponse`.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response or its SubscriptionReference/Address is missing.
 */
export function parseCreatePullPointSubscription(body: XmlObject, endpoint = 'onvif'): OnvifPullPointSubscription {
  const response = responseElement(body, 'CreatePullPointSubscriptionResponse', endpoint);
  const address = text(response, 'SubscriptionReference', 'Address');
  if (address === undefined || address === '') throw protocolError(endpoint, 'CreatePullPointSubscriptionResponse has no SubscriptionReference/Address');
  try {
    new URL(address);
  } catch (err) {
    throw protocolError(endpoint, 'CreatePullPointSubscriptionResponse has an invalid address', err);
  }
  const currentTime = parseOnvifTime(text(response, 'CurrentTime'));
  const terminationTime = parseOnvifTime(text(response, 'TerminationTime'));
  return {
    address,
    ...(currentTime === undefined ? {} : { currentTime }),
    ...(terminationTime === undefined ? {} : { terminationTime }),
  };
}

/** What a `RenewResponse` says, device times in ms since epoch. */
export interface OnvifRenewed {
  /** The device's time when it answered. */
  readonly currentTime?: number;
  /** When the subscription now ends. */
  readonly terminationTime?: number;
}

/**
 * Current and termination time of a `RenewResponse` (WS-BaseNotification).
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing.
 */
export function parseRenewResponse(body: XmlObject, endpoint = 'onvif'): OnvifRenewed {
  const response = responseElement(body, 'RenewResponse', endpoint);
  const currentTime = parseOnvifTime(text(response, 'CurrentTime'));
  const terminationTime = parseOnvifTime(text(response, 'TerminationTime'));
  return {
    ...(currentTime === undefined ? {} : { currentTime }),
    ...(terminationTime === undefined ? {} : { terminationTime }),
  };
}
