import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { isapiCodec, parseStreamingChannels, streamingChannelId } from './parse-streaming-channels.js';

// The shape of GET /ISAPI/Streaming/channels on a camera (main CBR H.265, sub VBR H.264, third disabled).
const LIST = `<?xml version="1.0" encoding="UTF-8"?>
<StreamingChannelList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<StreamingChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>101</id>
<channelName>Gate</channelName>
<enabled>true</enabled>
<Transport>
<maxPacketSize>1000</maxPacketSize>
<ControlProtocolList>
<ControlProtocol><streamingTransport>RTSP</streamingTransport></ControlProtocol>
<ControlProtocol><streamingTransport>HTTP</streamingTransport></ControlProtocol>
</ControlProtocolList>
<Unicast><enabled>true</enabled><rtpTransportType>RTP/TCP</rtpTransportType></Unicast>
</Transport>
<Video>
<enabled>true</enabled>
<videoInputChannelID>1</videoInputChannelID>
<videoCodecType>H.265</videoCodecType>
<videoScanType>progressive</videoScanType>
<videoResolutionWidth>2688</videoResolutionWidth>
<videoResolutionHeight>1520</videoResolutionHeight>
<videoQualityControlType>CBR</videoQualityControlType>
<constantBitRate>6144</constantBitRate>
<fixedQuality>60</fixedQuality>
<vbrUpperCap>4096</vbrUpperCap>
<maxFrameRate>2500</maxFrameRate>
<keyFrameInterval>2000</keyFrameInterval>
<GovLength>50</GovLength>
</Video>
</StreamingChannel>
<StreamingChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>102</id>
<channelName>Gate</channelName>
<enabled>true</enabled>
<Transport><rtspPortNo>10554</rtspPortNo></Transport>
<Video>
<videoCodecType>H.264</videoCodecType>
<videoResolutionWidth>640</videoResolutionWidth>
<videoResolutionHeight>480</videoResolutionHeight>
<videoQualityControlType>VBR</videoQualityControlType>
<constantBitRate>512</constantBitRate>
<vbrUpperCap>768</vbrUpperCap>
<maxFrameRate>1250</maxFrameRate>
</Video>
</StreamingChannel>
<StreamingChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>103</id>
<enabled>false</enabled>
<Video><videoCodecType>MJPEG</videoCodecType><videoResolutionWidth>352</videoResolutionWidth><videoResolutionHeight>288</videoResolutionHeight></Video>
</StreamingChannel>
</StreamingChannelList>`;

describe('parseStreamingChannels', () => {
  it('reads every channel: codec, size, fps from hundredths, bitrate by quality control', () => {
    expect(parseStreamingChannels(LIST)).toEqual([
      { id: '101', name: 'Gate', enabled: true, codec: 'h265', width: 2688, height: 1520, fps: 25, bitrateKbps: 6144, inputChannel: 1 },
      { id: '102', name: 'Gate', enabled: true, codec: 'h264', width: 640, height: 480, fps: 12.5, bitrateKbps: 768, rtspPort: 10554 },
      { id: '103', enabled: false, codec: 'mjpeg', width: 352, height: 288 },
    ]);
  });

  it('reads a single <StreamingChannel> (GET /ISAPI/Streaming/channels/101)', () => {
    const single = LIST.slice(LIST.indexOf('<StreamingChannel '), LIST.indexOf('</StreamingChannel>') + '</StreamingChannel>'.length);
    expect(parseStreamingChannels(single).map((c) => c.id)).toEqual(['101']);
  });

  it('skips channels without an id and accepts an empty list', () => {
    expect(parseStreamingChannels('<StreamingChannelList><StreamingChannel><enabled>true</enabled></StreamingChannel></StreamingChannelList>')).toEqual([]);
    expect(parseStreamingChannels('<StreamingChannelList version="2.0"></StreamingChannelList>')).toEqual([]);
  });

  it('throws ARGUS_ERR_DRIVER_PROTOCOL for broken XML and other documents', () => {
    for (const text of [LIST.slice(0, 400), '<DeviceInfo><model>x</model></DeviceInfo>', 'not xml']) {
      let caught: unknown;
      try {
        parseStreamingChannels(text);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL'), text.slice(0, 40)).toBe(true);
    }
  });

  it('maps codec names and builds stream ids for cameras and recorder channels', () => {
    expect(isapiCodec('H.264')).toBe('h264');
    expect(isapiCodec('H.265')).toBe('h265');
    expect(isapiCodec('MJPEG')).toBe('mjpeg');
    expect(isapiCodec('SVAC')).toBe('svac');
    expect(isapiCodec(undefined)).toBe('none');
    expect(streamingChannelId(1, 'main')).toBe('101');
    expect(streamingChannelId(1, 'sub')).toBe('102');
    expect(streamingChannelId(12, 'main')).toBe('1201');
    expect(streamingChannelId(3, 'third')).toBe('303');
  });
});
