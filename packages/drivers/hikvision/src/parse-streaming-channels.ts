import type { CodecName } from '@argus/core';
import { xmlArray, type XmlValue } from '@argus/driver-kit';
import { boolAt, intAt, parseIsapiDocument, textAt } from './isapi-document.js';

/** One `<StreamingChannel>` of `GET /ISAPI/Streaming/channels` (or `/ISAPI/Streaming/channels/<id>`). */
export interface IsapiStreamingChannel {
  /** `101`, `102`... for cameras; `N01`/`N02` for recorder channel N. */
  readonly id: string;
  readonly name?: string;
  readonly enabled: boolean;
  /** Argus codec name (`h264`, `h265`, `mjpeg`) or the device's own spelling lower-cased. */
  readonly codec: CodecName;
  readonly width: number;
  readonly height: number;
  /** Frames per second (`maxFrameRate` is in hundredths: 2500 = 25 fps). */
  readonly fps?: number;
  /** Bit rate cap in kbit/s (`vbrUpperCap` for VBR, `constantBitRate` for CBR). */
  readonly bitrateKbps?: number;
  /** Input channel the stream encodes (`videoInputChannelID`). */
  readonly inputChannel?: number;
  /** RTSP port, where the channel's `<Transport>` reports one (`rtspPortNo`). */
  readonly rtspPort?: number;
}

const CODECS: Readonly<Record<string, CodecName>> = {
  'h.264': 'h264',
  h264: 'h264',
  'h.265': 'h265',
  h265: 'h265',
  hevc: 'h265',
  mjpeg: 'mjpeg',
  'motion-jpeg': 'mjpeg',
};

/** ISAPI `videoCodecType` (`H.264`, `H.265`, `MJPEG`) -> Argus codec name. */
export function isapiCodec(value: string | undefined): CodecName {
  if (value === undefined) return 'none';
  return CODECS[value.trim().toLowerCase()] ?? value.trim().toLowerCase();
}

function channel(node: XmlValue): IsapiStreamingChannel | undefined {
  const id = textAt(node, 'id');
  if (id === undefined) return undefined;
  const quality = textAt(node, 'Video', 'videoQualityControlType')?.toUpperCase();
  const bitrate = quality === 'CBR' ? intAt(node, 'Video', 'constantBitRate') : (intAt(node, 'Video', 'vbrUpperCap') ?? intAt(node, 'Video', 'constantBitRate'));
  const maxFrameRate = intAt(node, 'Video', 'maxFrameRate');
  const name = textAt(node, 'channelName');
  const input = intAt(node, 'Video', 'videoInputChannelID');
  const rtspPort = intAt(node, 'Transport', 'rtspPortNo');
  return {
    id,
    ...(name === undefined ? {} : { name }),
    enabled: boolAt(node, 'enabled') ?? true,
    codec: isapiCodec(textAt(node, 'Video', 'videoCodecType')),
    width: intAt(node, 'Video', 'videoResolutionWidth') ?? 0,
    height: intAt(node, 'Video', 'videoResolutionHeight') ?? 0,
    ...(maxFrameRate === undefined || maxFrameRate <= 0 ? {} : { fps: maxFrameRate / 100 }),
    ...(bitrate === undefined || bitrate <= 0 ? {} : { bitrateKbps: bitrate }),
    ...(input === undefined ? {} : { inputChannel: input }),
    ...(rtspPort === undefined || rtspPort < 1 || rtspPort > 65_535 ? {} : { rtspPort }),
  };
}

/**
 * Parses `<StreamingChannelList>` (or a single `<StreamingChannel>`). Channels without an `<id>` are skipped;
 * malformed XML or another root throws `ARGUS_ERR_DRIVER_PROTOCOL`.
 *
 * @example
 * ```ts
 * const channels = parseStreamingChannels(await http.text({ path: '/ISAPI/Streaming/channels' }));
 * channels.find((c) => c.id === '101'); // { id: '101', codec: 'h264', width: 1920, height: 1080, fps: 25, ... }
 * ```
 */
export function parseStreamingChannels(text: string, endpoint = 'isapi'): IsapiStreamingChannel[] {
  const doc = parseIsapiDocument(text, ['StreamingChannelList', 'StreamingChannel'], { endpoint });
  const nodes = doc.root === 'StreamingChannel' ? [doc.node] : xmlArray(doc.node, 'StreamingChannel');
  return nodes.map(channel).filter((c): c is IsapiStreamingChannel => c !== undefined);
}

/** The streaming channel id of a profile: camera channel 1 main -> `101`, recorder channel 12 sub -> `1202`. */
export function streamingChannelId(channel: number, profile: 'main' | 'sub' | 'third'): string {
  const stream = profile === 'main' ? 1 : profile === 'sub' ? 2 : 3;
  return `${channel}${String(stream).padStart(2, '0')}`;
}
