import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { parseResponseStatus, tryParseResponseStatus } from './parse-response-status.js';

describe('parseResponseStatus', () => {
  it('reads an OK answer to a PUT', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>
<ResponseStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<requestURL>/ISAPI/PTZCtrl/channels/1/continuous</requestURL>
<statusCode>1</statusCode>
<statusString>OK</statusString>
<subStatusCode>ok</subStatusCode>
</ResponseStatus>`;
    expect(parseResponseStatus(text)).toEqual({ statusCode: 1, statusString: 'OK', subStatusCode: 'ok', requestUrl: '/ISAPI/PTZCtrl/channels/1/continuous' });
  });

  it('reads the error bodies the picture endpoint answers (isapi.org namespace)', () => {
    const deviceError = `<?xml version="1.0" encoding="UTF-8" ?>
<ResponseStatus version="2.0"
  xmlns="http://www.isapi.org/ver20/XMLSchema">
  <statusCode>3</statusCode>
  <statusString>Device Error</statusString>
  <subStatusCode>deviceError</subStatusCode>
</ResponseStatus>
`;
    expect(parseResponseStatus(deviceError)).toEqual({ statusCode: 3, statusString: 'Device Error', subStatusCode: 'deviceError' });
    const badXml = deviceError.replace('>3<', '>6<').replace('Device Error', 'Bad XML Content').replace('deviceError', 'badXmlContent');
    expect(parseResponseStatus(badXml).subStatusCode).toBe('badXmlContent');
  });

  it('throws ARGUS_ERR_DRIVER_PROTOCOL without a statusCode or for broken XML; try* gives undefined', () => {
    for (const text of ['<ResponseStatus><statusString>OK</statusString></ResponseStatus>', '<ResponseStatus><statusCode>1</statusCode>']) {
      let caught: unknown;
      try {
        parseResponseStatus(text);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(tryParseResponseStatus(text)).toBeUndefined();
    }
    expect(tryParseResponseStatus('<html>404</html>')).toBeUndefined();
  });
});
