import { createCipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode, type MediaPacket } from '@argus/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegHls, type FfmpegHls } from './ffmpeg-hls.test-helper.js';
import { HlsFetcher } from './hls-fetcher.js';
import { hlsSource, type HlsSourceObservable, type HlsSourceOptions } from './hls-source.js';
import { ScriptedOrigin } from './scripted-origin.test-helper.js';

let ts: FfmpegHls;
let fmp4: FfmpegHls;
const files = new Map<string, Uint8Array>();

beforeAll(async () => {
  ts = await ffmpegHls('ts', 12);
  fmp4 = await ffmpegHls('fmp4', 4);
  for (const name of ts.segments) files.set(name, new Uint8Array(await readFile(join(ts.dir, name))));
  for (const name of [...fmp4.segments, fmp4.init as string]) files.set(`f-${name}`, new Uint8Array(await readFile(join(fmp4.dir, name))));
}, 60_000);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

async function origin(): Promise<ScriptedOrigin> {
  const server = new ScriptedOrigin();
  for (const [name, bytes] of files) server.files.set(name, bytes);
  await server.start();
  cleanup.push(() => server.close());
  return server;
}

function source(server: ScriptedOrigin, options: Partial<HlsSourceOptions> = {}): HlsSourceObservable {
  const fetcher = new HlsFetcher({ baseUrl: server.url, timeoutMs: 5000 });
  cleanup.push(() => fetcher.close());
  return hlsSource({ fetcher, url: `${server.url}/live.m3u8`, ...options });
}

interface Outcome {
  packets: MediaPacket[];
  error?: unknown;
  completed: boolean;
}

/** Collects packets until `done(packets)` or the stream ends; fails after `ms`. */
function collect(packets$: HlsSourceObservable, done: (packets: MediaPacket[]) => boolean, ms = 25_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const packets: MediaPacket[] = [];
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`only ${packets.length} packets within ${ms} ms; stats ${JSON.stringify(packets$.stats())}`));
    }, ms);
    const finish = (outcome: Outcome): void => {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(outcome);
    };
    const subscription = packets$.subscribe({
      next: (packet) => {
        packets.push(packet);
        if (done(packets)) finish({ packets, completed: false });
      },
      error: (error: unknown) => finish({ packets, error, completed: false }),
      complete: () => finish({ packets, completed: true }),
    });
  });
}

const videoOf = (packets: readonly MediaPacket[]): MediaPacket[] => packets.filter((p) => p.track.kind === 'video');
const frames = (n: number) => (packets: MediaPacket[]) => videoOf(packets).length >= n;

function expectMonotonic(packets: readonly MediaPacket[]): void {
  for (const kind of ['video', 'audio'] as const) {
    const times = packets.filter((p) => p.track.kind === kind).map((p) => p.dts ?? p.pts);
    for (let i = 1; i < times.length; i++) expect(times[i], `${kind} ${i}: ${times[i - 1]} -> ${times[i]}`).toBeGreaterThan(times[i - 1] as number);
  }
}

/** A window of `size` scripted segments ending at sequence `last`, files seg-<n % files>.ts. */
function window(last: number, size = 3, file = (n: number) => `seg-${n % 12}.ts`): { sequence: number; uri: string }[] {
  const out = [];
  for (let n = Math.max(0, last - size + 1); n <= last; n++) out.push({ sequence: n, uri: file(n) });
  return out;
}

describe('hlsSource against a scripted live origin (real HTTP)', () => {
  it('a sliding live playlist: new segments only, by media sequence; one monotonic timeline', async () => {
    const server = await origin();
    let last = 3;
    server.segments = window(last);
    server.onPlaylist = (count) => {
      if (count > 1) server.segments = window(++last);
    };
    const packets$ = source(server);
    const { packets, error } = await collect(packets$, frames(60));
    expect(error).toBeUndefined();
    const video = videoOf(packets);
    expectMonotonic(packets);
    // Segments 1..6 in order, each exactly once: 10 frames and one keyframe each, at 100 ms steps.
    expect(video.slice(0, 60).filter((p) => p.keyframe).length).toBe(6);
    expect(video.slice(1, 60).every((p, i) => (p.dts ?? p.pts) - ((video[i] as MediaPacket).dts ?? (video[i] as MediaPacket).pts) === 9000)).toBe(true);
    expect(packets.some((p) => p.track.kind === 'audio')).toBe(true);
    const stats = packets$.stats();
    expect(stats.tracker).toMatchObject({ skipped: 0, resets: 0 });
    expect(stats.segmentsFailed).toBe(0);
    const segmentRequests = server.requests.filter((r) => r.startsWith('/media/'));
    expect(new Set(segmentRequests).size).toBe(segmentRequests.length);
  }, 30_000);

  it('rollover: the origin restarts its media sequence (and its clock) and the stream goes on, monotonic', async () => {
    const server = await origin();
    let last = 1000;
    server.segments = window(last);
    server.onPlaylist = (count) => {
      if (count === 3) {
        last = 2;
        server.segments = window(last, 3, (n) => `seg-${n}.ts`);
      } else if (count > 1) {
        server.segments = window(++last, 3, count > 3 ? (n) => `seg-${n}.ts` : undefined);
      }
    };
    const packets$ = source(server);
    const { packets, error } = await collect(packets$, frames(80));
    expect(error).toBeUndefined();
    expectMonotonic(packets);
    const stats = packets$.stats();
    expect(stats.tracker?.resets).toBe(1);
    expect(stats.timeline?.discontinuities).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('EXT-X-DISCONTINUITY: the segment after it restarts its timestamps; the output does not', async () => {
    const server = await origin();
    server.targetDuration = 1;
    server.endList = true;
    server.segments = [
      { sequence: 0, uri: 'seg-6.ts' },
      { sequence: 1, uri: 'seg-7.ts' },
      { sequence: 2, uri: 'seg-0.ts', discontinuity: true },
      { sequence: 3, uri: 'seg-1.ts' },
    ];
    const packets$ = source(server);
    const { packets, completed, error } = await collect(packets$, () => false);
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(videoOf(packets)).toHaveLength(40);
    expectMonotonic(packets);
    expect(packets$.stats().timeline).toMatchObject({ discontinuities: 1, unannounced: 0 });
    // Continuous across the discontinuity: the next frame follows within a frame or so (the audio ended a little later).
    const video = videoOf(packets);
    const step = (video[20]?.dts ?? video[20]?.pts ?? 0) - (video[19]?.dts ?? video[19]?.pts ?? 0);
    expect(step).toBeGreaterThanOrEqual(9000);
    expect(step).toBeLessThan(18000);
  });

  it('a segment that answers 404 is skipped as a gap; the stream goes on', async () => {
    const server = await origin();
    server.missing.add('seg-2.ts');
    server.endList = true;
    server.segments = window(4, 5);
    const packets$ = source(server);
    const { packets, completed } = await collect(packets$, () => false);
    expect(completed).toBe(true);
    const video = videoOf(packets);
    expect(video).toHaveLength(40);
    expectMonotonic(packets);
    expect(packets$.stats()).toMatchObject({ segmentsFailed: 1, segmentsLoaded: 4 });
    // The missing second stays a second of nothing between frames 19 and 20.
    expect((video[20]?.dts ?? video[20]?.pts ?? 0) - (video[19]?.dts ?? video[19]?.pts ?? 0)).toBe(90000 + 9000);
    expect(packets$.stats().timeline?.discontinuities).toBe(0);
  });

  it('a corrupt segment (an HTML page served as a segment) is skipped like a missing one', async () => {
    const server = await origin();
    server.files.set('broken.ts', new TextEncoder().encode('<html><body>502 Bad Gateway</body></html>'));
    server.endList = true;
    server.segments = [...window(1, 2), { sequence: 2, uri: 'broken.ts' }, { sequence: 3, uri: 'seg-3.ts' }];
    const packets$ = source(server);
    const { packets, completed } = await collect(packets$, () => false);
    expect(completed).toBe(true);
    expect(videoOf(packets)).toHaveLength(30);
    expect(packets$.stats()).toMatchObject({ segmentsFailed: 1, segmentsLoaded: 3 });
  });

  it('segments that keep failing end the stream with ARGUS_ERR_DRIVER_REQUEST_FAILED', async () => {
    const server = await origin();
    for (let n = 0; n < 12; n++) server.missing.add(`seg-${n}.ts`);
    server.endList = true;
    server.segments = window(7, 8);
    const { error } = await collect(source(server, { maxSegmentFailures: 3 }), () => false);
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
  });

  it('a first playlist load that fails fails the stream at once: 404, HTML, wrong credentials', async () => {
    const server = await origin();
    const notFound = await collect(hlsSource({ fetcher: new HlsFetcher({ baseUrl: server.url }), url: `${server.url}/nothing.m3u8` }), () => false);
    expect(hasErrorCode(notFound.error, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')).toBe(true);
    server.routes.set('/html.m3u8', () => ({ type: 'text/html', body: '<html><body>maintenance</body></html>' }));
    const html = await collect(hlsSource({ fetcher: new HlsFetcher({ baseUrl: server.url }), url: `${server.url}/html.m3u8` }), () => false);
    expect(hasErrorCode(html.error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    server.basic = `Basic ${Buffer.from('viewer:right').toString('base64')}`;
    const auth = await collect(hlsSource({ fetcher: new HlsFetcher({ baseUrl: server.url, username: 'viewer', password: 'wrong' }), url: `${server.url}/live.m3u8` }), () => false);
    expect(hasErrorCode(auth.error, 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
  });

  it('a playlist that breaks after the start is retried, then fails with ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const server = await origin();
    server.segments = window(2);
    let broken = false;
    server.onPlaylist = (count) => {
      if (count >= 2) broken = true;
    };
    server.routes.set('/live.m3u8', () => {
      server.onPlaylist?.(server.requests.filter((r) => r === '/live.m3u8').length);
      return broken ? { type: 'application/vnd.apple.mpegurl', body: '#EXTM3U\n#EXTINF:1,\n' } : { type: 'application/vnd.apple.mpegurl', body: server.playlist() };
    });
    const packets$ = source(server, { maxReloadFailures: 2 });
    const { error, packets } = await collect(packets$, () => false);
    expect(videoOf(packets)).toHaveLength(30);
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(packets$.stats().playlistFailures).toBe(2);
  });

  it('EXT-X-BYTERANGE: sub-ranges of one file, with Range requests or from a server that ignores Range', async () => {
    const server = await origin();
    const parts = ts.segments.slice(0, 4).map((name) => files.get(name) as Uint8Array);
    server.files.set('all.ts', Buffer.concat(parts));
    let offset = 0;
    server.segments = parts.map((part, sequence) => {
      const segment = { sequence, uri: 'all.ts', byteRange: { offset, length: part.length } };
      offset += part.length;
      return segment;
    });
    server.endList = true;
    for (const ranges of [true, false]) {
      server.ranges = ranges;
      const { packets, completed } = await collect(source(server), () => false);
      expect(completed).toBe(true);
      expect(videoOf(packets)).toHaveLength(40);
      expectMonotonic(packets);
    }
  });

  it('AES-128 segments are decrypted (explicit IV and the media-sequence IV)', async () => {
    const server = await origin();
    const key = randomBytes(16);
    server.routes.set('/key.bin', () => ({ body: key }));
    const explicitIv = randomBytes(16);
    server.segments = ts.segments.slice(0, 4).map((name, sequence) => {
      const iv = sequence % 2 === 0 ? explicitIv : Buffer.alloc(16);
      if (sequence % 2 === 1) iv.writeUInt32BE(sequence, 12);
      const cipher = createCipheriv('aes-128-cbc', key, iv);
      server.files.set(`enc-${sequence}.ts`, Buffer.concat([cipher.update(files.get(name) as Uint8Array), cipher.final()]));
      const keyTag = sequence % 2 === 0 ? `#EXT-X-KEY:METHOD=AES-128,URI="../key.bin",IV=0x${explicitIv.toString('hex')}` : '#EXT-X-KEY:METHOD=AES-128,URI="../key.bin"';
      return { sequence, uri: `enc-${sequence}.ts`, before: [keyTag] };
    });
    server.endList = true;
    const { packets, completed, error } = await collect(source(server), () => false);
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(videoOf(packets)).toHaveLength(40);
    expect(server.requests.filter((r) => r === '/key.bin')).toHaveLength(1);
  });

  it('fMP4 with EXT-X-MAP and PROGRAM-DATE-TIME: wallClock follows the playlist dates', async () => {
    const server = await origin();
    const date = Date.parse('2026-05-01T06:30:00Z');
    server.segments = fmp4.segments.map((name, sequence) => ({
      sequence,
      uri: `f-${name}`,
      programDateTime: date + sequence * 1000,
      ...(sequence === 0 ? { before: ['#EXT-X-MAP:URI="media/f-init.mp4"'] } : {}),
    }));
    server.endList = true;
    const { packets, completed, error } = await collect(source(server), () => false);
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    const video = videoOf(packets);
    expect(video).toHaveLength(40);
    expectMonotonic(packets);
    expect(packets.filter((p) => p.track.kind === 'audio').length).toBeGreaterThan(150);
    // The first frame of segment 2 (in decode order, a keyframe) is presented at the segment's date.
    const keyframes = video.filter((p) => p.keyframe);
    expect(keyframes).toHaveLength(4);
    const firstPts = Math.min(...video.slice(20, 30).map((p) => p.pts));
    const atDate = video.slice(20, 30).find((p) => p.pts === firstPts);
    expect(atDate?.wallClock).toBeCloseTo(date + 2000, 0);
    expect(server.requests.filter((r) => r === '/media/f-init.mp4')).toHaveLength(1);
  });

  it('a master playlist: the highest variant is followed', async () => {
    const server = await origin();
    server.segments = window(3, 4);
    server.endList = true;
    server.routes.set('/master.m3u8', () => ({
      type: 'application/vnd.apple.mpegurl',
      body: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\nmissing.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=320x240\nlive.m3u8\n',
    }));
    const fetcher = new HlsFetcher({ baseUrl: server.url });
    cleanup.push(() => fetcher.close());
    const packets$ = hlsSource({ fetcher, url: `${server.url}/master.m3u8` });
    const { packets, completed } = await collect(packets$, () => false);
    expect(completed).toBe(true);
    expect(videoOf(packets)).toHaveLength(40);
    expect(packets$.stats().playlistUrl).toBe(`${server.url}/live.m3u8`);
  });

  it('redirects are followed (a CDN edge on another origin gets no credentials); URIs resolve against the final URL', async () => {
    const entry = await origin();
    const edge = await origin();
    edge.segments = window(3, 4);
    edge.endList = true;
    entry.basic = `Basic ${Buffer.from('viewer:secret').toString('base64')}`;
    entry.routes.set('/feed.m3u8', () => ({ status: 302, headers: { location: `${edge.url}/live.m3u8` } }));
    const fetcher = new HlsFetcher({ baseUrl: entry.url, username: 'viewer', password: 'secret' });
    cleanup.push(() => fetcher.close());
    const { packets, completed, error } = await collect(hlsSource({ fetcher, url: `${entry.url}/feed.m3u8` }), () => false);
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(videoOf(packets)).toHaveLength(40);
    expect(entry.authorizations.at(-1)).toBe(entry.basic);
    expect(edge.requests.filter((r) => r.startsWith('/media/'))).toHaveLength(4);
    expect(edge.authorizations.every((a) => a === undefined)).toBe(true);
  });

  it('unsubscribing stops the reloads', async () => {
    const server = await origin();
    server.segments = window(2);
    const { packets } = await collect(source(server), frames(5));
    expect(videoOf(packets).length).toBeGreaterThanOrEqual(5);
    const before = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.requests.length).toBe(before);
  });
});
