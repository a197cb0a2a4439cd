import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { parseAdminAccesses, rtspPortOf } from './parse-admin-accesses.js';

const ACCESSES = `<?xml version="1.0" encoding="UTF-8"?>
<AdminAccessProtocolList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<AdminAccessProtocol><id>1</id><enabled>true</enabled><protocol>HTTP</protocol><portNo>80</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>2</id><enabled>true</enabled><protocol>HTTPS</protocol><portNo>443</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>3</id><enabled>true</enabled><protocol>DEV_MANAGE</protocol><portNo>8000</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>4</id><enabled>true</enabled><protocol>RTSP</protocol><portNo>10554</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>5</id><enabled>false</enabled><protocol>WebSocket</protocol><portNo>7681</portNo></AdminAccessProtocol>
</AdminAccessProtocolList>`;

describe('parseAdminAccesses', () => {
  it('reads the services and finds the RTSP port', () => {
    const list = parseAdminAccesses(ACCESSES);
    expect(list.map((p) => [p.protocol, p.port, p.enabled])).toEqual([
      ['HTTP', 80, true],
      ['HTTPS', 443, true],
      ['DEV_MANAGE', 8000, true],
      ['RTSP', 10554, true],
      ['WEBSOCKET', 7681, false],
    ]);
    expect(rtspPortOf(list)).toBe(10554);
  });

  it('has no RTSP port when RTSP is missing or disabled, and skips bad ports', () => {
    const disabled = ACCESSES.replace('<enabled>true</enabled><protocol>RTSP</protocol>', '<enabled>false</enabled><protocol>RTSP</protocol>');
    expect(rtspPortOf(parseAdminAccesses(disabled))).toBeUndefined();
    const bad = '<AdminAccessProtocolList><AdminAccessProtocol><protocol>RTSP</protocol><portNo>99999</portNo></AdminAccessProtocol></AdminAccessProtocolList>';
    expect(parseAdminAccesses(bad)).toEqual([]);
  });

  it('throws ARGUS_ERR_DRIVER_PROTOCOL for broken XML', () => {
    let caught: unknown;
    try {
      parseAdminAccesses(ACCESSES.slice(0, 200));
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
  });
});
