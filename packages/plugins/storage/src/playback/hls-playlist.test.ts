import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { ffmpegPath } from '@argus/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalogue } from '../catalogue/catalogue.js';
import type { StorageTier } from '../writer/storage-tier.js';
import { Playback } from './playback.js';
import { decodeFrames, h264Sample, packetsOf, recordSegments, T0 } from './recording-fixture.test-helper.js';

const S = 1000;
const EIGHT = T0 + 8 * 3600 * S;
// The HLS demuxer with EXT-X-MAP byte ranges needs a recent ffmpeg: Debian's where present.
const FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : ffmpegPath();

let dir: string;
let catalogue: Catalogue;
let tier: StorageTier;
let playback: Playback;
let server: Server;
let base: string;
const playlists = new Map<string, string>();
const requests: { path: string; range?: string }[] = [];

/** Serves the playlists and the tier root, with single byte ranges (`bytes=a-b`), as a media server would. */
function serve(): Promise<string> {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ path: url.pathname, ...(req.headers.range === undefined ? {} : { range: req.headers.range }) });
      const playlist = playlists.get(url.pathname);
      if (playlist !== undefined) {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(playlist);
        return;
      }
      const path = normalize(join(tier.root, decodeURIComponent(url.pathname.replace(/^\/media\//, ''))));
      if (!url.pathname.startsWith('/media/') || !path.startsWith(tier.root + sep) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      const size = (await stat(path)).size;
      const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const first = match === null ? 0 : Number(match[1]);
      const last = match === null || match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]));
      const body = Buffer.alloc(last - first + 1);
      const handle = await open(path, 'r');
      await handle.read(body, 0, body.length, first);
      await handle.close();
      const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': String(body.length) };
      if (match === null) res.writeHead(200, headers).end(body);
      else res.writeHead(206, { ...headers, 'content-range': `bytes ${first}-${last}/${size}` }).end(body);
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-hls-'));
  tier = { name: 'fast', root: join(dir, 'fast') };
  catalogue = await Catalogue.open(join(dir, 'catalogue'));
  const ten = packetsOf(await h264Sample({ seconds: 10, fps: 25, gop: 25 }), 25).packets;
  const wide = packetsOf(await h264Sample({ seconds: 4, fps: 25, gop: 25, width: 640, height: 360 }), 25).packets;
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: EIGHT, packets: ten, segmentFrames: 100 });
  await recordSegments({ catalogue, tier, camera: 'gate-1', start: EIGHT + 10 * S, packets: wide });
  playback = new Playback({ catalogue, tiers: [tier] });
  base = await serve();
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await catalogue?.close();
  rmSync(dir, { recursive: true, force: true });
});

const mediaUri = (segment: { file: string }): string => `/media/${segment.file}`;

describe('Playback.hlsPlaylist', () => {
  it('writes a version 7 VOD playlist with a map, a date and byte ranges per segment file', async () => {
    const text = await playback.hlsPlaylist('gate-1', EIGHT + 3.5 * S, EIGHT + 5.5 * S, { mediaUri });
    const lines = text.trim().split('\n');
    const [first, second] = await catalogue.segments('gate-1', EIGHT, EIGHT + 5.5 * S);
    if (first === undefined || second === undefined) throw new Error('fixture');
    expect(lines).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      `#EXT-X-MAP:URI="/media/${first.file}",BYTERANGE="${first.initSize}@0"`,
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T08:00:03.000Z',
      '#EXTINF:1.000,',
      `#EXT-X-BYTERANGE:${first.fragments[3]?.size}@${first.fragments[3]?.offset}`,
      `/media/${first.file}`,
      '#EXT-X-DISCONTINUITY',
      `#EXT-X-MAP:URI="/media/${second.file}",BYTERANGE="${second.initSize}@0"`,
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T08:00:04.000Z',
      '#EXTINF:1.000,',
      `#EXT-X-BYTERANGE:${second.fragments[0]?.size}@${second.fragments[0]?.offset}`,
      `/media/${second.file}`,
      '#EXTINF:1.000,',
      `#EXT-X-BYTERANGE:${second.fragments[1]?.size}@${second.fragments[1]?.offset}`,
      `/media/${second.file}`,
      '#EXT-X-ENDLIST',
    ]);
  });

  it('plays in ffmpeg over HTTP byte ranges: every frame of the range, across the files of a recording', async () => {
    // 08:00:02.5-08:00:09.9: fragments 2..9 of the three 320x240 files: 8 GOPs of 25 frames.
    playlists.set('/x.m3u8', await playback.hlsPlaylist('gate-1', EIGHT + 2.5 * S, EIGHT + 9.9 * S, { mediaUri }));
    requests.length = 0;
    expect(await decodeFrames(`${base}/x.m3u8`, FFMPEG)).toBe(200);
    const media = requests.filter((r) => r.path.startsWith('/media/'));
    expect(media.length).toBeGreaterThan(0);
    expect(media.every((r) => r.range !== undefined)).toBe(true);
  });

  it('plays the part after an init change from its own map', async () => {
    // ffmpeg's HLS demuxer skips a second moov ("duplicated MOOV atom"), so it cannot cross an init change in one
    // playlist (players that honour EXT-X-DISCONTINUITY can); the playlist still marks the change.
    const across = await playback.hlsPlaylist('gate-1', EIGHT + 9 * S, EIGHT + 11 * S, { mediaUri });
    expect(across.match(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="[^"]+",BYTERANGE="\d+@0"\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T08:00:10.000Z/)).not.toBeNull();
    playlists.set('/wide.m3u8', await playback.hlsPlaylist('gate-1', EIGHT + 10 * S, EIGHT + 14 * S, { mediaUri }));
    expect(await decodeFrames(`${base}/wide.m3u8`, FFMPEG)).toBe(100);
  });

  it('rejects bad ranges, ranges without recording and URIs a playlist cannot hold', async () => {
    await expect(playback.hlsPlaylist('gate-1', EIGHT, EIGHT, { mediaUri })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_RANGE_INVALID'));
    await expect(playback.hlsPlaylist('gate-1', T0, T0 + S, { mediaUri })).rejects.toSatisfy((err) => hasErrorCode(err, 'ARGUS_ERR_STORAGE_NO_RECORDING'));
    await expect(playback.hlsPlaylist('gate-1', EIGHT, EIGHT + S, { mediaUri: () => 'a"b' })).rejects.toThrow(TypeError);
  });
});
