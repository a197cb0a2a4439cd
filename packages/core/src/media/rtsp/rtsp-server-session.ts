import { randomInt } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import type { Observable, Observer, Subscription } from 'rxjs';
import { errorMessage } from '../../errors/error-message.js';
import type { Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { isParameterSet } from '../codec/track-info.js';
import { AacPacketizer, G711Packetizer } from '../rtp/audio-packetizers.js';
import { H264Packetizer } from '../rtp/h264-packetizer.js';
import { H265Packetizer } from '../rtp/h265-packetizer.js';
import { buildSenderReport } from '../rtp/rtcp.js';
import type { RtpPacketizer } from '../rtp/rtp-packetizer.js';
import type { SdpTrackOffer } from '../sdp/serialize-sdp.js';

/** Traffic counters, shared by the server totals and each mount. @internal */
export interface RtspTrafficCounters {
  bytesSent: number;
  packetsSent: number;
  skipped: number;
}

/** A track the server offers in its SDP, with the RTP parameters it was given there. @internal */
export interface OfferedTrack {
  /** `trackID=N` in the SDP. */
  readonly index: number;
  readonly info: TrackInfo;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly offer: SdpTrackOffer;
}

const OFFERED_CODECS = new Set(['h264', 'h265', 'aac', 'pcma', 'pcmu']);

/** The tracks of a source the server can packetize, with payload types and clock rates. @internal */
export function offerTracks(tracks: readonly TrackInfo[]): OfferedTrack[] {
  const out: OfferedTrack[] = [];
  for (const info of tracks) {
    if (!OFFERED_CODECS.has(info.codec)) continue;
    const index = out.length;
    const codec = info.codec as SdpTrackOffer['codec'];
    const payloadType = codec === 'pcmu' ? 0 : codec === 'pcma' ? 8 : 96 + index;
    const clockRate =
      codec === 'aac' ? (info.sampleRate ?? info.timescale) : codec === 'pcma' || codec === 'pcmu' ? 8000 : 90000;
    const offer: SdpTrackOffer = {
      codec,
      payloadType,
      clockRate,
      ...(info.channels !== undefined ? { channels: info.channels } : {}),
      ...(info.parameterSets !== undefined ? { parameterSets: info.parameterSets } : {}),
      ...(info.config !== undefined ? { aacConfig: info.config } : {}),
      ...(info.fps !== undefined ? { framerate: info.fps } : {}),
      ...(info.width !== undefined && info.height !== undefined ? { width: info.width, height: info.height } : {}),
    };
    out.push({ index, info, payloadType, clockRate, offer });
  }
  return out;
}

/** Where a track's RTP and RTCP go. @internal */
export type TrackTransport =
  | { readonly kind: 'tcp'; readonly channels: readonly [number, number] }
  | {
      readonly kind: 'udp';
      readonly sockets: readonly [UdpSocket, UdpSocket];
      readonly address: string;
      readonly clientPorts: readonly [number, number];
      readonly serverPorts: readonly [number, number];
    };

interface SessionTrack {
  readonly offered: OfferedTrack;
  readonly transport: TrackTransport;
  readonly ssrc: number;
  readonly initialSequence: number;
  /** RTP timestamp of the session's start (npt 0): the `rtptime` of RTP-Info. */
  readonly rtpBase: number;
  packetizer: RtpPacketizer | undefined;
  packets: number;
  octets: number;
  lastReportAt: number;
  lastTimestamp: number;
}

/** What a session needs from its server. @internal */
export interface RtspSessionHost {
  readonly log: Logger;
  /** TCP bytes queued on a connection above which a viewer skips to the next keyframe. */
  readonly maxBufferedBytes: number;
  readonly counters: readonly RtspTrafficCounters[];
  /** Called once when the session ends, whatever the reason. */
  onEnded(session: RtspServerSession, reason: string): void;
}

const SENDER_REPORT_INTERVAL_MS = 5000;
const MTU = 1200;

/**
 * One RTSP session: its set-up tracks, and while playing, the subscription to the mount's packets, packetized
 * and sent over the RTSP connection (interleaved) or UDP, with periodic RTCP sender reports. A live-viewer
 * policy: a TCP viewer whose socket backs up skips to the next video keyframe; the source is never slowed.
 * @internal
 */
export class RtspServerSession {
  readonly id: string;
  readonly path: string;
  readonly timeoutSec: number;
  /** The connection that created the session (carries interleaved tracks). */
  readonly socket: Socket;
  lastActivity = Date.now();
  readonly #host: RtspSessionHost;
  readonly #packets$: () => Observable<MediaPacket>;
  /** Keyed by `TrackInfo.id` of the source. */
  readonly #tracks = new Map<number, SessionTrack>();
  #subscription: Subscription | undefined;
  #ended = false;
  #hasVideo = false;
  #waitKeyframe = true;
  #originSeconds: number | undefined;
  #observer: Observer<MediaPacket>;

  constructor(
    id: string,
    path: string,
    timeoutSec: number,
    socket: Socket,
    packets$: () => Observable<MediaPacket>,
    host: RtspSessionHost,
  ) {
    this.id = id;
    this.path = path;
    this.timeoutSec = timeoutSec;
    this.socket = socket;
    this.#packets$ = packets$;
    this.#host = host;
    this.#observer = {
      next: (packet) => this.#onPacket(packet),
      error: (err: unknown) => this.end(`source failed: ${errorMessage(err)}`),
      complete: () => this.end('source ended'),
    };
  }

  get playing(): boolean {
    return this.#subscription !== undefined;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get trackCount(): number {
    return this.#tracks.size;
  }

  /** True when any track goes over the RTSP connection. */
  get usesTcp(): boolean {
    for (const track of this.#tracks.values()) if (track.transport.kind === 'tcp') return true;
    return false;
  }

  /** Interleaved channels in use, except those of the track with control index `except`. */
  channelsInUse(except?: number): number[] {
    const out: number[] = [];
    for (const track of this.#tracks.values()) {
      if (track.transport.kind === 'tcp' && track.offered.index !== except) out.push(...track.transport.channels);
    }
    return out;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Adds (or replaces) a track; returns its SSRC. */
  addTrack(offered: OfferedTrack, transport: TrackTransport): number {
    const previous = this.#tracks.get(offered.info.id);
    if (previous !== undefined) closeTransport(previous.transport);
    const track: SessionTrack = {
      offered,
      transport,
      ssrc: randomInt(1, 0xffffffff) >>> 0,
      initialSequence: randomInt(0, 0x10000),
      rtpBase: randomInt(0, 0xffffffff) >>> 0,
      packetizer: undefined,
      packets: 0,
      octets: 0,
      lastReportAt: 0,
      lastTimestamp: 0,
    };
    track.lastTimestamp = track.rtpBase;
    this.#tracks.set(offered.info.id, track);
    if (offered.info.kind === 'video') this.#hasVideo = true;
    if (transport.kind === 'udp') {
      const touch = (_msg: Buffer, from: { address: string }): void => {
        if (from.address === transport.address) this.touch();
      };
      for (const socket of transport.sockets) socket.on('message', touch);
    }
    return track.ssrc;
  }

  /** `RTP-Info` entries: the first sequence number and RTP time of each track. */
  rtpInfo(baseUrl: string): string {
    const parts: string[] = [];
    for (const track of this.#tracks.values()) {
      const seq = track.packetizer?.nextSequence ?? track.initialSequence;
      parts.push(`url=${baseUrl}trackID=${track.offered.index};seq=${seq};rtptime=${track.lastTimestamp}`);
    }
    return parts.join(',');
  }

  /** Starts delivery: subscribes to the source (the first video packet sent is a keyframe). */
  play(): void {
    if (this.#ended || this.#subscription !== undefined) return;
    this.#waitKeyframe = this.#hasVideo;
    this.#subscription = this.#packets$().subscribe(this.#observer);
  }

  pause(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
  }

  /** Stops delivery and releases the UDP sockets; idempotent. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.pause();
    for (const track of this.#tracks.values()) closeTransport(track.transport);
    this.#host.onEnded(this, reason);
  }

  #skip(): void {
    for (const counters of this.#host.counters) counters.skipped += 1;
  }

  #onPacket(packet: MediaPacket): void {
    const track = this.#tracks.get(packet.track.id);
    if (track === undefined || this.#ended) return;
    const isVideoKey = packet.keyframe && packet.track.kind === 'video';
    if (this.#waitKeyframe) {
      if (!isVideoKey) {
        this.#skip();
        return;
      }
      this.#waitKeyframe = false;
    }
    const tcp = track.transport.kind === 'tcp';
    if (tcp && this.socket.writableLength > this.#host.maxBufferedBytes) {
      this.#skip();
      this.#waitKeyframe = this.#hasVideo;
      return;
    }
    const timescale = packet.track.timescale;
    this.#originSeconds ??= packet.pts / timescale;
    const clockRate = track.offered.clockRate;
    const packetizer = (track.packetizer ??= this.#createPacketizer(track, clockRate));
    let input = packet;
    if (timescale !== clockRate) input = { ...input, pts: (packet.pts * clockRate) / timescale };
    if (isVideoKey) input = withParameterSets(input);
    let rtps: Uint8Array[];
    try {
      rtps = packetizer.process(input);
    } catch (err) {
      // An oversized audio frame: drop it, not the session.
      this.#host.log.debug({ session: this.id, reason: errorMessage(err) }, 'packet not sent');
      this.#skip();
      return;
    }
    if (rtps.length === 0) return;
    const timestamp = packetizer.rtpTimestamp(input.pts);
    track.lastTimestamp = timestamp;
    let bytes = 0;
    for (const rtp of rtps) bytes += rtp.byteLength;
    track.packets += rtps.length;
    track.octets += bytes - rtps.length * 12;
    const now = Date.now();
    const report =
      now - track.lastReportAt >= SENDER_REPORT_INTERVAL_MS
        ? buildSenderReport({
            ssrc: track.ssrc,
            wallClock: packet.wallClock ?? now,
            rtpTimestamp: timestamp,
            packetCount: track.packets,
            octetCount: track.octets,
            cname: 'argus',
          })
        : undefined;
    if (report !== undefined) track.lastReportAt = now;
    const transport = track.transport;
    if (transport.kind === 'tcp') {
      const socket = this.socket;
      if (socket.destroyed) return;
      socket.cork();
      socket.write(interleave(transport.channels[0], rtps, bytes));
      if (report !== undefined) socket.write(interleave(transport.channels[1], [report], report.byteLength));
      socket.uncork();
    } else {
      const [rtpSocket, rtcpSocket] = transport.sockets;
      for (const rtp of rtps) rtpSocket.send(rtp, transport.clientPorts[0], transport.address);
      if (report !== undefined) rtcpSocket.send(report, transport.clientPorts[1], transport.address);
    }
    const sentBytes = bytes + (report?.byteLength ?? 0);
    const sentPackets = rtps.length;
    for (const counters of this.#host.counters) {
      counters.bytesSent += sentBytes;
      counters.packetsSent += sentPackets;
    }
  }

  #createPacketizer(track: SessionTrack, clockRate: number): RtpPacketizer {
    const origin = Math.round((this.#originSeconds ?? 0) * clockRate);
    const options = {
      payloadType: track.offered.payloadType,
      ssrc: track.ssrc,
      initialSequence: track.initialSequence,
      mtu: MTU,
      // RTP time = pts rebased so that the session's first packet lands on the random base.
      timestampOffset: (((track.rtpBase - origin) % 4294967296) + 4294967296) % 4294967296,
    };
    switch (track.offered.info.codec) {
      case 'h264':
        return new H264Packetizer(options);
      case 'h265':
        return new H265Packetizer(options);
      case 'aac':
        return new AacPacketizer(options);
      default:
        return new G711Packetizer(options);
    }
  }
}

/** A keyframe without in-band parameter sets gets the track's, so a viewer can start from it. */
function withParameterSets(packet: MediaPacket): MediaPacket {
  const codec = packet.track.codec === 'h264' ? 'h264' : packet.track.codec === 'h265' ? 'h265' : undefined;
  const sets = packet.track.parameterSets;
  if (codec === undefined || sets === undefined || sets.length === 0) return packet;
  for (const unit of packet.units) if (isParameterSet(codec, unit)) return packet;
  return { ...packet, units: [...sets, ...packet.units] };
}

/** One buffer of `$`-framed packets: a single write per access unit. */
function interleave(channel: number, packets: readonly Uint8Array[], payloadBytes: number): Buffer {
  const out = Buffer.allocUnsafe(payloadBytes + packets.length * 4);
  let at = 0;
  for (const packet of packets) {
    out[at] = 0x24;
    out[at + 1] = channel;
    out.writeUInt16BE(packet.byteLength, at + 2);
    out.set(packet, at + 4);
    at += 4 + packet.byteLength;
  }
  return out;
}

function closeTransport(transport: TrackTransport): void {
  if (transport.kind !== 'udp') return;
  for (const socket of transport.sockets) {
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }
}
