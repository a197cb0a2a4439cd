import { execFile, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { ffmpegPath } from '../ffmpeg/binaries.js';
import { sampleMedia } from '../test-media.test-helper.js';
import { AacDepacketizer } from './aac-depacketizer.js';
import { accessUnits, splitAdts } from './annex-b.test-helper.js';
import { H264Depacketizer } from './h264-depacketizer.js';
import { parseRtcp, SenderReportClock, type RtcpPacket } from './rtcp.js';
import { parseRtp } from './rtp-packet.js';
import { RtpReceiver } from './rtp-receiver.js';

const run = promisify(execFile);
const hex = (units: readonly Uint8Array[]) => units.map((u) => Buffer.from(u).toString('hex'));
const sockets: Socket[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function bind(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port };
}

/**
 * Runs ffmpeg as an RTP sender to two loopback sockets; returns the datagrams received (RTP, RTCP) and the SDP it
 * wrote. Resolves once ffmpeg has exited and the sockets have been quiet for a moment.
 */
async function ffmpegSend(file: string, inputFormat: string): Promise<{ rtp: Buffer[]; rtcp: Buffer[]; sdp: string }> {
  const rtpSocket = await bind();
  const rtcpSocket = await bind();
  const rtp: Buffer[] = [];
  const rtcp: Buffer[] = [];
  let last = Date.now();
  rtpSocket.socket.on('message', (msg) => {
    rtp.push(msg);
    last = Date.now();
  });
  rtcpSocket.socket.on('message', (msg) => rtcp.push(msg));
  const dir = mkdtempSync(join(tmpdir(), 'argus-rtp-'));
  dirs.push(dir);
  const sdpFile = join(dir, 'out.sdp');
  const url = `rtp://127.0.0.1:${rtpSocket.port}?rtcpport=${rtcpSocket.port}&pkt_size=1200`;
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', inputFormat, '-i', file, '-c', 'copy', '-f', 'rtp', '-sdp_file', sdpFile, url];
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${stderr}`);
  // Let datagrams still queued in the socket buffer arrive (not a timing assertion).
  while (Date.now() - last < 300) await new Promise((resolve) => setTimeout(resolve, 50));
  return { rtp, rtcp, sdp: readFileSync(sdpFile, 'utf8') };
}

describe('ffmpeg as the RTP sender', () => {
  it('H.264: the received access units equal the file\'s, 3600 ticks apart', { timeout: 60_000 }, async () => {
    const file = await sampleMedia({ codec: 'h264', seconds: 2, fps: 25, gop: 10 });
    const aus = accessUnits(new Uint8Array(readFileSync(file)), 'h264');
    const { rtp, rtcp, sdp } = await ffmpegSend(file, 'h264');
    expect(sdp).toMatch(/a=rtpmap:96 H264\/90000/);

    const track: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90000, fps: 25 };
    const srClock = new SenderReportClock(90000);
    const reports: RtcpPacket[] = rtcp.flatMap((d) => parseRtcp(d));
    const sr = reports.find((p) => p.type === 'sr');
    if (sr !== undefined) srClock.update(sr);
    const receiver = new RtpReceiver({ clockRate: 90000, reorderWindow: 32 });
    const depacketizer = new H264Depacketizer({ track, senderReportClock: srClock });
    const out: MediaPacket[] = [];
    for (const [i, datagram] of rtp.entries()) {
      for (const packet of receiver.process(parseRtp(datagram), i)) out.push(...depacketizer.process(packet));
    }
    for (const packet of receiver.drain()) out.push(...depacketizer.process(packet));
    out.push(...depacketizer.flush());

    expect(receiver.toJSON()).toMatchObject({ lost: 0, late: 0, duplicates: 0 });
    expect(depacketizer.toJSON()).toMatchObject({ lost: 0, dropped: 0, badPayloads: 0, brokenFragments: 0 });
    expect(out.length).toBe(aus.length);
    out.forEach((packet, i) => {
      expect(packet.pts).toBe(i * 3600);
      expect(hex(packet.units)).toEqual(hex(aus[i]!));
      expect(packet.keyframe).toBe(i % 10 === 0);
    });
    expect(sr).toBeDefined();
    expect(out[0]!.wallClock).toBeTypeOf('number');
    expect(out[25]!.wallClock! - out[0]!.wallClock!).toBeCloseTo(1000, 6);
  });

  it('AAC (RFC 3640 hbr): config from the SDP, frames equal the file\'s, 1024 samples apart', { timeout: 60_000 }, async () => {
    const file = await sampleMedia({ codec: 'aac', seconds: 2 });
    const frames = splitAdts(new Uint8Array(readFileSync(file)));
    // ffmpeg's RTP muxer wants the AudioSpecificConfig up front, which ADTS lacks: remux (not re-encode) to MP4.
    const dir = mkdtempSync(join(tmpdir(), 'argus-aac-'));
    dirs.push(dir);
    const m4a = join(dir, 'sample.m4a');
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-c', 'copy', '-bsf:a', 'aac_adtstoasc', m4a]);
    const { rtp, sdp } = await ffmpegSend(m4a, 'mp4');

    const media = /^m=audio \d+ RTP\/AVP (\d+)/m.exec(sdp);
    const rtpmap = /^a=rtpmap:(\d+) MPEG4-GENERIC\/(\d+)(?:\/(\d+))?/im.exec(sdp);
    const fmtpLine = /^a=fmtp:\d+ (.*)$/m.exec(sdp);
    expect(media?.[1]).toBe(rtpmap?.[1]);
    const fmtp = new Map(
      (fmtpLine?.[1] ?? '').split(';').map((kv) => {
        const [k, v] = kv.trim().split('=');
        return [k!.toLowerCase(), v ?? ''] as const;
      }),
    );
    expect(fmtp.get('mode')).toBe('AAC-hbr');
    const sampleRate = Number(rtpmap?.[2]);
    expect(sampleRate).toBe(48000);

    const track: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: sampleRate, sampleRate, channels: 1 };
    const depacketizer = new AacDepacketizer({
      track,
      config: fmtp.get('config'),
      sizeLength: Number(fmtp.get('sizelength')),
      indexLength: Number(fmtp.get('indexlength')),
      indexDeltaLength: Number(fmtp.get('indexdeltalength')),
    });
    // AudioSpecificConfig: AAC LC (2), 48 kHz (index 3), mono.
    expect([...(depacketizer.track.config ?? [])]).toEqual([0x11, 0x88]);
    const receiver = new RtpReceiver({ clockRate: sampleRate, reorderWindow: 32 });
    const out: MediaPacket[] = [];
    for (const [i, datagram] of rtp.entries()) {
      for (const packet of receiver.process(parseRtp(datagram), i)) out.push(...depacketizer.process(packet));
    }
    for (const packet of receiver.drain()) out.push(...depacketizer.process(packet));

    expect(receiver.toJSON().lost).toBe(0);
    // ffmpeg aggregates several AUs per packet and does not flush its last, partial packet at the end of input.
    const auHeaders = rtp.reduce((n, d) => n + ((parseRtp(d).payload[0]! << 8) | parseRtp(d).payload[1]!) / 16, 0);
    expect(rtp.length).toBeLessThan(auHeaders);
    expect(out.length).toBe(auHeaders);
    expect(frames.length - out.length).toBeGreaterThanOrEqual(0);
    expect(frames.length - out.length).toBeLessThan(auHeaders / rtp.length);
    out.forEach((packet, i) => {
      expect(packet.pts).toBe(i * 1024);
      expect(packet.keyframe).toBe(true);
      expect(hex(packet.units)).toEqual(hex([frames[i]!]));
    });
  });
});
