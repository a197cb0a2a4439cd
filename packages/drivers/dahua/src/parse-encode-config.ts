import { ArgusError, type CodecName } from '@argus/core';
import { dahuaList, dahuaNumber, dahuaString, dahuaTable, parseKeyValueTable, type DahuaValue, type KeyValueParseOptions } from './parse-key-value.js';

/** One encoder stream of a channel from `configManager.cgi?action=getConfig&name=Encode`. */
export interface DahuaEncodeStream {
  /** RTSP `subtype`: 0 for `MainFormat[0]`, 1 for `ExtraFormat[0]`, 2 for `ExtraFormat[1]`... */
  readonly subtype: number;
  /** Argus codec name (`h264`, `h265`, `mjpeg`), from `Video.Compression`. */
  readonly codec: CodecName;
  /** `Video.Compression` as the device wrote it: `H.264`, `H.264H`, `H.265`, `MJPG`... */
  readonly compression: string;
  readonly width: number;
  readonly height: number;
  readonly fps?: number;
  readonly bitrateKbps?: number;
  /** `VideoEnable`; a disabled extra stream is not offered. */
  readonly enabled: boolean;
}

/** Dahua `Video.Compression` values to Argus codec names; the variants (`H.264H` = High profile...) share a codec. */
const COMPRESSION_CODECS: readonly [RegExp, CodecName][] = [
  [/^H\.?264/i, 'h264'],
  [/^H\.?265/i, 'h265'],
  [/^MJPE?G$/i, 'mjpeg'],
];

/** Argus codec name of a Dahua `Video.Compression` value; unknown ones are kept lower-cased (`svac`). */
export function codecFromCompression(compression: string): CodecName {
  for (const [pattern, codec] of COMPRESSION_CODECS) if (pattern.test(compression.trim())) return codec;
  return compression.trim().toLowerCase();
}

function stream(format: DahuaValue | undefined, subtype: number): DahuaEncodeStream | undefined {
  if (format === undefined) return undefined;
  const compression = dahuaString(format, 'Video', 'Compression');
  const width = dahuaNumber(format, 'Video', 'Width');
  const height = dahuaNumber(format, 'Video', 'Height');
  if (compression === undefined || width === undefined || height === undefined) return undefined;
  const fps = dahuaNumber(format, 'Video', 'FPS');
  const bitrate = dahuaNumber(format, 'Video', 'BitRate');
  return {
    subtype,
    codec: codecFromCompression(compression),
    compression,
    width,
    height,
    ...(fps === undefined ? {} : { fps }),
    ...(bitrate === undefined ? {} : { bitrateKbps: bitrate }),
    enabled: dahuaString(format, 'VideoEnable')?.trim().toLowerCase() !== 'false',
  };
}

/**
 * Parses the streams of one channel from `configManager.cgi?action=getConfig&name=Encode`: the main stream
 * (`MainFormat[0]`, subtype 0) and the extra streams (`ExtraFormat[n]`, subtype n + 1), disabled ones included.
 * `channel` counts from 1 like the RTSP URL (`Encode[channel - 1]`).
 *
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a malformed reply or one without a main stream for the channel.
 * @example
 * ```ts
 * const [main] = parseEncodeConfig(text, 1);
 * main.width; // 1920
 * ```
 */
export function parseEncodeConfig(body: string | Uint8Array, channel = 1, options: KeyValueParseOptions = {}): DahuaEncodeStream[] {
  if (!Number.isInteger(channel) || channel < 1) throw new RangeError(`channel counts from 1, got ${channel}`);
  const tree = parseKeyValueTable(body, options);
  const encode = dahuaTable(tree, 'table', 'Encode', channel - 1);
  const main = stream(dahuaList(encode, 'MainFormat')[0], 0);
  if (main === undefined) {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
      endpoint: options.endpoint ?? 'dahua',
      reason: `the Encode config has no main stream for channel ${channel}`,
    });
  }
  const streams = [main];
  const extras = dahuaList(encode, 'ExtraFormat');
  extras.forEach((format, i) => {
    const extra = stream(format, i + 1);
    if (extra !== undefined) streams.push(extra);
  });
  return streams;
}

/**
 * The RTSP port of `configManager.cgi?action=getConfig&name=RTSP` (`table.RTSP.Port=554`), or `undefined` when the
 * reply does not carry a valid one.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 */
export function parseRtspPort(body: string | Uint8Array, options: KeyValueParseOptions = {}): number | undefined {
  const port = dahuaNumber(parseKeyValueTable(body, options), 'table', 'RTSP', 'Port');
  return port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65_535 ? port : undefined;
}

/**
 * The channel names of `configManager.cgi?action=getConfig&name=ChannelTitle` (`table.ChannelTitle[0].Name=Cam4`),
 * index 0 for channel 1.
 * @throws ArgusError `ARGUS_ERR_DRIVER_PROTOCOL` for a reply that is not key=value.
 */
export function parseChannelTitles(body: string | Uint8Array, options: KeyValueParseOptions = {}): (string | undefined)[] {
  const titles = dahuaTable(parseKeyValueTable(body, options), 'table')?.['ChannelTitle'];
  if (!Array.isArray(titles)) return [];
  return Array.from(titles, (title) => dahuaString(title, 'Name'));
}
