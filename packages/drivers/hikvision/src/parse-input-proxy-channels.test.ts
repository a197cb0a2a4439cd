import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { parseInputProxyChannels } from './parse-input-proxy-channels.js';

const CHANNELS = `<?xml version="1.0" encoding="UTF-8"?>
<InputProxyChannelList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<InputProxyChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>1</id>
<name>Gate</name>
<sourceInputPortDescriptor>
<proxyProtocol>HIKVISION</proxyProtocol>
<addressingFormatType>ipaddress</addressingFormatType>
<ipAddress>192.0.2.10</ipAddress>
<managePortNo>8000</managePortNo>
<srcInputPort>1</srcInputPort>
<userName>admin</userName>
<streamType>auto</streamType>
<model>DS-2CD2346G2-ISU</model>
<serialNumber>DS-2CD2346G2-ISU20230101AAWRJ11111111</serialNumber>
<firmwareVersion>V5.7.3</firmwareVersion>
</sourceInputPortDescriptor>
</InputProxyChannel>
<InputProxyChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>2</id>
<name>Yard</name>
<sourceInputPortDescriptor>
<proxyProtocol>ONVIF</proxyProtocol>
<addressingFormatType>hostname</addressingFormatType>
<hostName>yard.example</hostName>
</sourceInputPortDescriptor>
</InputProxyChannel>
</InputProxyChannelList>`;

describe('parseInputProxyChannels', () => {
  it("reads a recorder's IP channels", () => {
    expect(parseInputProxyChannels(CHANNELS)).toEqual([
      {
        id: 1,
        name: 'Gate',
        proxyProtocol: 'HIKVISION',
        address: '192.0.2.10',
        model: 'DS-2CD2346G2-ISU',
        serialNumber: 'DS-2CD2346G2-ISU20230101AAWRJ11111111',
        firmwareVersion: 'V5.7.3',
      },
      { id: 2, name: 'Yard', proxyProtocol: 'ONVIF', address: 'yard.example' },
    ]);
  });

  it('throws ARGUS_ERR_DRIVER_PROTOCOL for broken XML', () => {
    let caught: unknown;
    try {
      parseInputProxyChannels(CHANNELS.slice(0, 300));
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
  });
});
