/** One notification an emulator writes into its metadata stream. */
export interface MetadataNotification {
  /** Topic with prefixes, e.g. `tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY`. */
  readonly topic: string;
  /** `Initialized` or `Changed`; omitted for stateless events. */
  readonly operation?: 'Initialized' | 'Changed';
  /** ms since epoch. */
  readonly at: number;
  /** `Source` items as name/value pairs. */
  readonly source?: readonly (readonly [string, string])[];
  /** `Data` items as name/value pairs. */
  readonly data: readonly (readonly [string, string])[];
}

const NAMESPACES =
  'xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics" ' +
  'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing"';

function escape(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function utc(at: number): string {
  // Axis writes microseconds: 2019-03-13T00:03:30.256687Z.
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function items(list: readonly (readonly [string, string])[] | undefined): string {
  return (list ?? []).map(([name, value]) => `<tt:SimpleItem Name="${escape(name)}" Value="${escape(value)}"/>`).join('');
}

/**
 * Writes a `tt:MetadataStream` document the way Axis firmware does (one line per event, prefixes and namespace
 * declarations as in the captured messages); without notifications, the empty document a stream opens with.
 */
export function metadataDocument(notifications: readonly MetadataNotification[], producer: string): string {
  let body = '';
  for (const n of notifications) {
    const operation = n.operation === undefined ? '' : ` PropertyOperation="${n.operation}"`;
    body +=
      `<tt:Event><wsnt:NotificationMessage ${NAMESPACES}>` +
      `<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">${escape(n.topic)}</wsnt:Topic>` +
      `<wsnt:ProducerReference><wsa5:Address>uri://${producer}/ProducerReference</wsa5:Address></wsnt:ProducerReference>` +
      `<wsnt:Message><tt:Message UtcTime="${utc(n.at)}"${operation}>` +
      `<tt:Source>${items(n.source)}</tt:Source><tt:Key></tt:Key><tt:Data>${items(n.data)}</tt:Data>` +
      `</tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema">\n${body}</tt:MetadataStream>\n`;
}
