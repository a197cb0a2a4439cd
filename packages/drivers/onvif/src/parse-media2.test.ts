import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import type { XmlObject } from '@argus/driver-kit';
import { onvifFixtures, readFixture } from './fixtures.test-helper.js';
import { onvifCodec, parseMedia2Profiles, parseMedia2SnapshotUri, parseMedia2StreamUri, parseProfiles, soapBody } from './index.js';
import { elements } from './xml-values.js';

const root = onvifFixtures();

function expectProtocolError(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL'), `expected ARGUS_ERR_DRIVER_PROTOCOL, got ${String(error)}`).toBe(true);
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" ' +
  'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"><env:Body>';
const ENVELOPE_CLOSE = '</env:Body></env:Envelope>';

/*
 * No captured Media2 GetProfiles or GetStreamUri reply exists in shared/fixtures/onvif. These documents are built
 * from the official schema (shared/fixtures/onvif/onvif-wsdl/ver20/media/wsdl/media.wsdl: tr2:MediaProfile,
 * tr2:ConfigurationSet, GetStreamUriResponse; ver10/schema/onvif.xsd: tt:VideoEncoder2Configuration,
 * tt:VideoRateControl2, tt:PTZConfiguration), in the schema's element order, with a 4K H.265 main stream and an
 * H.264 sub stream such as the Hikvision encoder options capture offers.
 */
const MEDIA2_PROFILES =
  ENVELOPE_OPEN +
  '<tr2:GetProfilesResponse>' +
  '<tr2:Profiles token="Profile_1" fixed="true"><tr2:Name>mainStream</tr2:Name><tr2:Configurations>' +
  '<tr2:VideoSource token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>' +
  '<tt:Bounds x="0" y="0" width="3840" height="2160"/></tr2:VideoSource>' +
  '<tr2:VideoEncoder token="VideoEncoderToken_1" GovLength="50" Profile="Main"><tt:Name>VideoEncoder_1</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:Encoding>H265</tt:Encoding><tt:Resolution><tt:Width>3840</tt:Width><tt:Height>2160</tt:Height></tt:Resolution>' +
  '<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>12.5</tt:FrameRateLimit><tt:BitrateLimit>8192</tt:BitrateLimit></tt:RateControl>' +
  '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>8860</tt:Port><tt:TTL>128</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>' +
  '<tt:Quality>3</tt:Quality></tr2:VideoEncoder>' +
  '<tr2:PTZ token="PTZToken"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNODETOKEN</tt:NodeToken>' +
  '<tt:DefaultAbsolutePantTiltPositionSpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace</tt:DefaultAbsolutePantTiltPositionSpace>' +
  '<tt:DefaultContinuousPanTiltVelocitySpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>' +
  '<tt:DefaultPTZTimeout>PT300S</tt:DefaultPTZTimeout></tr2:PTZ>' +
  '</tr2:Configurations></tr2:Profiles>' +
  '<tr2:Profiles token="Profile_2" fixed="true"><tr2:Name>subStream</tr2:Name><tr2:Configurations>' +
  '<tr2:VideoSource token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>' +
  '<tt:Bounds x="0" y="0" width="3840" height="2160"/></tr2:VideoSource>' +
  '<tr2:VideoEncoder token="VideoEncoderToken_2" GovLength="25" Profile="Main"><tt:Name>VideoEncoder_2</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1280</tt:Width><tt:Height>720</tt:Height></tt:Resolution>' +
  '<tt:RateControl ConstantBitRate="true"><tt:FrameRateLimit>12</tt:FrameRateLimit><tt:BitrateLimit>1024</tt:BitrateLimit></tt:RateControl>' +
  '<tt:Quality>3</tt:Quality></tr2:VideoEncoder>' +
  '</tr2:Configurations></tr2:Profiles>' +
  // Asked without a Type, or a profile without video: name and token only.
  '<tr2:Profiles token="Profile_3"><tr2:Name>audioOnly</tr2:Name></tr2:Profiles>' +
  '</tr2:GetProfilesResponse>' +
  ENVELOPE_CLOSE;

describe('Media2 (ver20) parsers on documents built from the ONVIF schema', () => {
  it('GetProfiles: an H.265 main profile with PTZ, an H.264 sub profile, a profile without configurations', () => {
    expect(parseMedia2Profiles(soapBody(MEDIA2_PROFILES))).toEqual([
      {
        token: 'Profile_1',
        name: 'mainStream',
        mediaService: 'media2',
        encoding: 'H265',
        codec: 'h265',
        width: 3840,
        height: 2160,
        fps: 12.5,
        bitrateKbps: 8192,
        videoSourceToken: 'VideoSource_1',
        ptz: { configurationToken: 'PTZToken', nodeToken: 'PTZNODETOKEN', absolute: true, relative: false },
      },
      { token: 'Profile_2', name: 'subStream', mediaService: 'media2', encoding: 'H264', codec: 'h264', width: 1280, height: 720, fps: 12, bitrateKbps: 1024, videoSourceToken: 'VideoSource_1' },
      { token: 'Profile_3', name: 'audioOnly', mediaService: 'media2', codec: 'none', width: 0, height: 0 },
    ]);
  });

  it('the ver10 parser does not see Media2 encoders (they sit in Configurations): why the driver asks Media2', () => {
    const [main] = parseProfiles(soapBody(MEDIA2_PROFILES));
    expect(main).toMatchObject({ token: 'Profile_1', mediaService: 'media', codec: 'none' });
  });

  it('GetStreamUri and GetSnapshotUri: a bare tr2:Uri (and the ver10 MediaUri shape some firmwares keep), untouched', () => {
    const stream = soapBody(`${ENVELOPE_OPEN}<tr2:GetStreamUriResponse><tr2:Uri>rtsp://192.168.1.64:554/Streaming/Channels/101?transportmode=unicast&amp;profile=Profile_1</tr2:Uri></tr2:GetStreamUriResponse>${ENVELOPE_CLOSE}`);
    expect(parseMedia2StreamUri(stream)).toEqual({ uri: 'rtsp://192.168.1.64:554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1' });
    const snapshot = soapBody(`${ENVELOPE_OPEN}<tr2:GetSnapshotUriResponse><tr2:Uri>\n  http://192.168.1.64/onvif/snapshot?channel=1\n</tr2:Uri></tr2:GetSnapshotUriResponse>${ENVELOPE_CLOSE}`);
    expect(parseMedia2SnapshotUri(snapshot)).toEqual({ uri: 'http://192.168.1.64/onvif/snapshot?channel=1' });
    expect(parseMedia2StreamUri({ GetStreamUriResponse: { MediaUri: { Uri: 'rtsp://10.0.0.7/live' } } })).toEqual({ uri: 'rtsp://10.0.0.7/live' });
  });

  it('broken Media2 replies are ARGUS_ERR_DRIVER_PROTOCOL', () => {
    expectProtocolError(() => parseMedia2StreamUri({ GetStreamUriResponse: {} }));
    expectProtocolError(() => parseMedia2StreamUri({ GetStreamUriResponse: { Uri: 'not a uri' } }));
    expectProtocolError(() => parseMedia2SnapshotUri({ GetStreamUriResponse: { Uri: 'rtsp://10.0.0.7/live' } }));
    expectProtocolError(() => parseMedia2Profiles({ GetProfilesResponse: { Profiles: { Name: 'no token' } } }));
    expectProtocolError(() => parseMedia2Profiles({ GetDeviceInformationResponse: {} }));
    expectProtocolError(() => soapBody(MEDIA2_PROFILES.slice(0, MEDIA2_PROFILES.length / 2)));
  });

  it('Media2 encoding names, including the schema misspelling MPV4-ES and device variants', () => {
    expect(['H264', 'H265', 'JPEG', 'MPV4-ES', 'H.265', 'hevc', 'AVC'].map(onvifCodec)).toEqual(['h264', 'h265', 'mjpeg', 'mpeg4', 'h265', 'h265', 'h264']);
  });
});

describe.skipIf(root === undefined)('Media2 parsers on the captured Media2 replies', () => {
  it('the Axis Media2 video source configuration (ex_onvif), placed in a profile as its VideoSource, gives the source bounds and token', () => {
    const captured = soapBody(readFixture(root ?? '', 'ex_onvif', 'get_media2_video_source_configurations.xml'));
    const [configuration] = elements(captured['GetVideoSourceConfigurationsResponse'], 'Configurations');
    const body: XmlObject = { GetProfilesResponse: { Profiles: { '@_token': 'profile_1', Name: 'profile_1', Configurations: { VideoSource: configuration ?? {} } } } };
    expect(parseMedia2Profiles(body)).toEqual([{ token: 'profile_1', name: 'profile_1', mediaService: 'media2', codec: 'none', width: 3840, height: 2160, videoSourceToken: '0' }]);
  });

  it('every encoding the Hikvision Media2 encoder options offer (ex_onvif) is a codec the driver knows', () => {
    const captured = soapBody(readFixture(root ?? '', 'ex_onvif', 'get_media2_video_encoder_configuration_options.xml'));
    const encodings = elements(captured['GetVideoEncoderConfigurationOptionsResponse'], 'Options').map((o) => String(o['Encoding']));
    expect(encodings).toEqual(['H264', 'H265']);
    expect(encodings.map(onvifCodec)).toEqual(['h264', 'h265']);
  });
});
