// Bad-input fuzz test of the media plane: mutated RTSP streams, SDPs, RTP/RTCP packets, codec bitstreams and FLV
// go to the parsers. Each call must return or throw a coded ArgusError; anything else is reported with its seed
// and input. Set ARGUS_FUZZ_SEED to explore other seeds; the default keeps CI deterministic.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { buildAudioSpecificConfig, parseAdts, parseAudioSpecificConfig } from '../codec/aac.js';
import { AnnexBAccessUnitReader } from '../codec/annexb.js';
import { parseH264Sps } from '../codec/h264.js';
import { parseH265Sps } from '../codec/h265.js';
import { ffmpegPath } from '../ffmpeg/binaries.js';
import { FlvDemuxer } from '../ffmpeg/flv-demuxer.js';
import { AacDepacketizer } from '../rtp/aac-depacketizer.js';
import { accessUnits, splitAdts } from '../rtp/annex-b.test-helper.js';
import { AacPacketizer, G711Packetizer } from '../rtp/audio-packetizers.js';
import { G711Depacketizer } from '../rtp/g711-depacketizer.js';
import { H264Depacketizer } from '../rtp/h264-depacketizer.js';
import { H264Packetizer } from '../rtp/h264-packetizer.js';
import { H265Depacketizer } from '../rtp/h265-depacketizer.js';
import { H265Packetizer } from '../rtp/h265-packetizer.js';
import { buildReceiverReport, parseRtcp } from '../rtp/rtcp.js';
import { parseRtp, type RtpPacket } from '../rtp/rtp-packet.js';
import { RtpReceiver } from '../rtp/rtp-receiver.js';
import { parseWwwAuthenticate } from '../rtsp/rtsp-auth.js';
import { parseSessionHeader, parseTransport } from '../rtsp/rtsp-client.js';
import { RtspMessageParser, serializeInterleavedFrame, serializeRtspRequest, serializeRtspResponse } from '../rtsp/rtsp-message.js';
import { parseSdp } from '../sdp/parse-sdp.js';
import { sdpTracks } from '../sdp/sdp-tracks.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { caseSeed, describeInput, FuzzRandom, mutate } from './mutate.test-helper.js';

const run = promisify(execFile);
const BASE_SEED = Number(process.env['ARGUS_FUZZ_SEED'] ?? 0x5eed) >>> 0;
const MAX_INPUT = 64 * 1024;
const MAX_FAILURES_SHOWN = 3;

const FIXTURES = fileURLToPath(new URL('../../../../../../shared/fixtures/', import.meta.url));
const SDP_DIR = join(FIXTURES, 'rtsp/sdp');
const ONVIF_DIR = join(FIXTURES, 'rtsp/onvif-streaming-spec-examples');
const AXIS_FILE = join(FIXTURES, 'axis-vapix/rtsp/axis_rtsp_metadata_session_server_responses.txt');
for (const path of [SDP_DIR, ONVIF_DIR, AXIS_FILE]) {
  if (!existsSync(path)) console.warn(`Fuzz seed fixture missing at ${path}: fuzzing without it`);
}

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** A failure: a thrown value without a registered Argus code, or a broken invariant. */
interface Failure {
  target: string;
  seed: number;
  error: string;
  input: Uint8Array;
}

let totalCases = 0;

/** Outcome of one target's cases. */
interface FuzzResult {
  failures: Failure[];
  /** Cases that returned normally. */
  ok: number;
  /** Cases that threw a coded ArgusError. */
  typed: number;
}

/**
 * Runs `count` cases of one target. `body` gets a seeded random source and records the input it built (for the
 * report); each thrown value must carry an Argus code.
 */
function fuzz(target: string, count: number, body: (rng: FuzzRandom, record: (input: Uint8Array) => void) => void): FuzzResult {
  const failures: Failure[] = [];
  let ok = 0;
  let typed = 0;
  for (let i = 0; i < count; i++) {
    const seed = caseSeed(BASE_SEED, target, i);
    const rng = new FuzzRandom(seed);
    let input: Uint8Array = new Uint8Array(0);
    try {
      body(rng, (bytes) => {
        input = bytes;
      });
      ok += 1;
    } catch (err) {
      if (hasErrorCode(err)) {
        typed += 1;
      } else {
        const error = err instanceof Error ? (err.stack ?? String(err)).split('\n').slice(0, 4).join('\n') : `non-error thrown: ${String(err)}`;
        failures.push({ target, seed, error, input });
      }
    }
  }
  totalCases += count;
  return { failures, ok, typed };
}

function report(failures: Failure[]): string {
  return failures
    .slice(0, MAX_FAILURES_SHOWN)
    .map((f) => `${f.target} case seed 0x${f.seed.toString(16)} (base ${BASE_SEED}): ${f.error}\n  input ${describeInput(f.input)}`)
    .join('\n');
}

/**
 * No untyped failure; and the cases both passed and failed with typed errors (unless `mayThrow` is false), so the
 * mutations neither all break the input at the first byte nor all leave it valid.
 */
function expectNoFailures({ failures, ok, typed }: FuzzResult, mayThrow = true): void {
  expect(failures.length, `${failures.length} untyped failures:\n${report(failures)}`).toBe(0);
  expect(ok).toBeGreaterThan(0);
  if (mayThrow) expect(typed).toBeGreaterThan(0);
}

/** Feeds `bytes` in random chunk sizes (or whole), checking the parser's buffer bound after each chunk. */
function chunked(bytes: Uint8Array, rng: FuzzRandom, feed: (chunk: Uint8Array) => void): void {
  if (rng.chance(0.3)) {
    feed(bytes);
    return;
  }
  const maxChunk = rng.pick([1, 7, 64, 512, 4096]);
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + rng.int(maxChunk);
    feed(bytes.subarray(at, at + size));
    at += size;
  }
}

/** ONVIF spec examples are annotated listings: strip the "client->server:" labels and indentation, rebuild CRLF. */
function onvifMessages(listing: string): string[] {
  const messages: string[][] = [];
  for (const raw of listing.split('\n')) {
    const line = raw.replace(/^\s*(client|server)\s*->\s*(client|server)\s*:/i, '').trim();
    if (/^([A-Z_]+ \S+ RTSP\/1\.0|RTSP\/1\.0 \d{3})/.test(line)) messages.push([line]);
    else if (line !== '') messages[messages.length - 1]?.push(line);
  }
  return messages.map(([start = '', ...rest]) => {
    const headers: string[] = [];
    let i = 0;
    while (i < rest.length && /^[\w-]+\s*:/.test(rest[i] ?? '') && !/^(Content-Length)\s*:/i.test(rest[i] ?? '')) headers.push(rest[i++] ?? '');
    const body = rest
      .slice(i)
      .filter((l) => !/^Content-Length\s*:/i.test(l))
      .map((l) => `${l}\r\n`)
      .join('');
    if (body !== '') headers.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    return `${start}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;
  });
}

interface Corpus {
  sdps: Uint8Array[];
  rtspStreams: Uint8Array[];
  headerValues: Uint8Array[];
  rtp: { h264: Uint8Array[]; h265: Uint8Array[]; aac: Uint8Array[]; pcma: Uint8Array[] };
  rtcp: Uint8Array[];
  h264Sps: Uint8Array[];
  h265Sps: Uint8Array[];
  annexB: { h264: Uint8Array; h265: Uint8Array };
  adts: Uint8Array;
  asc: Uint8Array[];
  flv: Uint8Array;
}

function packetize(packetizer: { process(packet: MediaPacket): Uint8Array[] }, packets: MediaPacket[]): Uint8Array[] {
  return packets.flatMap((packet) => packetizer.process(packet));
}

/** Length of the longest run of whole ADTS frames from the start that fits in `limit` bytes. */
function wholeAdtsFrames(bytes: Uint8Array, limit: number): number {
  let at = 0;
  while (at + 7 <= bytes.length) {
    const length = (((bytes[at + 3] ?? 0) & 3) << 11) | ((bytes[at + 4] ?? 0) << 3) | ((bytes[at + 5] ?? 0) >> 5);
    if (length === 0 || at + length > limit) break;
    at += length;
  }
  return at;
}

async function buildCorpus(dir: string): Promise<Corpus> {
  const sdps: string[] = [];
  if (existsSync(SDP_DIR)) {
    for (const name of readdirSync(SDP_DIR).filter((n) => n.endsWith('.sdp'))) {
      const sdp = readFileSync(join(SDP_DIR, name), 'latin1');
      sdps.push(sdp, sdp.replaceAll('\n', '\r\n'));
    }
  }
  const messages: string[] = [];
  if (existsSync(AXIS_FILE)) {
    const parts = readFileSync(AXIS_FILE, 'latin1')
      .split(/^#### server response \d+: .*\n/m)
      .filter((part) => part.trim() !== '')
      .map((part) => part.replace(/\n$/, ''));
    messages.push(...parts);
  }
  if (existsSync(ONVIF_DIR)) {
    for (const name of readdirSync(ONVIF_DIR)) messages.push(...onvifMessages(readFileSync(join(ONVIF_DIR, name), 'latin1')));
  }
  for (const message of messages) {
    const at = message.indexOf('\r\n\r\nv=0');
    if (at >= 0) sdps.push(message.slice(at + 4));
  }
  messages.push(
    text(serializeRtspRequest({ method: 'OPTIONS', url: 'rtsp://127.0.0.1/s', headers: { CSeq: 1 } })),
    text(serializeRtspRequest({ method: 'SETUP', url: 'rtsp://127.0.0.1/s/track1', headers: { CSeq: 3, Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' } })),
    text(serializeRtspResponse({ status: 200, headers: { CSeq: 3, Session: '12345678;timeout=60', Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0000ABCD' } })),
    text(serializeRtspResponse({ status: 401, reason: 'Unauthorized', headers: { CSeq: 2, 'WWW-Authenticate': 'Digest realm="r", nonce="n\\"x", algorithm=SHA-256, qop="auth,auth-int", Basic realm="r"' } })),
  );

  const h264File = new Uint8Array(readFileSync(await sampleMedia({ codec: 'h264', seconds: 1, gop: 10 })));
  const h265File = new Uint8Array(readFileSync(await sampleMedia({ codec: 'h265', seconds: 1, gop: 10 })));
  const aacFile = new Uint8Array(readFileSync(await sampleMedia({ codec: 'aac', seconds: 1 })));
  const pcmaFile = new Uint8Array(readFileSync(await sampleMedia({ codec: 'pcma', seconds: 1 })));
  const videoInput = (codec: 'h264' | 'h265', bytes: Uint8Array): { aus: Uint8Array[][]; packets: MediaPacket[] } => {
    const aus = accessUnits(bytes, codec).slice(0, 12);
    const track: TrackInfo = { id: 0, kind: 'video', codec, timescale: 90000 };
    return { aus, packets: aus.map((units, i) => ({ track, pts: i * 3600, keyframe: i === 0, units })) };
  };
  const h264 = videoInput('h264', h264File);
  const h265 = videoInput('h265', h265File);
  const aacFrames = splitAdts(aacFile).slice(0, 40);
  const aacTrack: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 48000 };
  const pcmaTrack: TrackInfo = { id: 2, kind: 'audio', codec: 'pcma', timescale: 8000 };
  const rtp = {
    h264: packetize(new H264Packetizer({ payloadType: 96, mtu: 400, ssrc: 1, initialSequence: 65530, timestampOffset: 0, aggregate: true }), h264.packets),
    h265: packetize(new H265Packetizer({ payloadType: 97, mtu: 400, ssrc: 2, initialSequence: 0, timestampOffset: 0, aggregate: true }), h265.packets),
    aac: packetize(new AacPacketizer({ payloadType: 98, ssrc: 3, initialSequence: 10, timestampOffset: 0 }), aacFrames.map((f, i) => ({ track: aacTrack, pts: i * 1024, keyframe: true, units: [f] }))),
    pcma: packetize(new G711Packetizer({ payloadType: 8, ssrc: 4, initialSequence: 10, timestampOffset: 0 }), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ track: pcmaTrack, pts: i * 160, keyframe: true, units: [pcmaFile.subarray(i * 160, i * 160 + 160)] }))),
  };

  const rtspStreams = messages.map(latin1);
  // Interleaved streams: responses with $-framed RTP and RTCP between them, as a TCP session carries them.
  const frames = [...rtp.h264.slice(0, 6), ...rtp.aac.slice(0, 2)].map((p, i) => serializeInterleavedFrame(i % 4, p));
  for (let i = 0; i < rtspStreams.length; i += 3) {
    rtspStreams.push(Buffer.concat([rtspStreams[i] ?? new Uint8Array(0), ...frames.slice(0, 3), rtspStreams[i + 1] ?? new Uint8Array(0), ...frames.slice(3)]));
  }

  const headerValues = [
    'Digest realm="AXIS_ACCC8E012345", nonce="0000eb57Y1462133062b37999f0cd530f02755fa37b8df1", stale=FALSE',
    'Digest realm="r", nonce="n\\"x", algorithm=SHA-256, qop="auth,auth-int", opaque="o", Basic realm="r"',
    'Basic realm="IP Camera(12345)"',
    'RTP/AVP;unicast;client_port=8002-8003;server_port=9004-9005;ssrc=1234ABCD;mode="PLAY"',
    'RTP/AVP/TCP;unicast;interleaved=0-1, RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16',
    '12345678; timeout=60',
    'E5F2B6AE;timeout = 30',
  ].map(latin1);

  const sr = new Uint8Array(28 + 24);
  sr.set([0x81, 200, 0, 12]);
  sr.set([0, 0, 0, 9, 0xe5, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 5, 0, 0, 1, 0], 4);
  const bye = Uint8Array.of(0x81, 203, 0, 2, 0, 0, 0, 9, 3, 0x62, 0x79, 0x65);
  const rr = buildReceiverReport({
    ssrc: 0x1234,
    cname: 'argus@127.0.0.1',
    reports: [{ ssrc: 1, fractionLost: 12, cumulativeLost: -3, highestSequence: 70000, jitter: 45, lastSenderReport: 0xabcdef, delaySinceLastSenderReport: 65536 }],
  });
  const rtcp = [rr, buildReceiverReport({ ssrc: 7, cname: '', reports: [] }), sr, bye, Buffer.concat([sr, rr, bye])];

  const h264Sps = h264.aus.flat().filter((n) => ((n[0] ?? 0) & 0x1f) === 7);
  const h265Sps = h265.aus.flat().filter((n) => (((n[0] ?? 0) >> 1) & 0x3f) === 33);
  const asc = [
    buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 1 }),
    Uint8Array.of(0x15, 0x88),
    Uint8Array.of(0x14, 0x08),
    Uint8Array.of(0xf8, 0xff, 0xff, 0xff, 0x10),
  ];

  const video = await sampleMedia({ codec: 'h264', seconds: 1, width: 160, height: 120, gop: 10 });
  const audio = await sampleMedia({ codec: 'aac', seconds: 1 });
  const flvFile = join(dir, 'sample.flv');
  await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-r', '25', '-f', 'h264', '-i', video, '-i', audio, '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-f', 'flv', flvFile]);

  return {
    sdps: sdps.map(latin1),
    rtspStreams,
    headerValues,
    rtp,
    rtcp,
    h264Sps,
    h265Sps,
    annexB: { h264: h264File.subarray(0, 24 * 1024), h265: h265File.subarray(0, 24 * 1024) },
    adts: aacFile.subarray(0, wholeAdtsFrames(aacFile, 4096)),
    asc,
    flv: new Uint8Array(readFileSync(flvFile)).subarray(0, MAX_INPUT),
  };
}

describe('media parsers under mutated input (fuzz)', () => {
  let dir: string;
  let corpus: Corpus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'argus-fuzz-'));
    corpus = await buildCorpus(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has seeds for every target', () => {
    expect(corpus.rtp.h264.length).toBeGreaterThan(12);
    expect(corpus.rtp.h265.length).toBeGreaterThan(12);
    expect(corpus.h264Sps.length).toBeGreaterThan(0);
    expect(corpus.h265Sps.length).toBeGreaterThan(0);
    expect(corpus.flv.length).toBeGreaterThan(1000);
    // The seeds themselves parse: the fuzzing starts from valid input.
    for (const sdp of corpus.sdps) expect(() => sdpTracks(parseSdp(text(sdp)), 'rtsp://127.0.0.1/s')).not.toThrow();
    expect(corpus.rtcp.every((p) => parseRtcp(p).length > 0)).toBe(true);
    expect(parseAdts(corpus.adts).length).toBeGreaterThan(5);
  });

  it('parseSdp + sdpTracks', () => {
    const sdps = corpus.sdps.length > 0 ? corpus.sdps : [latin1('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n')];
    expectNoFailures(
      fuzz('sdp', 5000, (rng, record) => {
        const input = mutate(rng.pick(sdps), rng, { maxBytes: MAX_INPUT, text: true, corpus: sdps });
        record(input);
        const sdp = parseSdp(text(input));
        sdpTracks(sdp, rng.pick(['rtsp://127.0.0.1/s', 'rtsp://127.0.0.1:554/a/b/', 'rtsp://[::1]/x?y=1']));
      }),
    );
  });

  it('RtspMessageParser (responses, requests, interleaved frames; whole and chunked) with bounded buffering', () => {
    const limits = { maxHeaderBytes: 4096, maxBodyBytes: 16 * 1024 };
    // Pending bytes never exceed one incomplete message: headers + body, or one $ frame.
    const bound = Math.max(limits.maxHeaderBytes + limits.maxBodyBytes, 4 + 0xffff);
    const streams = corpus.rtspStreams;
    expectNoFailures(
      fuzz('rtsp', 4000, (rng, record) => {
        const input = mutate(rng.pick(streams), rng, { maxBytes: MAX_INPUT, text: rng.chance(0.7), corpus: streams });
        record(input);
        const parser = new RtspMessageParser({ ...limits, endpoint: 'fuzz' });
        chunked(input, rng, (chunk) => {
          for (const message of parser.process(chunk)) {
            if (message.kind === 'interleaved') {
              if (message.channel % 2 === 0) parseRtp(message.data);
              continue;
            }
            parseWwwAuthenticate(message.headers.getAll('www-authenticate'));
            const transport = message.headers.get('transport');
            if (transport !== undefined) parseTransport(transport);
            const session = message.headers.get('session');
            if (session !== undefined) parseSessionHeader(session);
            if (message.body.length > 0 && /sdp/i.test(message.headers.get('content-type') ?? '')) parseSdp(text(message.body));
          }
          if (parser.bufferedBytes > bound) throw new Error(`parser buffers ${parser.bufferedBytes} bytes, over ${bound}`);
        });
      }),
    );
  });

  it('parseWwwAuthenticate, parseTransport, parseSessionHeader', () => {
    const values = corpus.headerValues;
    expectNoFailures(
      fuzz('rtsp-headers', 3000, (rng, record) => {
        const input = mutate(rng.pick(values), rng, { maxBytes: 4096, text: true, corpus: values });
        record(input);
        const value = text(input);
        parseWwwAuthenticate([value, value]);
        parseTransport(value);
        parseSessionHeader(value);
      }),
      false,
    );
  });

  it('parseRtp', () => {
    const packets = [...corpus.rtp.h264, ...corpus.rtp.h265, ...corpus.rtp.aac, ...corpus.rtp.pcma];
    expectNoFailures(
      fuzz('rtp', 8000, (rng, record) => {
        const input = mutate(rng.pick(packets), rng, { maxBytes: 2048, corpus: packets });
        record(input);
        parseRtp(input);
      }),
    );
  });

  it('parseRtcp', () => {
    expectNoFailures(
      fuzz('rtcp', 5000, (rng, record) => {
        const input = mutate(rng.pick(corpus.rtcp), rng, { maxBytes: 2048, corpus: corpus.rtcp });
        record(input);
        parseRtcp(input);
      }),
    );
  });

  it('RtpReceiver into the H.264, H.265, AAC and G.711 depacketizers', () => {
    type Depacketizer = { process(packet: RtpPacket): MediaPacket[] };
    const makers: { name: keyof Corpus['rtp']; make: () => Depacketizer; clockRate: number }[] = [
      { name: 'h264', clockRate: 90000, make: () => new H264Depacketizer({ track: { id: 0, kind: 'video', codec: 'h264', timescale: 90000 }, maxAccessUnitBytes: 64 * 1024, spropParameterSets: 'Z0IAHpWoKA9puAgICBA=,aM48gA==' }) },
      { name: 'h265', clockRate: 90000, make: () => new H265Depacketizer({ track: { id: 0, kind: 'video', codec: 'h265', timescale: 90000 }, maxAccessUnitBytes: 64 * 1024 }) },
      { name: 'aac', clockRate: 48000, make: () => new AacDepacketizer({ track: { id: 1, kind: 'audio', codec: 'aac', timescale: 48000 }, config: '1188', maxFrameBytes: 16 * 1024 }) },
      { name: 'pcma', clockRate: 8000, make: () => new G711Depacketizer({ track: { id: 2, kind: 'audio', codec: 'pcma', timescale: 8000 } }) },
    ];
    let parsedPackets = 0;
    expectNoFailures(
      fuzz('rtp-chain', 2500, (rng, record) => {
        const maker = rng.pick(makers);
        const valid = corpus.rtp[maker.name];
        const window = rng.pick([0, 8, 64]);
        const receiver = new RtpReceiver({ clockRate: maker.clockRate, reorderWindow: window, maxReorderDelayMs: 50 });
        const depacketizer = maker.make();
        const start = rng.int(Math.max(1, valid.length - 20));
        let now = 1000;
        for (let i = 0; i < 24; i++) {
          // Mostly the next valid packet, sometimes mutated, repeated, skipped or taken from further away.
          const base = rng.chance(0.1) ? rng.pick(valid) : (valid[start + i] ?? rng.pick(valid));
          if (rng.chance(0.05)) continue;
          const input = rng.chance(0.35) ? mutate(base, rng, { maxBytes: 2048, corpus: valid }) : base;
          record(input);
          let packet: RtpPacket;
          try {
            packet = parseRtp(input);
          } catch (err) {
            if (hasErrorCode(err)) continue;
            throw err;
          }
          parsedPackets += 1;
          now += rng.int(30);
          for (const p of receiver.process(packet, now)) depacketizer.process(p);
          if (receiver.toJSON().held > Math.max(window, 1)) throw new Error(`receiver holds ${receiver.toJSON().held} > ${window}`);
        }
        for (const p of receiver.flush(now + 1000)) depacketizer.process(p);
        for (const p of receiver.drain()) depacketizer.process(p);
        if (depacketizer instanceof H264Depacketizer || depacketizer instanceof H265Depacketizer) depacketizer.flush();
      }),
      false,
    );
    expect(parsedPackets).toBeGreaterThan(10_000);
  });

  it('parseH264Sps, parseH265Sps, parseAudioSpecificConfig, parseAdts', () => {
    expectNoFailures(
      fuzz('h264-sps', 3000, (rng, record) => {
        const input = mutate(rng.pick(corpus.h264Sps), rng, { maxBytes: 1024 });
        record(input);
        parseH264Sps(input);
      }),
    );
    expectNoFailures(
      fuzz('h265-sps', 3000, (rng, record) => {
        const input = mutate(rng.pick(corpus.h265Sps), rng, { maxBytes: 1024 });
        record(input);
        parseH265Sps(input);
      }),
    );
    expectNoFailures(
      fuzz('aac-asc', 2000, (rng, record) => {
        const input = mutate(rng.pick(corpus.asc), rng, { maxBytes: 64 });
        record(input);
        parseAudioSpecificConfig(input);
      }),
    );
    expectNoFailures(
      fuzz('adts', 2000, (rng, record) => {
        const input = mutate(corpus.adts, rng, { maxBytes: 8192 });
        record(input);
        parseAdts(input);
      }),
    );
  });

  it('AnnexBAccessUnitReader (chunked, bounded)', () => {
    const maxAccessUnitBytes = 16 * 1024;
    expectNoFailures(
      fuzz('annexb', 1000, (rng, record) => {
        const codec = rng.chance(0.5) ? 'h264' : 'h265';
        const input = mutate(corpus.annexB[codec], rng, { maxBytes: 32 * 1024, corpus: [corpus.annexB.h264, corpus.annexB.h265] });
        record(input);
        const reader = new AnnexBAccessUnitReader(codec, { maxAccessUnitBytes });
        chunked(input, rng, (chunk) => {
          for (const au of reader.process(chunk)) {
            const bytes = au.units.reduce((sum, unit) => sum + unit.byteLength, 0);
            if (bytes > maxAccessUnitBytes) throw new Error(`access unit of ${bytes} bytes over ${maxAccessUnitBytes}`);
          }
        });
        reader.flush();
      }),
    );
  });

  it('FlvDemuxer (chunked)', () => {
    expectNoFailures(
      fuzz('flv', 800, (rng, record) => {
        const input = mutate(corpus.flv, rng, { maxBytes: MAX_INPUT });
        record(input);
        const demuxer = new FlvDemuxer({ maxTagBytes: 32 * 1024 });
        chunked(input, rng, (chunk) => {
          demuxer.process(chunk);
        });
        demuxer.end();
      }),
    );
  });

  it('reproduces a case from its seed and reports an untyped throw with the seed and input', () => {
    const seed = caseSeed(BASE_SEED, 'sdp', 7);
    const sdp = corpus.sdps[0] ?? latin1('v=0\r\n');
    const again = (): Uint8Array => mutate(sdp, new FuzzRandom(seed), { maxBytes: MAX_INPUT, text: true, corpus: corpus.sdps });
    expect(Buffer.from(again()).equals(Buffer.from(again()))).toBe(true);
    const before = totalCases;
    const result = fuzz('self-check', 3, (rng, record) => {
      record(Uint8Array.of(rng.int(256)));
      throw new TypeError('not typed');
    });
    totalCases = before;
    expect(result.failures).toHaveLength(3);
    expect(report(result.failures)).toMatch(/self-check case seed 0x[0-9a-f]+ .*TypeError: not typed[\s\S]*input hex:[0-9a-f]{2}/);
  });

  it('ran at least 10 000 cases in total', () => {
    expect(totalCases).toBeGreaterThanOrEqual(10_000);
  });
});
