import { ArgusError, hasErrorCode, type Logger, type MediaPacket, type StreamHub, type TrackInfo } from '@argus/core';
import { H264_NAL, H264Packetizer, h264NalType, parseSdp, type PacketizerStats, type SdpMedia } from '@argus/core/media';
import type { Subscription } from 'rxjs';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type PeerConfig } from 'werift';

/** Why a {@link WebRtcSession} ended. */
export type WebRtcEndReason =
  /** `DELETE` of the session resource. */
  | 'deleted'
  /** The viewer did not complete ICE and DTLS in time. */
  | 'connect-timeout'
  /** ICE or DTLS failed. */
  | 'failed'
  /** The viewer went away (ICE consent lost) or closed the connection. */
  | 'disconnected'
  /** The camera stream ended (e.g. the camera was removed). */
  | 'stream-ended'
  /** The camera stream failed for good, or changed to a codec WebRTC is not offered here. */
  | 'stream-failed'
  /** The server is stopping. */
  | 'server-closing'
  /** The offer could not be answered; the view never started. */
  | 'negotiation-failed';

/** Life cycle of a {@link WebRtcSession}. */
export type WebRtcSessionState = 'new' | 'negotiating' | 'connecting' | 'streaming' | 'closed';

/** Options of a {@link WebRtcSession}. */
export interface WebRtcSessionOptions {
  /** Session id: the last segment of the WHEP resource URL. */
  id: string;
  /** The camera stream to send. */
  hub: StreamHub;
  /** Viewer name in hub logs, e.g. `webrtc:cam-1/main:admin`. */
  name: string;
  logger: Logger;
  /**
   * The only host addresses offered as ICE candidates (and bound), e.g. `['192.0.2.10']`; default every interface
   * address (loopback excluded). No STUN or TURN server is used either way.
   */
  iceAddresses?: readonly string[];
  /** UDP port range of the ICE sockets (a firewall opening); default any free port. */
  icePortRange?: readonly [number, number];
  /** Longest wait for the camera's first video packet (its codec decides whether the offer can be answered); default 10 000 ms. */
  firstPacketTimeoutMs?: number;
  /** Longest wait for ICE candidate gathering before the answer goes out with what was gathered; default 5 000 ms. */
  gatherTimeoutMs?: number;
  /** Longest wait from the answer to a connected peer; default 30 000 ms. */
  connectTimeoutMs?: number;
  /** Largest RTP payload, bytes; default 1200 (fits every path MTU that WebRTC meets in practice). */
  mtu?: number;
  /** Called once when a session whose offer was answered ends, whatever ended it; awaited by {@link WebRtcSession.close}. */
  onEnd?: (reason: WebRtcEndReason) => void | Promise<void>;
}

/** Statistics of a {@link WebRtcSession}. */
export interface WebRtcSessionStats {
  id: string;
  state: WebRtcSessionState;
  /** The peer connection's state (`new`, `connecting`, `connected`, ...), `null` before the offer is answered. */
  connectionState: string | null;
  /** The negotiated H.264 payload type and its `profile-level-id` as offered by the viewer. */
  payloadType: number | null;
  profileLevelId: string | null;
  /** The camera's own `profile-level-id` (from its SPS). */
  cameraProfileLevelId: string | null;
  /** Access units taken from the hub and sent. */
  accessUnits: number;
  keyframes: number;
  /** Keyframes sent with the track's SPS/PPS prepended because the camera sends them out of band. */
  parameterSetsInserted: number;
  /** Picture loss indications received from the viewer (the camera cannot be asked for a keyframe yet). */
  pictureLossIndications: number;
  /** RTP bytes waiting for the pacer (which sends the GOP cache's burst at 20 Mbit/s). */
  queuedBytes: number;
  /** Times the pacer's queue was full (4 MiB) and the view skipped to the next keyframe. */
  queueDrops: number;
  packetizer: PacketizerStats;
  endReason: WebRtcEndReason | null;
}

/** What the viewer offered for H.264, as chosen by {@link selectH264PayloadType}. */
export interface H264Choice {
  payloadType: number;
  /** Lower case; `null` when the offer has none (RFC 6184 then means 42000a). */
  profileLevelId: string | null;
}

const PAYLOAD_TYPE_LINE = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[\s]/;
const CLOSE_TIMEOUT_MS = 5_000;
/** Pacing: 20 Mbit/s sustained, 32 KiB at once. The GOP cache comes in one go; sent as is, it overflows socket buffers. */
const PACE_BYTES_PER_MS = 2_500;
const PACE_BURST_BYTES = 32 * 1024;
/** Most bytes waiting for the pacer; beyond, the queue is dropped and sending resumes at the next keyframe. */
const PACE_MAX_QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * Token-bucket pacer of outgoing RTP packets, in order: sends at once while the bucket has room, queues the rest and
 * drains it on a timer.
 */
class RtpPacer {
  readonly #send: (packet: Uint8Array) => void;
  readonly #now: () => number;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queuedBytes = 0;
  #tokens = PACE_BURST_BYTES;
  #refilledAt: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(send: (packet: Uint8Array) => void, now: () => number = () => performance.now()) {
    this.#send = send;
    this.#now = now;
    this.#refilledAt = now();
  }

  /** Bytes waiting. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Queues packets; false (and nothing queued) when that would exceed the queue bound. */
  push(packets: readonly Uint8Array[]): boolean {
    let bytes = 0;
    for (const packet of packets) bytes += packet.byteLength;
    if (this.#queuedBytes + bytes > PACE_MAX_QUEUE_BYTES) return false;
    for (const packet of packets) this.#queue.push(packet);
    this.#queuedBytes += bytes;
    this.#drain();
    return true;
  }

  /** Drops what waits (the next packets start a new run). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  #drain(): void {
    const now = this.#now();
    this.#tokens = Math.min(PACE_BURST_BYTES, this.#tokens + (now - this.#refilledAt) * PACE_BYTES_PER_MS);
    this.#refilledAt = now;
    while (this.#head < this.#queue.length) {
      const packet = this.#queue[this.#head]!;
      if (packet.byteLength > this.#tokens) break;
      this.#tokens -= packet.byteLength;
      this.#queuedBytes -= packet.byteLength;
      this.#head += 1;
      this.#send(packet);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#timer !== undefined) return;
    const waitMs = Math.max(1, Math.ceil((this.#queue[this.#head]!.byteLength - this.#tokens) / PACE_BYTES_PER_MS));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, waitMs);
  }
}

/** `profile-level-id` (6 lower-case hex digits) of an H.264 SPS NAL unit, or `null` when it is too short. */
export function spsProfileLevelId(sps: Uint8Array): string | null {
  if (sps.byteLength < 4) return null;
  return Buffer.from(sps.subarray(1, 4)).toString('hex');
}

/**
 * Picks the H.264 payload type of an offered video section to send on: packetization mode 1 only (FU-A is needed
 * for frames over the MTU); first one whose profile matches the camera's (`profile_idc`), else constrained
 * baseline 42e01f (which every browser offers), else the first other one; offer order breaks ties.
 * `undefined` when the section has no usable H.264.
 */
export function selectH264PayloadType(media: SdpMedia, cameraProfileLevelId: string | null): H264Choice | undefined {
  const choices: (H264Choice & { rank: number })[] = [];
  for (const format of media.formats) {
    const payloadType = Number(format);
    const rtpmap = media.rtpmap.get(payloadType);
    if (rtpmap === undefined || rtpmap.encoding.toLowerCase() !== 'h264' || rtpmap.clockRate !== 90_000) continue;
    const fmtp = media.fmtp.get(payloadType) ?? {};
    if (fmtp['packetization-mode'] !== '1') continue;
    const profileLevelId = fmtp['profile-level-id']?.toLowerCase() ?? null;
    const sameProfile = profileLevelId !== null && cameraProfileLevelId !== null && profileLevelId.slice(0, 2) === cameraProfileLevelId.slice(0, 2);
    const rank = sameProfile ? 0 : profileLevelId === '42e01f' ? 1 : 2;
    choices.push({ payloadType, profileLevelId, rank });
  }
  const best = choices.sort((a, b) => a.rank - b.rank)[0];
  return best === undefined ? undefined : { payloadType: best.payloadType, profileLevelId: best.profileLevelId };
}

/**
 * Keeps one payload type in the `index`-th media section of an SDP (its `m=` format list and its `rtpmap`, `fmtp` and
 * `rtcp-fb` lines), so the answer carries exactly the codec that is sent.
 */
export function keepOnlyPayloadType(sdp: string, index: number, payloadType: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let section = -1;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      section += 1;
      if (section === index) {
        const [kind, port, protocol] = line.split(' ');
        out.push(`${kind} ${port} ${protocol} ${payloadType}`);
        continue;
      }
    }
    if (section === index) {
      const match = PAYLOAD_TYPE_LINE.exec(line);
      if (match !== null && Number(match[1]) !== payloadType) continue;
    }
    out.push(line);
  }
  return out.join(eol);
}

/**
 * Drops the mids of rejected (port 0) media sections from `a=group:BUNDLE`: werift rejects an offered audio section
 * but leaves it in the group, which browsers refuse in an answer.
 */
export function dropRejectedFromBundle(sdp: string): string {
  const parsed = parseSdp(sdp);
  const rejected = new Set<string>();
  for (const media of parsed.media) {
    const mid = media.attributes.find((a) => a.name === 'mid')?.value;
    if (media.port === 0 && mid !== undefined) rejected.add(mid);
  }
  if (rejected.size === 0) return sdp;
  return sdp.replace(/^a=group:BUNDLE(.*)$/m, (_line, mids: string) => `a=group:BUNDLE ${mids.trim().split(/\s+/).filter((mid) => !rejected.has(mid)).join(' ')}`);
}

/** A keyframe with the track's SPS/PPS that it lacks, after its access unit delimiter if it starts with one. */
function withParameterSets(packet: MediaPacket): MediaPacket {
  const present = new Set(packet.units.map(h264NalType));
  if (present.has(H264_NAL.SPS) && present.has(H264_NAL.PPS)) return packet;
  const missing = (packet.track.parameterSets ?? []).filter((nal) => !present.has(h264NalType(nal)));
  if (missing.length === 0) return packet;
  const at = h264NalType(packet.units[0] ?? new Uint8Array()) === H264_NAL.AUD ? 1 : 0;
  return { ...packet, units: [...packet.units.slice(0, at), ...missing, ...packet.units.slice(at)] };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One WebRTC viewer of a camera stream (WHEP-style, non-trickle): answers a receive-only video offer with werift,
 * then sends the hub's H.264 access units as RTP (RFC 6184, packetization mode 1) from the cached keyframe on, with
 * the track's SPS/PPS prepended to keyframes that lack them.
 *
 * The offer is answered only for an H.264 stream: the camera's first video packet is awaited (bounded) before any
 * peer connection exists, and an H.265 stream is refused with `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC`. The session ends
 * on {@link close}, when ICE/DTLS fails or disconnects, when the peer does not connect in time, and when the stream
 * ends or fails; `onEnd` is called once with the reason.
 *
 * @example
 * ```ts
 * const session = new WebRtcSession({ id, hub: kernel.streams.hub('cam-1'), name: 'webrtc:cam-1', logger, onEnd: audit });
 * const answer = await session.negotiate(offerSdp); // 201 with the answer
 * await session.close('deleted');
 * ```
 */
export class WebRtcSession {
  /** Session id. */
  readonly id: string;
  readonly #options: WebRtcSessionOptions;
  readonly #logger: Logger;
  #state: WebRtcSessionState = 'new';
  #pc: RTCPeerConnection | undefined;
  #track: MediaStreamTrack | undefined;
  #packetizer: H264Packetizer | undefined;
  #pacer: RtpPacer | undefined;
  #choice: H264Choice | undefined;
  #cameraProfileLevelId: string | null = null;
  /** The first subscription to the hub: keeps the camera connected from the codec check to the first media. */
  #hold: Subscription | undefined;
  /** Rejects the wait for the first packet when the session closes meanwhile. */
  #abortProbe: ((err: unknown) => void) | undefined;
  #media: Subscription | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #answered = false;
  #closing: Promise<void> | undefined;
  #endReason: WebRtcEndReason | null = null;
  #waitingForKeyframe = true;
  #accessUnits = 0;
  #keyframes = 0;
  #parameterSetsInserted = 0;
  #pictureLossIndications = 0;
  #queueDrops = 0;

  constructor(options: WebRtcSessionOptions) {
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError('WebRtcSession needs a non-empty id');
    this.id = options.id;
    this.#options = options;
    this.#logger = options.logger.child({ session: options.id });
  }

  /** Current state. */
  get state(): WebRtcSessionState {
    return this.#state;
  }

  /**
   * Answers an SDP offer: waits for the camera's first video packet, refuses anything but H.264, then builds the
   * peer connection, waits for ICE gathering (bounded) and returns the answer with its candidates. On failure the
   * session is closed (without `onEnd`) and the error is thrown: `ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC` (415),
   * `ARGUS_ERR_API_INVALID_REQUEST` (400) for an offer without usable H.264 or that werift refuses,
   * `ARGUS_ERR_DRIVER_TIMEOUT` (504) when no video comes in time, or the stream's own error.
   */
  async negotiate(offer: string): Promise<string> {
    if (this.#state !== 'new') throw new TypeError(`negotiate() on a ${this.#state} session`);
    this.#state = 'negotiating';
    try {
      const track = await this.#firstVideoTrack();
      if (this.#closed()) throw new ArgusError('ARGUS_ERR_STREAM_CLOSED', { stream: this.#options.hub.id });
      if (track.codec !== 'h264') {
        throw new ArgusError('ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC', { codec: track.codec, reason: 'WebRTC live view sends H.264 only; use the WebSocket live view' });
      }
      const sps = track.parameterSets?.find((nal) => h264NalType(nal) === H264_NAL.SPS);
      this.#cameraProfileLevelId = sps === undefined ? null : spsProfileLevelId(sps);
      const { sdp, videoIndex } = this.#checkedOffer(offer);
      return await this.#answer(sdp, videoIndex);
    } catch (err) {
      await this.#shutdown('negotiation-failed');
      throw err;
    }
  }

  /** Ends the session (idempotent); resolves once the peer connection is closed and `onEnd` has run. */
  close(reason: WebRtcEndReason): Promise<void> {
    return this.#shutdown(reason);
  }

  /** Statistics, computed now. */
  toJSON(): WebRtcSessionStats {
    return {
      id: this.id,
      state: this.#state,
      connectionState: this.#pc?.connectionState ?? null,
      payloadType: this.#choice?.payloadType ?? null,
      profileLevelId: this.#choice?.profileLevelId ?? null,
      cameraProfileLevelId: this.#cameraProfileLevelId,
      accessUnits: this.#accessUnits,
      keyframes: this.#keyframes,
      parameterSetsInserted: this.#parameterSetsInserted,
      pictureLossIndications: this.#pictureLossIndications,
      queuedBytes: this.#pacer?.queuedBytes ?? 0,
      queueDrops: this.#queueDrops,
      packetizer: this.#packetizer?.toJSON() ?? { accessUnits: 0, packets: 0, payloadBytes: 0 },
      endReason: this.#endReason,
    };
  }

  /** Whether the session was closed meanwhile (a method: the state changes across awaits). */
  #closed(): boolean {
    return this.#state === 'closed';
  }

  /** Subscribes to the hub and resolves with the first video packet's track; the subscription stays as `#hold`. */
  #firstVideoTrack(): Promise<TrackInfo> {
    const { hub } = this.#options;
    const timeoutMs = this.#options.firstPacketTimeoutMs ?? 10_000;
    return new Promise<TrackInfo>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: `stream ${hub.id}` })), timeoutMs);
      timer.unref();
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.#abortProbe = undefined;
        fn();
      };
      this.#abortProbe = (err) => settle(() => reject(err));
      try {
        this.#hold = hub.live$({ name: `${this.#options.name}:probe` }).subscribe({
          next: (packet) => {
            if (packet.track.kind === 'video') settle(() => resolve(packet.track));
          },
          error: (err: unknown) =>
            settle(() => reject(hasErrorCode(err) ? err : new ArgusError('ARGUS_ERR_STREAM_UPSTREAM_FAILED', { stream: hub.id, reason: String(err) }, { cause: err }))),
          complete: () => settle(() => reject(new ArgusError('ARGUS_ERR_MEDIA_NO_MEDIA', { url: `stream ${hub.id}` }))),
        });
      } catch (err) {
        settle(() => reject(err));
      }
    });
  }

  /** The offer with only the chosen H.264 payload type left in its first video section. */
  #checkedOffer(offer: string): { sdp: string; videoIndex: number } {
    const parsed = parseSdp(offer);
    const videoIndex = parsed.media.findIndex((media) => media.type === 'video');
    const video = parsed.media[videoIndex];
    const choice = video === undefined ? undefined : selectH264PayloadType(video, this.#cameraProfileLevelId);
    if (choice === undefined) {
      throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'the offer has no H.264 video payload type with packetization-mode=1' });
    }
    this.#choice = choice;
    return { sdp: keepOnlyPayloadType(offer, videoIndex, choice.payloadType), videoIndex };
  }

  #peerConfig(): Partial<PeerConfig> {
    const { iceAddresses, icePortRange } = this.#options;
    const profileLevelIds = [...new Set([this.#cameraProfileLevelId, '42e01f'].filter((id): id is string => id !== null))];
    const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
    const config: Partial<PeerConfig> = {
      iceServers: [],
      codecs: {
        // werift matches offered codecs by MIME type only; the payload type to send is picked from the offer itself.
        video: profileLevelIds.map(
          (id) => new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90_000, rtcpFeedback: feedback, parameters: `profile-level-id=${id};packetization-mode=1;level-asymmetry-allowed=1` }),
        ),
        // Only so that an offered audio section can be answered (inactive): there is no audio to send.
        audio: [
          new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 }),
          new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8_000, payloadType: 0 }),
          new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8_000, payloadType: 8 }),
        ],
      },
      ...(icePortRange === undefined ? {} : { icePortRange: [icePortRange[0], icePortRange[1]] }),
    };
    if (iceAddresses === undefined || iceAddresses.length === 0) return config;
    const allowed = new Set(iceAddresses);
    const v4 = iceAddresses.filter((address) => !address.includes(':'));
    const v6 = iceAddresses.filter((address) => address.includes(':'));
    return {
      ...config,
      // Host gathering off; the given addresses are added (loopback included, which werift otherwise skips).
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [...iceAddresses],
      // Bind the sockets to the address when there is one per family, so nothing listens on other interfaces.
      iceInterfaceAddresses: { ...(v4.length === 1 ? { udp4: v4[0] } : {}), ...(v6.length === 1 ? { udp6: v6[0] } : {}) },
      iceFilterCandidatePair: (pair) => allowed.has(pair.localCandidate.host),
    };
  }

  async #answer(offer: string, videoIndex: number): Promise<string> {
    const choice = this.#choice!;
    const pc = new RTCPeerConnection(this.#peerConfig());
    this.#pc = pc;
    const track = new MediaStreamTrack({ kind: 'video' });
    this.#track = track;
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } catch (err) {
      if (this.#closed()) throw new ArgusError('ARGUS_ERR_STREAM_CLOSED', { stream: this.#options.hub.id });
      throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: `the offer cannot be answered: ${err instanceof Error ? err.message : String(err)}` }, { cause: err });
    }
    if (transceiver.mLineIndex !== videoIndex) {
      throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'the first video section of the offer could not be used' });
    }
    this.#packetizer = new H264Packetizer({ payloadType: choice.payloadType, mtu: this.#options.mtu ?? 1200 });
    this.#pacer = new RtpPacer((rtp) => track.writeRtp(Buffer.from(rtp.buffer, rtp.byteOffset, rtp.byteLength)));
    transceiver.sender.onPictureLossIndication.subscribe(() => {
      this.#pictureLossIndications += 1;
    });
    pc.connectionStateChange.subscribe((state) => this.#onConnectionState(state));
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#gathered(pc);
    const sdp = pc.localDescription?.sdp;
    if (sdp === undefined) throw new TypeError('werift produced no local description');
    if (this.#closed()) throw new ArgusError('ARGUS_ERR_STREAM_CLOSED', { stream: this.#options.hub.id });
    this.#state = 'connecting';
    this.#answered = true;
    this.#connectTimer = setTimeout(() => void this.#shutdown('connect-timeout'), this.#options.connectTimeoutMs ?? 30_000);
    this.#connectTimer.unref();
    this.#logger.debug({ payloadType: choice.payloadType, profileLevelId: choice.profileLevelId }, 'webrtc offer answered');
    // Should the peer have connected while the answer was being built, its state change was ignored: act on it now.
    if (pc.connectionState === 'connected') this.#onConnectionState('connected');
    return dropRejectedFromBundle(sdp);
  }

  #gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    let unsubscribe: (() => void) | undefined;
    const complete = new Promise<void>((resolve) => {
      ({ unSubscribe: unsubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      }));
    });
    return withTimeout(complete, this.#options.gatherTimeoutMs ?? 5_000, () => {
      this.#logger.warn('ICE gathering incomplete; answering with the candidates gathered so far');
    }).finally(() => unsubscribe?.());
  }

  #onConnectionState(state: string): void {
    if (this.#state === 'closed') return;
    if (state === 'connected' && this.#state === 'connecting') {
      clearTimeout(this.#connectTimer);
      this.#startMedia();
    } else if (state === 'failed') {
      void this.#shutdown('failed');
    } else if (state === 'disconnected' || state === 'closed') {
      void this.#shutdown('disconnected');
    }
  }

  /** Subscribes anew, so the view starts at the hub's cached keyframe, then lets go of the first subscription. */
  #startMedia(): void {
    this.#state = 'streaming';
    this.#logger.debug('webrtc peer connected; streaming');
    try {
      this.#media = this.#options.hub.live$({ name: this.#options.name }).subscribe({
        next: (packet) => this.#send(packet),
        error: (err: unknown) => {
          this.#logger.warn({ err }, 'webrtc view: stream failed');
          void this.#shutdown('stream-failed');
        },
        complete: () => void this.#shutdown('stream-ended'),
      });
    } catch (err) {
      this.#logger.warn({ err }, 'webrtc view: stream closed');
      void this.#shutdown('stream-ended');
    }
    this.#hold?.unsubscribe();
    this.#hold = undefined;
  }

  #send(packet: MediaPacket): void {
    if (this.#state !== 'streaming' || packet.track.kind !== 'video') return;
    if (packet.track.codec !== 'h264') {
      this.#logger.warn({ codec: packet.track.codec }, 'webrtc view: the stream changed codec; ending');
      void this.#shutdown('stream-failed');
      return;
    }
    if (this.#waitingForKeyframe && !packet.keyframe) return;
    this.#waitingForKeyframe = false;
    let out = packet;
    if (packet.keyframe) {
      this.#keyframes += 1;
      out = withParameterSets(packet);
      if (out !== packet) this.#parameterSetsInserted += 1;
    }
    this.#accessUnits += 1;
    if (!this.#pacer!.push(this.#packetizer!.process(out))) {
      // The stream outruns the pacing rate: start over at the next keyframe rather than queue without bound.
      this.#queueDrops += 1;
      this.#pacer!.clear();
      this.#waitingForKeyframe = true;
    }
  }

  #shutdown(reason: WebRtcEndReason): Promise<void> {
    this.#closing ??= (async () => {
      const wasAnswered = this.#answered;
      this.#state = 'closed';
      this.#endReason = reason;
      clearTimeout(this.#connectTimer);
      this.#abortProbe?.(new ArgusError('ARGUS_ERR_STREAM_CLOSED', { stream: this.#options.hub.id }));
      this.#pacer?.clear();
      this.#media?.unsubscribe();
      this.#hold?.unsubscribe();
      this.#track?.stop();
      if (this.#pc !== undefined) {
        const pc = this.#pc;
        await withTimeout(
          pc.close().catch((err: unknown) => this.#logger.debug({ err }, 'webrtc peer connection close failed')),
          CLOSE_TIMEOUT_MS,
          () => this.#logger.warn('webrtc peer connection did not close in time'),
        );
      }
      this.#logger.debug({ reason, ...this.toJSON() }, 'webrtc view ended');
      if (wasAnswered) await this.#options.onEnd?.(reason);
    })();
    return this.#closing;
  }
}

/**
 * The live WebRTC sessions of one server, by id, with the owner of each; bounded by `max`.
 *
 * @example
 * ```ts
 * const sessions = new WebRtcSessions(64);
 * sessions.add(session, 'admin');
 * app.addHook('onClose', () => sessions.closeAll('server-closing'));
 * ```
 */
export class WebRtcSessions {
  readonly #sessions = new Map<string, { session: WebRtcSession; owner: string }>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`max must be a non-negative integer, got ${max}`);
  }

  /** Sessions held, negotiating ones included. */
  get size(): number {
    return this.#sessions.size;
  }

  /** True when another session would exceed `max`. */
  get full(): boolean {
    return this.#sessions.size >= this.max;
  }

  /** Holds a session until it ends; throws RangeError when full. */
  add(session: WebRtcSession, owner: string): void {
    if (this.full) throw new RangeError(`at most ${this.max} WebRTC sessions`);
    this.#sessions.set(session.id, { session, owner });
  }

  /** The session and its owner, if held. */
  get(id: string): { session: WebRtcSession; owner: string } | undefined {
    return this.#sessions.get(id);
  }

  /** Forgets a session (it ended). */
  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session and waits for each to be closed (and its end audited). */
  async closeAll(reason: WebRtcEndReason = 'server-closing'): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map(({ session }) => session.close(reason)));
  }

  /** Every session's statistics. */
  toJSON(): (WebRtcSessionStats & { owner: string })[] {
    return [...this.#sessions.values()].map(({ session, owner }) => ({ ...session.toJSON(), owner }));
  }
}
