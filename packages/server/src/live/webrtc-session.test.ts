// WebRtcSession against synthetic hubs, with a werift viewer over loopback; and its SDP helpers on offers.
import { interval, map, NEVER, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, RTCRtpCodecParameters, type MediaStreamTrack, type RtpPacket as WeriftRtpPacket } from 'werift';
import { hasErrorCode, silentLogger, StreamHub, type MediaPacket, type TrackInfo } from '@argus/core';
import { H264Depacketizer, h264NalType, parseRtp, parseSdp } from '@argus/core/media';
import { dropRejectedFromBundle, keepOnlyPayloadType, selectH264PayloadType, spsProfileLevelId, WebRtcSession, type WebRtcEndReason } from './webrtc-session.js';

const LOOPBACK = '127.0.0.1';
const WAIT_MS = 20_000;
const SPS = Uint8Array.of(0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40);
const PPS = Uint8Array.of(0x68, 0xeb, 0xe3, 0xcb);
const AUD = Uint8Array.of(0x09, 0xf0);
const H264_TRACK: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90_000, width: 640, height: 360, parameterSets: [SPS, PPS] };

const OFFER = [
  'v=0',
  'o=- 1 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=recvonly',
  'a=rtpmap:96 H264/90000',
  'a=rtcp-fb:96 nack',
  'a=fmtp:96 profile-level-id=42e01f;packetization-mode=0',
  'a=rtpmap:97 H264/90000',
  'a=rtcp-fb:97 nack',
  'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 profile-level-id=64001f;packetization-mode=1;level-asymmetry-allowed=1',
  'a=rtpmap:99 VP8/90000',
  'm=audio 0 UDP/TLS/RTP/SAVPF 111',
  'a=mid:1',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

describe('SDP helpers', () => {
  const video = parseSdp(OFFER).media[0]!;

  it("prefers the camera's profile, then constrained baseline, never packetization mode 0", () => {
    expect(selectH264PayloadType(video, '640028')).toEqual({ payloadType: 98, profileLevelId: '64001f' });
    expect(selectH264PayloadType(video, '4d0029')).toEqual({ payloadType: 97, profileLevelId: '42e01f' });
    expect(selectH264PayloadType(video, null)).toEqual({ payloadType: 97, profileLevelId: '42e01f' });
    const vp8Only = parseSdp(OFFER.replace('96 97 98 99', '99')).media[0]!;
    expect(selectH264PayloadType(vp8Only, '640028')).toBeUndefined();
  });

  it('keeps one payload type in one media section, and the other sections as they were', () => {
    const kept = parseSdp(keepOnlyPayloadType(OFFER, 0, 98));
    expect(kept.media[0]!.formats).toEqual(['98']);
    expect([...kept.media[0]!.rtpmap.keys()]).toEqual([98]);
    expect([...kept.media[0]!.fmtp.keys()]).toEqual([98]);
    expect(kept.media[1]!.formats).toEqual(['111']);
    expect(keepOnlyPayloadType(OFFER, 0, 98)).toContain('\r\n');
  });

  it('drops rejected sections from the BUNDLE group', () => {
    expect(dropRejectedFromBundle(OFFER)).toMatch(/^a=group:BUNDLE 0\r$/m);
    const none = OFFER.replace('m=audio 0', 'm=audio 9');
    expect(dropRejectedFromBundle(none)).toBe(none);
  });

  it('reads profile-level-id from an SPS', () => {
    expect(spsProfileLevelId(SPS)).toBe('64001f');
    expect(spsProfileLevelId(Uint8Array.of(0x67))).toBeNull();
  });
});

/**
 * A camera at 50 fps whose keyframes (every 10th frame) carry no SPS/PPS in band: they are only in the track. Each
 * access unit starts with a delimiter.
 */
function camera(track: TrackInfo = H264_TRACK): Observable<MediaPacket> {
  return interval(20).pipe(
    map((i): MediaPacket => {
      const keyframe = i % 10 === 0;
      const slice = new Uint8Array(3_000).fill(i & 0xff);
      slice[0] = keyframe ? 0x65 : 0x41;
      return { track, pts: i * 1800, keyframe, units: [AUD, slice] };
    }),
  );
}

function viewer(): RTCPeerConnection {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK],
    iceInterfaceAddresses: { udp4: LOOPBACK },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === LOOPBACK && pair.remoteCandidate.host === LOOPBACK,
    codecs: { video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90_000, parameters: 'profile-level-id=42e01f;packetization-mode=1' })] },
  });
  pc.addTransceiver('video', { direction: 'recvonly' });
  return pc;
}

async function offerOf(pc: RTCPeerConnection): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve, reject) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(() => reject(new Error('offer: ICE gathering timed out')), WAIT_MS);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
  return pc.localDescription!.sdp;
}

/** Resolves with the reason `onEnd` is called with, or fails after WAIT_MS. */
function ended(): { onEnd: (reason: WebRtcEndReason) => void; reason: Promise<WebRtcEndReason> } {
  let onEnd!: (reason: WebRtcEndReason) => void;
  const reason = new Promise<WebRtcEndReason>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the session did not end in time')), WAIT_MS);
    onEnd = (r) => {
      clearTimeout(timer);
      resolve(r);
    };
  });
  return { onEnd, reason };
}

describe('WebRtcSession', () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  function session(hub: StreamHub, options: Partial<ConstructorParameters<typeof WebRtcSession>[0]> = {}): WebRtcSession {
    const created = new WebRtcSession({ id: 'session-1', hub, name: 'webrtc:test', logger: silentLogger(), iceAddresses: [LOOPBACK], ...options });
    cleanup.push(() => created.close('deleted'));
    return created;
  }

  function hubOf(upstream: () => Observable<MediaPacket>): StreamHub {
    const hub = new StreamHub({ id: 'cam-1/main', cameraId: 'cam-1', upstream });
    cleanup.push(() => hub.close());
    return hub;
  }

  function peer(): RTCPeerConnection {
    const pc = viewer();
    cleanup.push(() => pc.close());
    return pc;
  }

  it("adds the track's SPS/PPS to every keyframe (after its delimiter), and ends when the stream ends", async () => {
    const hub = hubOf(() => camera());
    const end = ended();
    const webrtc = session(hub, { onEnd: end.onEnd });
    const pc = peer();
    const answer = await webrtc.negotiate(await offerOf(pc));

    const keyframes: MediaPacket[] = [];
    const received = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${keyframes.length} keyframes received in time`)), WAIT_MS);
      const depacketizer = new H264Depacketizer({ track: { id: 0, kind: 'video', codec: 'h264', timescale: 90_000 } });
      pc.onTrack.subscribe((track: MediaStreamTrack) =>
        track.onReceiveRtp.subscribe((rtp: WeriftRtpPacket) => {
          for (const unit of depacketizer.process(parseRtp(rtp.serialize()))) if (unit.keyframe) keyframes.push(unit);
          if (keyframes.length === 3) {
            clearTimeout(timer);
            resolve();
          }
        }),
      );
    });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await received;

    for (const keyframe of keyframes) expect(keyframe.units.map(h264NalType)).toEqual([9, 7, 8, 5]);
    expect(Buffer.from(keyframes[0]!.units[1]!)).toEqual(Buffer.from(SPS));
    const stats = webrtc.toJSON();
    expect(stats).toMatchObject({ state: 'streaming', connectionState: 'connected', cameraProfileLevelId: '64001f', profileLevelId: '42e01f', endReason: null });
    expect(stats.parameterSetsInserted).toBe(stats.keyframes);
    expect(stats.packetizer.packets).toBeGreaterThan(stats.accessUnits);

    hub.close();
    expect(await end.reason).toBe('stream-ended');
    expect(webrtc.toJSON()).toMatchObject({ state: 'closed', endReason: 'stream-ended' });
  });

  it('refuses an H.265 stream with 415 before making a peer connection', async () => {
    const hub = hubOf(() => camera({ ...H264_TRACK, codec: 'h265' }));
    const webrtc = session(hub);
    const err: unknown = await webrtc.negotiate(await offerOf(peer())).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC')).toBe(true);
    expect((err as { status: number }).status).toBe(415);
    expect(webrtc.toJSON()).toMatchObject({ state: 'closed', connectionState: null, endReason: 'negotiation-failed' });
  });

  it('gives up on a stream that sends nothing (504)', async () => {
    const hub = hubOf(() => NEVER);
    const webrtc = session(hub, { firstPacketTimeoutMs: 100 });
    const err: unknown = await webrtc.negotiate(await offerOf(peer())).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    expect(hub.stats().consumers).toBe(0);
  });

  it('stops waiting for the first packet when closed', async () => {
    const hub = hubOf(() => NEVER);
    const webrtc = session(hub);
    const negotiated = webrtc.negotiate(await offerOf(peer())).catch((e: unknown) => e);
    await webrtc.close('server-closing');
    expect(hasErrorCode(await negotiated, 'ARGUS_ERR_STREAM_CLOSED')).toBe(true);
    expect(webrtc.toJSON()).toMatchObject({ state: 'closed', endReason: 'server-closing' });
  });

  it('ends a session whose viewer never connects', async () => {
    const hub = hubOf(() => camera());
    const end = ended();
    const webrtc = session(hub, { connectTimeoutMs: 100, onEnd: end.onEnd });
    await webrtc.negotiate(await offerOf(peer()));
    expect(await end.reason).toBe('connect-timeout');
    expect(hub.stats().consumers).toBe(0);
  });
});
