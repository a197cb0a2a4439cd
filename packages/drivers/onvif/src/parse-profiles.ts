import type { CodecName } from '@argus/core';
import type { XmlObject, XmlValue } from '@argus/driver-kit';
import { attr, elements, first, isXmlObject, num, protocolError, responseElement, text } from './xml-values.js';

/** The PTZ part of a media profile. */
export interface OnvifProfilePtz {
  /** Token of the profile's PTZConfiguration. */
  readonly configurationToken: string;
  /** Token of the PTZ node the configuration drives. */
  readonly nodeToken?: string;
  /** The configuration names a default absolute position space. */
  readonly absolute: boolean;
  /** The configuration names a default relative translation space. */
  readonly relative: boolean;
}

/** One media profile from `GetProfiles` (Media ver10 or Media2): the video encoder's format and the PTZ binding. */
export interface OnvifProfile {
  /** Profile token: what GetStreamUri, GetSnapshotUri and the PTZ calls take. */
  readonly token: string;
  /** Profile name as the device reports it. */
  readonly name: string;
  /** The media service that listed the profile (`media`: ver10, `media2`: ver20), and so the one to ask for its URIs. */
  readonly mediaService: 'media' | 'media2';
  /** ONVIF encoding name (`H264`, `H265`, `JPEG`, `MPEG4`, Media2's `MPV4-ES`); undefined when the profile has no video encoder. */
  readonly encoding?: string;
  /** The encoding in Argus codec names (`h264`, `h265`, `mjpeg`; `none` without a video encoder). */
  readonly codec: CodecName;
  /** Encoder resolution (the source bounds when the encoder gives none); 0 when unknown. */
  readonly width: number;
  /** Encoder resolution height; 0 when unknown. */
  readonly height: number;
  /** Frame rate limit of the encoder. */
  readonly fps?: number;
  /** Bitrate limit of the encoder, kbit/s. */
  readonly bitrateKbps?: number;
  /** Token of the video source the profile encodes. */
  readonly videoSourceToken?: string;
  /** The profile's PTZ configuration, when it has one. */
  readonly ptz?: OnvifProfilePtz;
}

/**
 * ONVIF encoding names to Argus codec names: ver10's `tt:VideoEncoding` (`JPEG`, `MPEG4`, `H264`), Media2's MIME
 * subtypes (`H264`, `H265`, `JPEG`, and `MPV4-ES`, the schema's own misspelling of `MP4V-ES`), and the variants
 * devices write (`H.265`, `HEVC`, `AVC`).
 */
export function onvifCodec(encoding: string | undefined): CodecName {
  switch (encoding?.toUpperCase().replaceAll('.', '')) {
    case undefined:
      return 'none';
    case 'H264':
    case 'AVC':
      return 'h264';
    case 'H265':
    case 'HEVC':
      return 'h265';
    case 'JPEG':
    case 'MJPEG':
      return 'mjpeg';
    case 'MPEG4':
    case 'MP4V-ES':
    case 'MPV4-ES':
      return 'mpeg4';
    default:
      return (encoding ?? '').toLowerCase();
  }
}

/** The PTZ binding of a `tt:PTZConfiguration` (a ver10 profile's `PTZConfiguration`, a Media2 profile's `PTZ`). */
function ptzConfiguration(node: XmlValue | undefined): OnvifProfilePtz | undefined {
  const ptzNode = first(node);
  if (!isXmlObject(ptzNode)) return undefined;
  const nodeToken = text(ptzNode, 'NodeToken');
  return {
    configurationToken: attr(ptzNode, 'token') ?? '',
    ...(nodeToken === undefined || nodeToken === '' ? {} : { nodeToken }),
    absolute: text(ptzNode, 'DefaultAbsolutePantTiltPositionSpace') !== undefined || text(ptzNode, 'DefaultAbsolutePanTiltPositionSpace') !== undefined,
    relative: text(ptzNode, 'DefaultRelativePanTiltTranslationSpace') !== undefined,
  };
}

/** The configurations of one profile, whichever media service listed them. */
export interface ProfileConfigurations {
  /** A `tt:VideoEncoderConfiguration` (ver10) or `tt:VideoEncoder2Configuration` (Media2). */
  readonly encoder: XmlValue | undefined;
  /** A `tt:VideoSourceConfiguration`. */
  readonly source: XmlValue | undefined;
  /** A `tt:PTZConfiguration`. */
  readonly ptz: XmlValue | undefined;
}

/**
 * An {@link OnvifProfile} from a profile element and its configurations. The encoder fields read here
 * (`Encoding`, `Resolution/Width|Height`, `RateControl/FrameRateLimit|BitrateLimit`) have the same names in the ver10
 * and the Media2 encoder configuration.
 */
export function mediaProfile(node: XmlObject, configurations: ProfileConfigurations, mediaService: OnvifProfile['mediaService'], endpoint: string): OnvifProfile {
  const token = attr(node, 'token');
  if (token === undefined || token === '') throw protocolError(endpoint, 'a media profile has no token');
  const encoder = first(configurations.encoder);
  const source = first(configurations.source);
  const encoding = isXmlObject(encoder) ? text(encoder, 'Encoding') : undefined;
  const bounds = isXmlObject(source) ? first(source['Bounds']) : undefined;
  const width = num(isXmlObject(encoder) ? text(encoder, 'Resolution', 'Width') : undefined) ?? num(attr(bounds, 'width')) ?? 0;
  const height = num(isXmlObject(encoder) ? text(encoder, 'Resolution', 'Height') : undefined) ?? num(attr(bounds, 'height')) ?? 0;
  const fps = isXmlObject(encoder) ? num(text(encoder, 'RateControl', 'FrameRateLimit')) : undefined;
  const bitrate = isXmlObject(encoder) ? num(text(encoder, 'RateControl', 'BitrateLimit')) : undefined;
  const videoSourceToken = isXmlObject(source) ? text(source, 'SourceToken') : undefined;
  const ptz = ptzConfiguration(configurations.ptz);
  return {
    token,
    name: text(node, 'Name') ?? token,
    mediaService,
    ...(encoding === undefined || encoding === '' ? {} : { encoding }),
    codec: onvifCodec(encoding === '' ? undefined : encoding),
    width,
    height,
    ...(fps === undefined || fps <= 0 ? {} : { fps }),
    ...(bitrate === undefined || bitrate <= 0 ? {} : { bitrateKbps: bitrate }),
    ...(videoSourceToken === undefined || videoSourceToken === '' ? {} : { videoSourceToken }),
    ...(ptz === undefined ? {} : { ptz }),
  };
}

/**
 * The media profiles of a `GetProfilesResponse` (Media ver10), in the device's order (the first is the main
 * stream by convention).
 *
 * Note the spelling `DefaultAbsolutePantTiltPositionSpace`: that is the ONVIF schema's own typo, accepted here
 * together with the corrected name.
 *
 * @throws ARGUS_ERR_DRIVER_PROTOCOL when the response element is missing or a profile has no token.
 * @example
 * ```ts
 * const [main, sub] = parseProfiles(body, endpoint);
 * main.codec; // 'h264'
 * ```
 */
export function parseProfiles(body: XmlObject, endpoint = 'onvif'): OnvifProfile[] {
  const response = responseElement(body, 'GetProfilesResponse', endpoint);
  return elements(response, 'Profiles').map((node) =>
    mediaProfile(node, { encoder: node['VideoEncoderConfiguration'], source: node['VideoSourceConfiguration'], ptz: node['PTZConfiguration'] }, 'media', endpoint),
  );
}
