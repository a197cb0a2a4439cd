import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import { MAX_SDP_BYTES, parseSdp } from './parse-sdp.js';
import { resolveControlUrl, sdpTracks, sessionControlUrl, type SdpTrack } from './sdp-tracks.js';
import { buildSdp, serializeSdp } from './serialize-sdp.js';

const fixtures = fileURLToPath(new URL('../../../../../../shared/fixtures/rtsp/', import.meta.url));
const sdpDir = `${fixtures}sdp/`;
const haveFixtures = existsSync(sdpDir);
if (!haveFixtures) console.warn(`SDP fixtures missing at ${sdpDir}: fixture tests skipped`);

function fixture(name: string): string {
  return readFileSync(`${sdpDir}${name}`, 'utf8');
}

function tracksOf(name: string, base = 'rtsp://127.0.0.1/stream'): SdpTrack[] {
  return sdpTracks(parseSdp(fixture(name)), base);
}

function expectH264Sets(track: SdpTrack | undefined): void {
  expect(track?.codec).toBe('h264');
  const types = track?.parameterSets.map((n) => (n[0] ?? 0) & 0x1f);
  expect(types).toEqual([7, 8]);
}

describe('parseSdp on real camera SDPs', () => {
  it.skipIf(!haveFixtures)('parses every fixture, with LF and with CRLF, to the same tracks', () => {
    const names = readdirSync(sdpDir).filter((n) => n.endsWith('.sdp'));
    expect(names.length).toBe(8);
    for (const name of names) {
      const text = fixture(name);
      const lf = parseSdp(text);
      const crlf = parseSdp(text.replaceAll('\n', '\r\n'));
      expect(lf.media.length, name).toBeGreaterThan(0);
      expect(sdpTracks(crlf, 'rtsp://h/s')).toEqual(sdpTracks(lf, 'rtsp://h/s'));
    }
  });

  it.skipIf(!haveFixtures)('keeps the first of duplicate lines inside media sections (RtspServer)', () => {
    const sdp = parseSdp(fixture('generic_RtspServer_aac.sdp'));
    expect(sdp.name).toBe('RtspServer');
    expect(sdp.control).toBe('*');
    expect(sdp.range).toBe('npt=0-');
    expect(sdp.media.map((m) => m.control)).toEqual(['track0', 'track1']);
    const [video, audio] = sdpTracks(sdp, 'rtsp://127.0.0.1:8554/live');
    expectH264Sets(video);
    expect(video?.control).toBe('rtsp://127.0.0.1:8554/live/track0');
    expect(audio).toMatchObject({ codec: 'aac', clockRate: 8000, channels: 1, sizeLength: 13, indexLength: 3 });
    expect(audio?.indexDeltaLength).toBe(3);
    expect(Array.from(audio?.aacConfig ?? [])).toEqual([0x15, 0x88]);
  });

  it.skipIf(!haveFixtures)('uses the static table for PT 8 despite a stray rtpmap for PT 0, and late fmtp', () => {
    const [video, audio] = tracksOf('generic_streamed-by-the-RTSP-server_pcma.sdp');
    expectH264Sets(video);
    expect(audio).toMatchObject({ payloadType: 8, codec: 'pcma', clockRate: 8000, framerate: 25 });
  });

  it.skipIf(!haveFixtures)('reads Reolink: AAC with trailing ";", and a sendonly PCMA backchannel', () => {
    const tracks = tracksOf('reolink_BC-Streaming-Media_3-medias.sdp');
    expect(tracks.map((t) => [t.codec, t.backchannel])).toEqual([
      ['h264', false],
      ['aac', false],
      ['pcma', true],
    ]);
    expect(tracks[1]).toMatchObject({ clockRate: 16000, sizeLength: 13 });
    expect(Array.from(tracks[1]?.aacConfig ?? [])).toEqual([0x14, 0x08]);
  });

  it.skipIf(!haveFixtures)('tolerates MERCURY\'s "m=application/MERCURY" with a non-numeric format', () => {
    const sdp = parseSdp(fixture('mercury-tplink_MERCURY-RTSP-Server.sdp'));
    expect(sdp.media.map((m) => m.type)).toEqual(['video', 'audio', 'application/MERCURY']);
    const tracks = sdpTracks(sdp, 'rtsp://127.0.0.1/stream1');
    expect(tracks.map((t) => t.codec)).toEqual(['h264', 'pcma']);
    expectH264Sets(tracks[0]);
  });

  it.skipIf(!haveFixtures)('reads CV-RTSPHandler: Shift_JIS charset, spaced fmtp keys in mixed case, sendonly video', () => {
    const sdp = parseSdp(fixture('cv-rtsphandler_shift-jis_aac.sdp'));
    expect(sdp.attributes).toContainEqual({ name: 'charset', value: 'Shift_JIS' });
    const [video, audio] = sdpTracks(sdp, 'rtsp://127.0.0.1/');
    expectH264Sets(video);
    expect(video?.backchannel).toBe(false);
    expect(video?.control).toBe('rtsp://127.0.0.1/trackID=1');
    expect(audio).toMatchObject({ codec: 'aac', clockRate: 8000, channels: 1, indexDeltaLength: 3 });
    expect(audio?.fmtp['ctsdeltalength']).toBe('0');
  });

  it.skipIf(!haveFixtures)('reads LIVE555 2014: MJPEG PT 26 and PCMU PT 0 without rtpmap, metadata, "m=vana"', () => {
    const sdp = parseSdp(fixture('live555-2014_mjpeg-pt26_onvif-metadata.sdp'));
    expect(sdp.media[0]?.dimensions).toEqual({ width: 1280, height: 960 });
    const tracks = sdpTracks(sdp, 'rtsp://127.0.0.1/stream1');
    expect(tracks.map((t) => [t.type, t.codec, t.clockRate])).toEqual([
      ['video', 'mjpeg', 90000],
      ['audio', 'pcmu', 8000],
      ['application', 'other', 90000],
      ['vana', 'other', 90000],
    ]);
    expect(tracks[0]).toMatchObject({ width: 1280, height: 960 });
    expect(tracks[2]?.encoding).toBe('vnd.onvif.metadata');
  });

  it.skipIf(!haveFixtures)('reads VCP IPC: "c=IN" with no address, absolute controls, duplicate rtpmap for PT 0', () => {
    const sdp = parseSdp(fixture('vcp-ipc_h3c-decodertag_backchannel.sdp'));
    expect(sdp.origin?.sessionId).toBe('1001');
    expect(sdp.media[0]?.connection).toEqual({ netType: 'IN', addrType: '', address: '' });
    const tracks = sdpTracks(sdp, 'rtsp://127.0.0.1/media/video2');
    expectH264Sets(tracks[0]);
    expect(tracks[0]?.control).toBe('rtsp://1.0.1.113/media/video2/video');
    expect(tracks.map((t) => t.codec)).toEqual(['h264', 'pcmu', 'pcma', 'other']);
    expect(tracks[2]?.backchannel).toBe(true);
    expect(tracks[3]?.fmtp).toEqual({ decodertag: 'h3c-v3', rtcp: '0' });
  });

  it.skipIf(!haveFixtures)('reads Hikvision: absolute controls, x-dimensions, PCM/48000 listed as other', () => {
    const sdp = parseSdp(fixture('hikvision_Media-Presentation_PCM-MEDIAINFO.sdp'));
    expect(sdp.control).toBe('rtsp://192.168.1.12:554/Streaming/channels/101/');
    const tracks = sdpTracks(sdp, 'rtsp://127.0.0.1/Streaming/channels/101');
    expectH264Sets(tracks[0]);
    expect(tracks[0]).toMatchObject({ width: 3200, height: 1800, direction: 'recvonly' });
    expect(tracks[1]).toMatchObject({ codec: 'other', encoding: 'PCM', clockRate: 48000 });
    expect(sdp.media[1]?.attributes.map((a) => a.name)).toEqual(['Media_header', 'appversion']);
  });

  it.skipIf(!existsSync(`${fixtures}onvif-streaming-spec-examples`))('reads the ONVIF SRTP example SDP', () => {
    const text = readFileSync(`${fixtures}onvif-streaming-spec-examples/streaming_L2345.txt`, 'utf8');
    const sdp = parseSdp(text);
    expect(sessionControlUrl(sdp, 'rtsp://x/y')).toBe('rtsp://movie.example.com/action');
    const [track] = sdpTracks(sdp, 'rtsp://x/y');
    expect(track).toMatchObject({ codec: 'h264', clockRate: 8000, control: 'rtsp://movie.example.com/action/srtp_video' });
  });
});

describe('parseSdp on garbage', () => {
  const cases: [string, string][] = [
    ['empty', ''],
    ['html', '<html><body>404</body></html>'],
    ['no v= first', 's=x\r\nv=0\r\nm=video 0 RTP/AVP 96\r\n'],
    ['no media', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\n'],
    ['bad m= line', 'v=0\r\nm=video\r\n'],
    ['bad port', 'v=0\r\nm=video abc RTP/AVP 96\r\n'],
    ['bad version', 'v=x\r\nm=video 0 RTP/AVP 96\r\n'],
    ['too large', `v=0\r\nm=video 0 RTP/AVP 96\r\n${'a=x-pad:0\r\n'.repeat(MAX_SDP_BYTES / 10)}`],
  ];
  for (const [label, text] of cases) {
    it(`throws ARGUS_ERR_SDP_MALFORMED for ${label}`, () => {
      let caught: unknown;
      try {
        parseSdp(text);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_SDP_MALFORMED')).toBe(true);
    });
  }

  it('guesses H.264/H.265 for a dynamic video payload without rtpmap from its parameter sets', () => {
    const sdp = parseSdp('v=0\nm=video 0 RTP/AVP 96\na=fmtp:96 sprop-parameter-sets=Z0IAHvQCgC3I,aM48gA==\n');
    expect(sdpTracks(sdp, 'rtsp://h/s')[0]?.codec).toBe('h264');
  });
});

describe('resolveControlUrl', () => {
  it('follows RFC 2326 C.1.1 as cameras expect', () => {
    expect(resolveControlUrl('*', 'rtsp://h/a/')).toBe('rtsp://h/a/');
    expect(resolveControlUrl(undefined, 'rtsp://h/a')).toBe('rtsp://h/a');
    expect(resolveControlUrl('trackID=1', 'rtsp://h/a/')).toBe('rtsp://h/a/trackID=1');
    expect(resolveControlUrl('trackID=1', 'rtsp://h/a')).toBe('rtsp://h/a/trackID=1');
    expect(resolveControlUrl('trackID=0', 'rtsp://h/cam/realmonitor?channel=1&subtype=0/')).toBe(
      'rtsp://h/cam/realmonitor?channel=1&subtype=0/trackID=0',
    );
    expect(resolveControlUrl('RTSP://other/x', 'rtsp://h/a')).toBe('RTSP://other/x');
  });
});

describe('buildSdp + serializeSdp', () => {
  it.skipIf(!haveFixtures)('round-trips H.264, H.265, AAC, PCMA, PCMU and MJPEG tracks through parseSdp', () => {
    const [h264] = tracksOf('mercury-tplink_MERCURY-RTSP-Server.sdp');
    // H.265 VPS/SPS/PPS headers: types 32, 33, 34 in bits 1..6 of the first byte.
    const vps = Uint8Array.of(0x40, 0x01, 0x0c);
    const sps = Uint8Array.of(0x42, 0x01, 0x01);
    const pps = Uint8Array.of(0x44, 0x01, 0xc1);
    const text = serializeSdp(
      buildSdp({
        sessionName: 'cam-1',
        tracks: [
          { codec: 'h264', parameterSets: h264?.parameterSets ?? [], framerate: 25, width: 640, height: 360 },
          { codec: 'h265', parameterSets: [vps, sps, pps] },
          { codec: 'aac', clockRate: 16000, channels: 2, aacConfig: Uint8Array.of(0x14, 0x10) },
          { codec: 'pcma' },
          { codec: 'pcmu' },
          { codec: 'mjpeg' },
        ],
      }),
    );
    expect(text).toContain('a=control:trackID=0\r\n');
    expect(text).toContain('profile-level-id=640016');
    const sdp = parseSdp(text);
    expect(sdp.name).toBe('cam-1');
    const tracks = sdpTracks(sdp, 'rtsp://127.0.0.1:8554/cam-1/');
    expect(tracks.map((t) => [t.codec, t.payloadType, t.clockRate, t.control])).toEqual([
      ['h264', 96, 90000, 'rtsp://127.0.0.1:8554/cam-1/trackID=0'],
      ['h265', 97, 90000, 'rtsp://127.0.0.1:8554/cam-1/trackID=1'],
      ['aac', 98, 16000, 'rtsp://127.0.0.1:8554/cam-1/trackID=2'],
      ['pcma', 8, 8000, 'rtsp://127.0.0.1:8554/cam-1/trackID=3'],
      ['pcmu', 0, 8000, 'rtsp://127.0.0.1:8554/cam-1/trackID=4'],
      ['mjpeg', 26, 90000, 'rtsp://127.0.0.1:8554/cam-1/trackID=5'],
    ]);
    expectH264Sets(tracks[0]);
    expect(tracks[0]?.parameterSets).toEqual(h264?.parameterSets);
    expect(tracks[0]).toMatchObject({ framerate: 25, width: 640, height: 360 });
    expect(tracks[1]?.parameterSets.map((n) => ((n[0] ?? 0) >> 1) & 0x3f)).toEqual([32, 33, 34]);
    expect(tracks[2]).toMatchObject({ channels: 2, sizeLength: 13, indexLength: 3, indexDeltaLength: 3 });
    expect(Array.from(tracks[2]?.aacConfig ?? [])).toEqual([0x14, 0x10]);
    expect(serializeSdp(sdp)).toBe(text);
  });
});
