import type { SdpDirection, SdpMedia, SessionDescription } from './parse-sdp.js';

/** Codec of an SDP track as the media plane names it; `other` for anything without a native path. */
export type SdpCodec = 'h264' | 'h265' | 'aac' | 'pcma' | 'pcmu' | 'mjpeg' | 'other';

/** One media section of a DESCRIBE answer, resolved into what SETUP and the depacketizers need. */
export interface SdpTrack {
  /** Index of the `m=` section in the SDP. */
  readonly index: number;
  /** Media type as written (`video`, `audio`, `application`...). */
  readonly type: string;
  /** Absolute URL to SETUP (RFC 2326 C.1.1). */
  readonly control: string;
  readonly payloadType: number;
  readonly codec: SdpCodec;
  /** Encoding name as the camera wrote it (`H264`, `MPEG4-GENERIC`, `vnd.onvif.metadata`, `PCM`...). */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** `a=fmtp` parameters of the payload type, keys lower-cased. */
  readonly fmtp: Readonly<Record<string, string>>;
  /** H.264 SPS/PPS or H.265 VPS/SPS/PPS NAL units (no start codes), from the fmtp. */
  readonly parameterSets: readonly Uint8Array[];
  /** AAC AudioSpecificConfig from the hex `config` of `mpeg4-generic`. */
  readonly aacConfig?: Uint8Array;
  /** RFC 3640 AU-header field sizes, in bits. */
  readonly sizeLength?: number;
  readonly indexLength?: number;
  readonly indexDeltaLength?: number;
  readonly direction?: SdpDirection;
  /** True for an audio section the client sends to the camera (ONVIF backchannel: `a=sendonly` audio). */
  readonly backchannel: boolean;
  readonly framerate?: number;
  readonly width?: number;
  readonly height?: number;
}

interface StaticPayload {
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
}

/** RFC 3551 static payload types that cameras send without an `a=rtpmap`. */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayload> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [10, { encoding: 'L16', clockRate: 44100, channels: 2 }],
  [11, { encoding: 'L16', clockRate: 44100, channels: 1 }],
  [14, { encoding: 'MPA', clockRate: 90000 }],
  [26, { encoding: 'JPEG', clockRate: 90000 }],
  [32, { encoding: 'MPV', clockRate: 90000 }],
  [33, { encoding: 'MP2T', clockRate: 90000 }],
]);

const CODEC_BY_ENCODING: ReadonlyMap<string, SdpCodec> = new Map([
  ['h264', 'h264'],
  ['h265', 'h265'],
  ['hevc', 'h265'],
  ['mpeg4-generic', 'aac'],
  ['pcma', 'pcma'],
  ['pcmu', 'pcmu'],
  ['jpeg', 'mjpeg'],
]);

const RTP_PROTOCOL = /^(?:RTP|TCP\/RTP)\//i;

/**
 * Resolves a control attribute into an absolute URL (RFC 2326 C.1.1): absolute URLs stay, `*` or nothing means
 * the base itself, and a relative one is joined to the base with one `/`, as live555 and ffmpeg do (strict
 * RFC 3986 resolution would drop the last path segment of a base without a trailing slash, which cameras
 * such as Dahua `...?channel=1&subtype=0/trackID=0` do not expect).
 */
export function resolveControlUrl(control: string | undefined, base: string): string {
  if (control === undefined || control === '' || control === '*') return base;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(control)) return control;
  const slash = base.endsWith('/') || control.startsWith('/') ? '' : '/';
  return `${base}${slash}${control}`;
}

function decodeBase64List(value: string | undefined): Uint8Array[] {
  if (value === undefined) return [];
  const out: Uint8Array[] = [];
  for (const part of value.split(',')) {
    const text = part.trim();
    if (text === '') continue;
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length > 0) out.push(new Uint8Array(bytes));
  }
  return out;
}

function decodeHex(value: string | undefined): Uint8Array | undefined {
  if (value === undefined || value.length < 2 || value.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(value)) return undefined;
  return new Uint8Array(Buffer.from(value, 'hex'));
}

function optionalInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function codecOf(media: SdpMedia, encoding: string, fmtp: Readonly<Record<string, string>>): SdpCodec {
  const known = CODEC_BY_ENCODING.get(encoding.toLowerCase());
  if (known !== undefined) return known;
  // A dynamic video payload without rtpmap: the parameter sets tell the codec.
  if (encoding === '' && media.type === 'video') {
    if (fmtp['sprop-vps'] !== undefined) return 'h265';
    if (fmtp['sprop-parameter-sets'] !== undefined) return 'h264';
  }
  return 'other';
}

function trackOf(media: SdpMedia, index: number, base: string): SdpTrack | undefined {
  if (!RTP_PROTOCOL.test(media.protocol)) return undefined;
  const payloadType = Number.parseInt(media.formats[0] ?? '', 10);
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) return undefined;
  const map = media.rtpmap.get(payloadType);
  const fallback = payloadType < 96 ? STATIC_PAYLOAD_TYPES.get(payloadType) : undefined;
  const encoding = map?.encoding ?? fallback?.encoding ?? '';
  const fmtp = media.fmtp.get(payloadType) ?? {};
  const codec = codecOf(media, encoding, fmtp);
  const clockRate = map?.clockRate ?? fallback?.clockRate ?? 90000;
  const channels = map?.channels ?? fallback?.channels ?? (codec === 'aac' ? optionalInt(fmtp['channels']) : undefined);
  const parameterSets =
    codec === 'h264'
      ? decodeBase64List(fmtp['sprop-parameter-sets'])
      : codec === 'h265'
        ? [
            ...decodeBase64List(fmtp['sprop-vps']),
            ...decodeBase64List(fmtp['sprop-sps']),
            ...decodeBase64List(fmtp['sprop-pps']),
          ]
        : [];
  const aacConfig = codec === 'aac' ? decodeHex(fmtp['config']) : undefined;
  const sizeLength = codec === 'aac' ? optionalInt(fmtp['sizelength']) : undefined;
  const indexLength = codec === 'aac' ? optionalInt(fmtp['indexlength']) : undefined;
  const indexDeltaLength = codec === 'aac' ? optionalInt(fmtp['indexdeltalength']) : undefined;
  return {
    index,
    type: media.type,
    control: resolveControlUrl(media.control, base),
    payloadType,
    codec,
    encoding,
    clockRate,
    fmtp,
    parameterSets,
    backchannel: media.type === 'audio' && media.direction === 'sendonly',
    ...(channels !== undefined ? { channels } : {}),
    ...(aacConfig !== undefined ? { aacConfig } : {}),
    ...(sizeLength !== undefined ? { sizeLength } : {}),
    ...(indexLength !== undefined ? { indexLength } : {}),
    ...(indexDeltaLength !== undefined ? { indexDeltaLength } : {}),
    ...(media.direction !== undefined ? { direction: media.direction } : {}),
    ...(media.framerate !== undefined ? { framerate: media.framerate } : {}),
    ...(media.dimensions !== undefined ? { width: media.dimensions.width, height: media.dimensions.height } : {}),
  };
}

/**
 * The RTP tracks of a session description, with control URLs resolved against `baseUrl` (the DESCRIBE
 * answer's Content-Base, else Content-Location, else the request URL). Codecs without a native path are
 * listed with `codec: 'other'`, not thrown; non-RTP sections are left out.
 *
 * @example
 * ```ts
 * const tracks = sdpTracks(parseSdp(body), contentBase);
 * const video = tracks.find((t) => t.codec === 'h264');
 * ```
 */
export function sdpTracks(sdp: SessionDescription, baseUrl: string): SdpTrack[] {
  const out: SdpTrack[] = [];
  for (let i = 0; i < sdp.media.length; i++) {
    const media = sdp.media[i];
    if (media === undefined) continue;
    const track = trackOf(media, i, baseUrl);
    if (track !== undefined) out.push(track);
  }
  return out;
}

/** The aggregate control URL of a session (for PLAY, TEARDOWN): the session `a=control` resolved on the base. */
export function sessionControlUrl(sdp: SessionDescription, baseUrl: string): string {
  return resolveControlUrl(sdp.control, baseUrl);
}
