import type { SdpAttribute, SdpMedia, SdpRtpMap, SessionDescription } from './parse-sdp.js';

/** One track offered by {@link buildSdp}. */
export interface SdpTrackOffer {
  readonly codec: 'h264' | 'h265' | 'aac' | 'pcma' | 'pcmu' | 'mjpeg';
  /** Defaults: 96 + track index for dynamic codecs, 0 for PCMU, 8 for PCMA, 26 for MJPEG. */
  readonly payloadType?: number;
  /** Defaults: 90000 for video, 8000 for G.711; required for AAC (the sample rate). */
  readonly clockRate?: number;
  readonly channels?: number;
  /** H.264 SPS/PPS or H.265 VPS/SPS/PPS NAL units without start codes. */
  readonly parameterSets?: readonly Uint8Array[];
  /** AAC AudioSpecificConfig. */
  readonly aacConfig?: Uint8Array;
  readonly framerate?: number;
  readonly width?: number;
  readonly height?: number;
}

/** Options of {@link buildSdp}. */
export interface BuildSdpOptions {
  readonly sessionName?: string;
  /** Address in `o=`; default `127.0.0.1`. */
  readonly address?: string;
  /** Session id in `o=`; default a fixed `0` so output is reproducible. */
  readonly sessionId?: string;
  readonly tracks: readonly SdpTrackOffer[];
}

function nalType(nal: Uint8Array, codec: 'h264' | 'h265'): number {
  const first = nal[0] ?? 0;
  return codec === 'h264' ? first & 0x1f : (first >> 1) & 0x3f;
}

function base64(nals: readonly Uint8Array[]): string {
  return nals.map((n) => Buffer.from(n.buffer, n.byteOffset, n.byteLength).toString('base64')).join(',');
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function offerToMedia(offer: SdpTrackOffer, index: number): SdpMedia {
  const isVideo = offer.codec === 'h264' || offer.codec === 'h265' || offer.codec === 'mjpeg';
  const staticPt = offer.codec === 'pcmu' ? 0 : offer.codec === 'pcma' ? 8 : offer.codec === 'mjpeg' ? 26 : undefined;
  const payloadType = offer.payloadType ?? staticPt ?? 96 + index;
  const sets = offer.parameterSets ?? [];
  let encoding: string;
  let clockRate = offer.clockRate ?? (isVideo ? 90000 : 8000);
  let channels = offer.channels;
  let fmtp: Record<string, string> | undefined;
  switch (offer.codec) {
    case 'h264': {
      encoding = 'H264';
      fmtp = { 'packetization-mode': '1' };
      const sps = sets.find((n) => nalType(n, 'h264') === 7);
      if (sps !== undefined && sps.length >= 4) fmtp['profile-level-id'] = hex(sps.subarray(1, 4));
      if (sets.length > 0) fmtp['sprop-parameter-sets'] = base64(sets);
      break;
    }
    case 'h265': {
      encoding = 'H265';
      fmtp = {};
      for (const [key, type] of [
        ['sprop-vps', 32],
        ['sprop-sps', 33],
        ['sprop-pps', 34],
      ] as const) {
        const nals = sets.filter((n) => nalType(n, 'h265') === type);
        if (nals.length > 0) fmtp[key] = base64(nals);
      }
      break;
    }
    case 'aac': {
      if (offer.clockRate === undefined) throw new TypeError('buildSdp(): an AAC track needs its clockRate (sample rate)');
      encoding = 'MPEG4-GENERIC';
      channels ??= 1;
      fmtp = {
        streamtype: '5',
        'profile-level-id': '1',
        mode: 'AAC-hbr',
        sizelength: '13',
        indexlength: '3',
        indexdeltalength: '3',
      };
      if (offer.aacConfig !== undefined) fmtp['config'] = hex(offer.aacConfig);
      break;
    }
    case 'pcma':
      encoding = 'PCMA';
      channels ??= 1;
      break;
    case 'pcmu':
      encoding = 'PCMU';
      channels ??= 1;
      break;
    case 'mjpeg':
      encoding = 'JPEG';
      clockRate = 90000;
      break;
  }
  const rtpmap: SdpRtpMap = { payloadType, encoding, clockRate, ...(channels !== undefined ? { channels } : {}) };
  return {
    type: isVideo ? 'video' : 'audio',
    port: 0,
    protocol: 'RTP/AVP',
    formats: [String(payloadType)],
    control: `trackID=${index}`,
    rtpmap: new Map([[payloadType, rtpmap]]),
    fmtp: new Map(fmtp === undefined ? [] : [[payloadType, fmtp]]),
    ...(offer.framerate !== undefined ? { framerate: offer.framerate } : {}),
    ...(offer.width !== undefined && offer.height !== undefined
      ? { dimensions: { width: offer.width, height: offer.height } }
      : {}),
    attributes: [],
  };
}

/**
 * Builds the session description an RTSP server answers DESCRIBE with: one section per track, with rtpmap,
 * fmtp (sprop-parameter-sets, sprop-vps/sps/pps, AAC config) and `a=control:trackID=N`.
 *
 * @example
 * ```ts
 * const text = serializeSdp(buildSdp({ tracks: [{ codec: 'h264', parameterSets: [sps, pps] }] }));
 * ```
 */
export function buildSdp(options: BuildSdpOptions): SessionDescription {
  const address = options.address ?? '127.0.0.1';
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: options.sessionId ?? '0',
      sessionVersion: '1',
      netType: 'IN',
      addrType: address.includes(':') ? 'IP6' : 'IP4',
      address,
    },
    name: options.sessionName ?? 'Argus',
    connection: { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address: '0.0.0.0' },
    control: '*',
    range: 'npt=now-',
    attributes: [{ name: 'tool', value: 'Argus' }],
    media: options.tracks.map(offerToMedia),
  };
}

function attributeLine(attribute: SdpAttribute): string {
  return attribute.value === undefined ? `a=${attribute.name}` : `a=${attribute.name}:${attribute.value}`;
}

function fmtpText(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join(';');
}

/** Writes a session description as SDP text with CRLF line ends (the inverse of `parseSdp`). */
export function serializeSdp(sdp: SessionDescription): string {
  const lines: string[] = [`v=${sdp.version}`];
  const o = sdp.origin;
  lines.push(
    o === undefined
      ? 'o=- 0 1 IN IP4 127.0.0.1'
      : `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
  );
  lines.push(`s=${sdp.name === '' ? '-' : sdp.name}`);
  if (sdp.connection !== undefined) {
    lines.push(`c=${sdp.connection.netType} ${sdp.connection.addrType} ${sdp.connection.address}`);
  }
  lines.push('t=0 0');
  for (const attribute of sdp.attributes) lines.push(attributeLine(attribute));
  if (sdp.control !== undefined) lines.push(`a=control:${sdp.control}`);
  if (sdp.range !== undefined) lines.push(`a=range:${sdp.range}`);
  if (sdp.direction !== undefined) lines.push(`a=${sdp.direction}`);
  for (const media of sdp.media) {
    lines.push(`m=${media.type} ${media.port} ${media.protocol} ${media.formats.join(' ')}`);
    if (media.connection !== undefined) {
      lines.push(`c=${media.connection.netType} ${media.connection.addrType} ${media.connection.address}`);
    }
    for (const map of media.rtpmap.values()) {
      const channels = map.channels === undefined ? '' : `/${map.channels}`;
      lines.push(`a=rtpmap:${map.payloadType} ${map.encoding}/${map.clockRate}${channels}`);
    }
    for (const [pt, params] of media.fmtp) lines.push(`a=fmtp:${pt} ${fmtpText(params)}`);
    if (media.framerate !== undefined) lines.push(`a=framerate:${media.framerate}`);
    if (media.dimensions !== undefined) lines.push(`a=x-dimensions:${media.dimensions.width},${media.dimensions.height}`);
    if (media.direction !== undefined) lines.push(`a=${media.direction}`);
    for (const attribute of media.attributes) lines.push(attributeLine(attribute));
    if (media.control !== undefined) lines.push(`a=control:${media.control}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
