import { hasErrorCode, type Logger, type StreamProfile } from '@argus/core';
import { RtspClient, videoTrackFromParameterSets, type SdpTrack } from '@argus/core/media';

/** Codec, size and rate of a stream's video from its SDP (SPS first, SDP attributes as a fallback). */
function videoFormat(video: SdpTrack | undefined): Pick<StreamProfile, 'codec' | 'width' | 'height' | 'fps'> {
  if (video === undefined) return { codec: 'none', width: 0, height: 0 };
  const codec = video.codec === 'other' ? video.encoding.toLowerCase() : video.codec;
  if ((video.codec === 'h264' || video.codec === 'h265') && video.parameterSets.length > 0) {
    try {
      const track = videoTrackFromParameterSets(video.codec, video.parameterSets, 0);
      return { codec, width: track.width ?? 0, height: track.height ?? 0, ...(track.fps === undefined ? {} : { fps: track.fps }) };
    } catch (err) {
      if (!hasErrorCode(err)) throw err;
    }
  }
  return { codec, width: video.width ?? 0, height: video.height ?? 0, ...(video.framerate === undefined ? {} : { fps: video.framerate }) };
}

/**
 * A stream profile read from the stream's own SDP (DESCRIBE): for devices whose ISAPI does not list streams
 * (Ezviz with LAN ISAPI off). Wrong credentials throw `ARGUS_ERR_DRIVER_AUTH`.
 */
export async function describeProfile(
  id: 'main' | 'sub',
  url: string,
  credentials: { username?: string; password?: string },
  options: { timeoutMs?: number; logger: Logger },
): Promise<StreamProfile> {
  const client = new RtspClient({
    url,
    ...credentials,
    ...options,
  });
  try {
    const description = await client.describe();
    return { id, name: id, ...videoFormat(description.tracks.find((t) => t.type === 'video')), uri: url };
  } finally {
    await client.close().catch(() => undefined);
  }
}
