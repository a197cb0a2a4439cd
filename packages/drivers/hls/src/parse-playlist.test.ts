import { readdirSync } from 'node:fs';
import { hasErrorCode } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { hlsFixturesDir, readHlsFixture } from './fixtures.test-helper.js';
import { parseAttributeList, parsePlaylist, resolvePlaylistUri, type HlsMasterPlaylist, type HlsMediaPlaylist } from './parse-playlist.js';

const fixtures = hlsFixturesDir();
if (fixtures === undefined) console.warn('shared/fixtures/hls not found beside the repository: HLS fixture tests skipped');

function media(name: string): HlsMediaPlaylist {
  const playlist = parsePlaylist(readHlsFixture(fixtures as string, `grafov-m3u8/${name}`));
  if (playlist.kind !== 'media') throw new Error(`${name} parsed as ${playlist.kind}`);
  return playlist;
}

function master(name: string): HlsMasterPlaylist {
  const playlist = parsePlaylist(readHlsFixture(fixtures as string, `grafov-m3u8/${name}`));
  if (playlist.kind !== 'master') throw new Error(`${name} parsed as ${playlist.kind}`);
  return playlist;
}

function protocolReason(text: string): string {
  try {
    parsePlaylist(text, { endpoint: 'http://127.0.0.1:1/x.m3u8' });
  } catch (err) {
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    const details = (err as { details: { reason: string; endpoint: string } }).details;
    expect(details.endpoint).toBe('http://127.0.0.1:1/x.m3u8');
    return details.reason;
  }
  throw new Error('parsePlaylist accepted a bad playlist');
}

describe.skipIf(fixtures === undefined)('parsePlaylist on grafov/m3u8 sample playlists', () => {
  it('parses every fixture playlist without error', () => {
    const names = readdirSync(`${fixtures as string}/grafov-m3u8`).filter((n) => n.endsWith('.m3u8'));
    expect(names.length).toBe(9);
    for (const name of names) {
      const playlist = parsePlaylist(readHlsFixture(fixtures as string, `grafov-m3u8/${name}`));
      expect(playlist.kind === 'master' ? playlist.variants.length : playlist.segments.length).toBeGreaterThan(0);
    }
  });

  it('master.m3u8: five variants by bandwidth, no codecs or resolution', () => {
    const playlist = master('master.m3u8');
    expect(playlist.version).toBe(3);
    expect(playlist.variants.map((v) => v.bandwidth)).toEqual([300000, 600000, 850000, 1000000, 1500000]);
    expect(playlist.variants.map((v) => v.uri)).toEqual([
      'chunklist-b300000.m3u8',
      'chunklist-b600000.m3u8',
      'chunklist-b850000.m3u8',
      'chunklist-b1000000.m3u8',
      'chunklist-b1500000.m3u8',
    ]);
    expect(playlist.variants[0]?.codecs).toEqual([]);
    expect(playlist.variants[0]?.resolution).toBeUndefined();
    expect(playlist.variants[0]?.attributes['PROGRAM-ID']).toBe('1');
  });

  it('master-with-stream-inf-1.m3u8: quoted CODECS with a comma, AVERAGE-BANDWIDTH, FRAME-RATE, no final newline', () => {
    const playlist = master('master-with-stream-inf-1.m3u8');
    expect(playlist.variants).toHaveLength(5);
    const first = playlist.variants[0];
    expect(first?.codecs).toEqual(['avc1.42c015', 'mp4a.40.2']);
    expect(first?.averageBandwidth).toBe(300000);
    expect(first?.frameRate).toBe(25);
    expect(playlist.variants[4]?.uri).toBe('chunklist-b1500000.m3u8');
  });

  it('master-with-independent-segments.m3u8: RESOLUTION and Wowza NAME', () => {
    const playlist = master('master-with-independent-segments.m3u8');
    expect(playlist.independentSegments).toBe(true);
    expect(playlist.variants).toEqual([
      expect.objectContaining({ bandwidth: 1828000, name: '3 high', resolution: { width: 896, height: 504 }, uri: 'chunklist_b1828000_t64NCBoaWdo.m3u8' }),
    ]);
  });

  it('wowza-master.m3u8: variant URIs keep their session query', () => {
    const playlist = master('wowza-master.m3u8');
    expect(playlist.variants.map((v) => v.bandwidth)).toEqual([300000, 600000, 850000, 1300000, 2000000]);
    expect(playlist.variants[4]?.uri).toBe('chunklist-b2000000.m3u8?wowzasessionid=1359287668');
    expect(resolvePlaylistUri('http://127.0.0.1:1935/live/cam/playlist.m3u8?wowzasessionid=1', playlist.variants[4]?.uri as string)).toBe(
      'http://127.0.0.1:1935/live/cam/chunklist-b2000000.m3u8?wowzasessionid=1359287668',
    );
  });

  it('wowza-vod-chunklist.m3u8: media sequence from 1, titles, sequence numbers', () => {
    const playlist = media('wowza-vod-chunklist.m3u8');
    expect(playlist.targetDuration).toBe(12);
    expect(playlist.mediaSequence).toBe(1);
    expect(playlist.segments[0]).toMatchObject({ uri: 'media-b2000000_1.ts?wowzasessionid=2029972411', duration: 12, title: 'Title 1', mediaSequence: 1 });
    expect(playlist.segments[1]?.title).toBe('Title 2');
    expect(playlist.segments[2]?.title).toBeUndefined();
    const last = playlist.segments.at(-1);
    expect(last?.mediaSequence).toBe(playlist.segments.length);
    expect(last?.uri).toBe(`media-b2000000_${playlist.segments.length}.ts?wowzasessionid=2029972411`);
    expect(playlist.warnings).toEqual([]);
  });

  it('media-playlist-with-byterange.m3u8: ranges before and after EXTINF, an omitted offset continues the previous range', () => {
    const playlist = media('media-playlist-with-byterange.m3u8');
    expect(playlist.version).toBe(4);
    expect(playlist.segments.map((s) => s.byteRange)).toEqual([
      { offset: 0, length: 75232 },
      { offset: 752321, length: 82112 },
      { offset: 752321 + 82112, length: 69864 },
    ]);
    expect(playlist.segments.every((s) => s.uri === 'video.ts')).toBe(true);
  });

  it('media-playlist-with-discontinuity.m3u8: comment lines before #EXTM3U tolerated; the discontinuity counted', () => {
    const playlist = media('media-playlist-with-discontinuity.m3u8');
    expect(playlist.warnings).toEqual(['2 comment line(s) before #EXTM3U']);
    expect(playlist.segments.map((s) => [s.uri, s.duration, s.discontinuity, s.discontinuitySequence])).toEqual([
      ['ad0.ts', 10, false, 0],
      ['ad1.ts', 8, false, 0],
      ['movieA.ts', 10, true, 1],
      ['movieB.ts', 10, false, 1],
    ]);
    expect(playlist.endList).toBe(false);
  });

  it('media-playlist-with-discontinuity-seq.m3u8: EXT-X-DISCONTINUITY-SEQUENCE is the base', () => {
    const playlist = media('media-playlist-with-discontinuity-seq.m3u8');
    expect(playlist.discontinuitySequence).toBe(2);
    expect(playlist.segments.map((s) => s.discontinuitySequence)).toEqual([2, 2, 3, 3]);
  });

  it('media-playlist-with-program-date-time.m3u8: the date carried over the following segments; ENDLIST', () => {
    const playlist = media('media-playlist-with-program-date-time.m3u8');
    expect(playlist.targetDuration).toBe(15);
    expect(playlist.endList).toBe(true);
    const start = Date.parse('2018-12-31T01:47:22Z');
    expect(playlist.segments[0]?.programDateTime).toBe(start);
    expect(playlist.segments[1]?.programDateTime).toBeCloseTo(start + 14666, 6);
    expect(playlist.segments[3]?.programDateTime).toBeCloseTo(start + 14666 + 13698 + 14668, 6);
    expect(playlist.segments[0]?.uri).toBe('20181231/0555e0c371ea801726b92512c331399d_00000000.ts');
  });
});

describe('parsePlaylist: tags beyond the fixtures', () => {
  it('EXT-X-MAP applies to the following segments; PROGRAM-DATE-TIME resets at a discontinuity', () => {
    const playlist = parsePlaylist(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:4294967290',
        '#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z',
        '#EXTINF:2.000,',
        'seg-1.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="init-2.mp4"',
        '#EXTINF:1.5,',
        'seg-2.m4s',
        '#EXT-X-GAP',
        '#EXTINF:2,',
        'seg-3.m4s',
      ].join('\r\n'),
    );
    if (playlist.kind !== 'media') throw new Error('expected a media playlist');
    expect(playlist.segments.map((s) => s.mediaSequence)).toEqual([4294967290, 4294967291, 4294967292]);
    expect(playlist.segments[0]?.map).toEqual({ uri: 'init.mp4', byteRange: { offset: 0, length: 720 } });
    expect(playlist.segments[1]?.map).toEqual({ uri: 'init-2.mp4' });
    expect(playlist.segments[0]?.programDateTime).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(playlist.segments[1]?.programDateTime).toBeUndefined();
    expect(playlist.segments[2]?.gap).toBe(true);
  });

  it('missing EXT-X-TARGETDURATION is derived from the longest segment, with a warning', () => {
    const playlist = parsePlaylist('#EXTM3U\n#EXTINF:3.2,\na.ts\n#EXTINF:4.1,\nb.ts\n');
    expect(playlist).toMatchObject({ kind: 'media', targetDuration: 5 });
    expect(playlist.warnings[0]).toMatch(/TARGETDURATION/);
  });

  it('an AES-128 key is carried to the segments; METHOD=NONE clears it', () => {
    const playlist = parsePlaylist(
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI="k.bin"\n#EXTINF:2,\na.ts\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\nb.ts\n',
    );
    if (playlist.kind !== 'media') throw new Error('expected a media playlist');
    expect(playlist.segments[0]?.key).toEqual({ method: 'AES-128', uri: 'k.bin' });
    expect(playlist.segments[1]?.key).toBeUndefined();
  });

  it('EXT-X-MEDIA renditions and I-frame playlists of a master playlist', () => {
    const playlist = parsePlaylist(
      [
        '#EXTM3U',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="hvc1.1.6.L93.B0",AUDIO="aud"',
        'sub/index.m3u8',
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=80000,URI="iframes.m3u8"',
      ].join('\n'),
    );
    if (playlist.kind !== 'master') throw new Error('expected a master playlist');
    expect(playlist.renditions).toEqual([expect.objectContaining({ type: 'AUDIO', groupId: 'aud', name: 'English', uri: 'audio/en.m3u8' })]);
    expect(playlist.variants[0]).toMatchObject({ codecs: ['hvc1.1.6.L93.B0'], resolution: { width: 640, height: 360 } });
    expect(playlist.iFrameUris).toEqual(['iframes.m3u8']);
  });

  it('parseAttributeList keeps commas inside quotes and upper-cases names', () => {
    expect(parseAttributeList('BANDWIDTH=1, codecs="a,b" ,RESOLUTION=1x2')).toEqual({ BANDWIDTH: '1', CODECS: 'a,b', RESOLUTION: '1x2' });
  });
});

describe('parsePlaylist: bad playlists -> ARGUS_ERR_DRIVER_PROTOCOL', () => {
  const cases: [string, string, RegExp][] = [
    ['empty body', '', /empty/],
    ['HTML error page', '<html><body>404</body></html>', /no #EXTM3U/],
    ['JSON', '{"error":"forbidden"}', /no #EXTM3U/],
    ['binary', '\0\0\x01\xba', /binary/],
    ['header only', '#EXTM3U\n', /neither a master/],
    ['master and media tags mixed', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXTINF:1,\na.ts\n', /mixes/],
    ['variant without BANDWIDTH', '#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n', /BANDWIDTH/],
    ['variant without URI', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', /without a URI/],
    ['two STREAM-INF in a row', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\na.m3u8\n', /without a URI/],
    ['bad RESOLUTION', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=big\na.m3u8\n', /RESOLUTION/],
    ['unterminated quote', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1\na.m3u8\n', /unterminated/],
    ['EXTINF without URI', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n', /EXTINF without a URI/],
    ['EXTINF twice', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXTINF:2,\na.ts\n', /EXTINF without a URI/],
    ['URI without EXTINF', '#EXTM3U\n#EXT-X-TARGETDURATION:2\na.ts\n', /without #EXTINF/],
    ['bad duration', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:abc,\na.ts\n', /EXTINF duration/],
    ['bad target duration', '#EXTM3U\n#EXT-X-TARGETDURATION:two\n#EXTINF:2,\na.ts\n', /TARGETDURATION/],
    ['negative media sequence', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:-1\n#EXTINF:2,\na.ts\n', /MEDIA-SEQUENCE/],
    ['media sequence beyond 2^53', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n#EXTINF:2,\na.ts\n', /out of range/],
    ['media sequence after a segment', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-MEDIA-SEQUENCE:3\n', /after the first segment/],
    ['bad byte range', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:x@y\n#EXTINF:2,\na.ts\n', /byte range/],
    ['byte range without offset first', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:100\n#EXTINF:2,\na.ts\n', /offset/],
    ['bad date', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2,\na.ts\n', /PROGRAM-DATE-TIME/],
    ['impossible date', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-13-45T99:00:00Z\n#EXTINF:2,\na.ts\n', /PROGRAM-DATE-TIME/],
    ['EXT-X-MAP without URI', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:BYTERANGE="1@0"\n#EXTINF:2,\na.m4s\n', /EXT-X-MAP/],
    ['truncated mid-tag', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4\n', /unterminated/],
  ];
  it.each(cases)('%s', (_name, text, reason) => {
    expect(protocolReason(text)).toMatch(reason);
  });

  it('a huge body is refused before it is split', () => {
    expect(protocolReason(`#EXTM3U\n${'#'.repeat(5 * 1024 * 1024)}`)).toMatch(/larger than/);
  });
});
