import type { XmlObject } from '@argus/driver-kit';
import { num, protocolError, responseElement, text } from './xml-values.js';

/**
 * The device's UTC clock from a `GetSystemDateAndTimeResponse` (the one device call every ONVIF device answers
 * without authentication), used to correct WS-Security `Created` for the device's clock offset.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element or its UTCDateTime is missing or invalid.
 * @example
 * ```ts
 * clockOffset.update(parseSystemDateAndTime(body, endpoint));
 * ```
 */
export function parseSystemDateAndTime(body: XmlObject, endpoint = 'onvif'): Date {
  const response = responseElement(body, 'GetSystemDateAndTimeResponse', endpoint);
  const utc = (name: string, part: 'Date' | 'Time'): number | undefined =>
    num(text(response, 'SystemDateAndTime', 'UTCDateTime', part, name));
  const [year, month, day, hour, minute, second] = [
    utc('Year', 'Date'),
    utc('Month', 'Date'),
    utc('Day', 'Date'),
    utc('Hour', 'Time'),
    utc('Minute', 'Time'),
    utc('Second', 'Time'),
  ];
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined || second === undefined) {
    throw protocolError(endpoint, 'GetSystemDateAndTimeResponse has no complete UTCDateTime');
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (!Number.isFinite(ms) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw protocolError(endpoint, 'GetSystemDateAndTimeResponse has an invalid UTCDateTime');
  }
  return new Date(ms);
}
