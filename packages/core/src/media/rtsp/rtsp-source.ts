import { randomInt } from 'node:crypto';
import { Observable } from 'rxjs';
import { ArgusError, hasErrorCode } from '../../errors/argus-error.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { videoTrackFromParameterSets } from '../codec/track-info.js';
import { AacDepacketizer } from '../rtp/aac-depacketizer.js';
import { G711Depacketizer } from '../rtp/g711-depacketizer.js';
import { H264Depacketizer } from '../rtp/h264-depacketizer.js';
import { H265Depacketizer } from '../rtp/h265-depacketizer.js';
import { buildReceiverReport, parseRtcp, SenderReportClock, senderReportId } from '../rtp/rtcp.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import { RtpReceiver, type RtpReceiverStats } from '../rtp/rtp-receiver.js';
import type { SdpTrack } from '../sdp/sdp-tracks.js';
import { RtspClient, type RtspDescription } from './rtsp-client.js';

/** Options of {@link rtspSource}. */
export interface RtspSourceOptions {
  /** `rtsp://host[:port]/path`; credentials may be in the URL or given below. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** RTP over the RTSP connection (default) or UDP. */
  readonly transport?: 'tcp' | 'udp';
  /** Take the first audio track too; default true. */
  readonly audio?: boolean;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Called once per session, after DESCRIBE and SETUP, with what is being received. */
  readonly onSession?: (session: RtspSourceSession) => void;
}

/** What one RTSP session of an {@link rtspSource} receives. */
export interface RtspSourceSession {
  readonly description: RtspDescription;
  /** The tracks taken, in `MediaPacket.track.id` order. */
  readonly tracks: readonly TrackInfo[];
  /** SDP tracks left out, with why. */
  readonly skipped: readonly { readonly codec: string; readonly reason: string }[];
  readonly transport: 'tcp' | 'udp';
}

/** Counters of the current session of an {@link rtspSource}. */
export interface RtspSourceStats {
  readonly sessions: number;
  readonly tracks: readonly { readonly codec: string; readonly receiver: RtpReceiverStats; readonly depacketizer: Record<string, number> }[];
}

/** The Observable returned by {@link rtspSource}, with live counters. */
export interface RtspSourceObservable extends Observable<MediaPacket> {
  stats(): RtspSourceStats;
}

interface Depacketizer {
  process(packet: ReturnType<typeof parseRtp>): MediaPacket[];
  toJSON(): object;
}

interface Receiving {
  readonly track: TrackInfo;
  readonly receiver: RtpReceiver;
  readonly depacketizer: Depacketizer;
  readonly srClock: SenderReportClock;
}

const VIDEO_CODECS = new Set(['h264', 'h265']);
const AUDIO_CODECS = new Set(['aac', 'pcma', 'pcmu']);
const RECEIVER_REPORT_MS = 5_000;
const UDP_FLUSH_MS = 20;

function trackInfo(sdp: SdpTrack, id: number): TrackInfo {
  if (sdp.codec === 'h264' || sdp.codec === 'h265') {
    const base: TrackInfo = { id, kind: 'video', codec: sdp.codec, timescale: sdp.clockRate };
    if (sdp.parameterSets.length === 0) return base;
    try {
      return { ...videoTrackFromParameterSets(sdp.codec, sdp.parameterSets, id), timescale: sdp.clockRate };
    } catch (err) {
      // A camera's broken sprop-parameter-sets must not stop the stream: in-band parameter sets follow.
      if (hasErrorCode(err)) return base;
      throw err;
    }
  }
  return {
    id,
    kind: 'audio',
    codec: sdp.codec,
    timescale: sdp.clockRate,
    sampleRate: sdp.clockRate,
    channels: sdp.channels ?? 1,
    ...(sdp.aacConfig === undefined ? {} : { config: sdp.aacConfig }),
  };
}

function depacketizerFor(sdp: SdpTrack, track: TrackInfo, srClock: SenderReportClock): Depacketizer {
  const common = { track, clockRate: sdp.clockRate, senderReportClock: srClock };
  switch (sdp.codec) {
    case 'h264':
      return new H264Depacketizer({ ...common, ...(sdp.fmtp['sprop-parameter-sets'] === undefined ? {} : { spropParameterSets: sdp.fmtp['sprop-parameter-sets'] }) });
    case 'h265':
      return new H265Depacketizer(common);
    case 'aac':
      return new AacDepacketizer({
        ...common,
        ...(sdp.aacConfig === undefined ? {} : { config: sdp.aacConfig }),
        ...(sdp.sizeLength === undefined ? {} : { sizeLength: sdp.sizeLength }),
        ...(sdp.indexLength === undefined ? {} : { indexLength: sdp.indexLength }),
        ...(sdp.indexDeltaLength === undefined ? {} : { indexDeltaLength: sdp.indexDeltaLength }),
      });
    default:
      return new G711Depacketizer(common);
  }
}

/** Picks the first playable video track and, if wanted, the first audio track a camera sends (not a backchannel). */
function chooseTracks(tracks: readonly SdpTrack[], audio: boolean): { chosen: SdpTrack[]; skipped: { codec: string; reason: string }[] } {
  const chosen: SdpTrack[] = [];
  const skipped: { codec: string; reason: string }[] = [];
  let video = false;
  let sound = false;
  for (const track of tracks) {
    const codec = track.codec === 'other' ? track.encoding.toLowerCase() : track.codec;
    if (track.backchannel) skipped.push({ codec, reason: 'backchannel' });
    else if (VIDEO_CODECS.has(track.codec) && !video) {
      video = true;
      chosen.push(track);
    } else if (AUDIO_CODECS.has(track.codec) && audio && !sound) {
      sound = true;
      chosen.push(track);
    } else if (VIDEO_CODECS.has(track.codec) || AUDIO_CODECS.has(track.codec)) skipped.push({ codec, reason: 'another track of this kind is taken' });
    else skipped.push({ codec, reason: 'no native depacketizer (use the ffmpeg path)' });
  }
  return { chosen, skipped };
}

/**
 * Live media from an RTSP camera through the native path: RTSP client, RTP receiver (ordering, loss, jitter),
 * depacketizers, RTCP sender reports mapped to wall clock, and receiver reports sent back every 5 s. Each
 * subscription is one RTSP session; unsubscribing tears it down. The session ending (server closed) completes
 * the Observable and network failures error it with typed codes, so a stream hub can reconnect.
 *
 * @example
 * ```ts
 * const hub = new StreamHub({ id: 'cam-1/main', upstream: () => rtspSource({ url, username, password }) });
 * ```
 */
export function rtspSource(options: RtspSourceOptions): RtspSourceObservable {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const transport = options.transport ?? 'tcp';
  let sessions = 0;
  let current: Receiving[] = [];

  const source$ = new Observable<MediaPacket>((subscriber) => {
    sessions += 1;
    let receiving: Receiving[] = [];
    const timers: NodeJS.Timeout[] = [];
    // Set by the teardown: the setup below may still be awaiting the camera, and must not start timers after it.
    let tornDown = false;
    const ssrc = randomInt(1, 0xffff_ffff);
    const deliver = (at: Receiving, ordered: ReturnType<typeof parseRtp>[]): void => {
      for (const rtp of ordered) for (const packet of at.depacketizer.process(rtp)) subscriber.next(packet);
    };
    const client = new RtspClient({
      url: options.url,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      logger,
      onPacket: ({ trackIndex, kind, data }) => {
        const at = receiving[trackIndex];
        if (at === undefined) return;
        try {
          if (kind === 'rtp') {
            // No copy: `data` is a view of a socket chunk (TCP) or datagram (UDP), fresh per read and never written
            // again (RtspMessageParser's ownership rule), so depacketizers may keep views of it until a frame ends.
            deliver(at, at.receiver.process(parseRtp(data), clock.now()));
          } else {
            for (const report of parseRtcp(data)) {
              if (report.type !== 'sr') continue;
              at.srClock.update(report);
              at.receiver.noteSenderReport(senderReportId(report), clock.now());
            }
          }
        } catch (err) {
          // One malformed packet from a camera is skipped, never fatal; anything else is a bug and ends the session.
          if (hasErrorCode(err)) logger.debug({ err, track: trackIndex, kind }, 'dropped a malformed packet');
          else subscriber.error(err);
        }
      },
    });

    void (async () => {
      const description = await client.describe();
      const { chosen, skipped } = chooseTracks(description.tracks, options.audio ?? true);
      if (chosen.length === 0) {
        throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', {
          codec: description.tracks.map((t) => (t.codec === 'other' ? t.encoding : t.codec)).join(', ') || 'none',
          reason: 'the stream has no H.264, H.265, AAC or G.711 track',
        });
      }
      const setUp: Receiving[] = [];
      for (const sdp of chosen) {
        await client.setup(sdp, transport);
        const track = trackInfo(sdp, setUp.length);
        const srClock = new SenderReportClock(sdp.clockRate);
        setUp.push({
          track,
          srClock,
          receiver: new RtpReceiver({ clockRate: sdp.clockRate, reorderWindow: transport === 'tcp' ? 0 : 64, clock }),
          depacketizer: depacketizerFor(sdp, track, srClock),
        });
      }
      if (tornDown) return;
      receiving = setUp;
      current = setUp;
      options.onSession?.({ description, tracks: setUp.map((r) => r.track), skipped, transport });
      await client.play();
      if (tornDown) return;
      if (transport === 'udp') {
        timers.push(setInterval(() => receiving.forEach((at) => deliver(at, at.receiver.flush(clock.now()))), UDP_FLUSH_MS));
      }
      timers.push(
        setInterval(() => {
          receiving.forEach((at, index) => {
            const block = at.receiver.reportBlock(clock.now());
            if (block !== undefined) client.sendRtcp(index, buildReceiverReport({ ssrc, reports: [block], cname: 'argus' }));
          });
        }, RECEIVER_REPORT_MS),
      );
    })().catch((err: unknown) => subscriber.error(err));

    const packets = client.packets$.subscribe({
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });

    return () => {
      tornDown = true;
      for (const timer of timers) clearInterval(timer);
      packets.unsubscribe();
      void client.close().catch((err: unknown) => logger.debug({ err }, 'closing the RTSP session failed'));
    };
  });

  return Object.assign(source$, {
    stats: (): RtspSourceStats => ({
      sessions,
      tracks: current.map((at) => ({
        codec: at.track.codec,
        receiver: at.receiver.toJSON(),
        depacketizer: at.depacketizer.toJSON() as Record<string, number>,
      })),
    }),
  });
}
