// Test-only: a mount source that plays a sample file's access units, paced and looped with continuous pts.
import { readFileSync } from 'node:fs';
import { Observable } from 'rxjs';
import type { MediaPacket, TrackInfo } from '../stream/media-packet.js';
import { buildAudioSpecificConfig, parseAdts } from './codec/aac.js';
import { AnnexBAccessUnitReader } from './codec/annexb.js';
import { pickParameterSets, videoTrackFromParameterSets } from './codec/track-info.js';
import type { RtspMountSource } from './rtsp/rtsp-server.js';
import { sampleMedia } from './test-media.test-helper.js';

export interface TestSource extends RtspMountSource {
  readonly tracks: TrackInfo[];
  subscriptions: number;
  active: number;
}

interface Frame {
  readonly track: TrackInfo;
  readonly units: Uint8Array[];
  readonly keyframe: boolean;
}

async function videoFrames(codec: 'h264' | 'h265'): Promise<{ track: TrackInfo; frames: Frame[] }> {
  const reader = new AnnexBAccessUnitReader(codec);
  const units = [...reader.process(readFileSync(await sampleMedia({ codec }))), ...reader.flush()];
  const first = units[0];
  if (first === undefined) throw new Error('empty sample');
  const track = videoTrackFromParameterSets(codec, pickParameterSets(codec, first.units), 0);
  return { track, frames: units.map((au) => ({ track, units: au.units, keyframe: au.keyframe })) };
}

async function aacFrames(id: number): Promise<{ track: TrackInfo; frames: Frame[] }> {
  const adts = parseAdts(readFileSync(await sampleMedia({ codec: 'aac' })));
  const first = adts[0];
  if (first === undefined) throw new Error('empty sample');
  const config = buildAudioSpecificConfig(first);
  const track: TrackInfo = { id, kind: 'audio', codec: 'aac', timescale: first.sampleRate, sampleRate: first.sampleRate, channels: first.channels, config };
  return { track, frames: adts.map((f) => ({ track, units: [f.payload], keyframe: true })) };
}

/** Emits video at 25 fps of media time every `periodMs` (audio interleaved by pts), looping the file. */
export async function testSource(codec: 'h264' | 'h265', options: { audio?: boolean; periodMs?: number } = {}): Promise<TestSource> {
  const video = await videoFrames(codec);
  const audio = options.audio === true ? await aacFrames(1) : undefined;
  const periodMs = options.periodMs ?? 20;
  const source: TestSource = {
    tracks: audio === undefined ? [video.track] : [video.track, audio.track],
    subscriptions: 0,
    active: 0,
    describe: async () => source.tracks,
    packets$: () =>
      new Observable<MediaPacket>((subscriber) => {
        source.subscriptions += 1;
        source.active += 1;
        let v = 0;
        let a = 0;
        const timer = setInterval(() => {
          const frame = video.frames[v % video.frames.length]!;
          const pts = v * 3600;
          subscriber.next({ track: frame.track, pts, keyframe: frame.keyframe, units: frame.units, wallClock: Date.now() });
          v += 1;
          if (audio !== undefined) {
            // 1024 samples per AAC frame: send audio up to the video time.
            while ((a * 1024) / audio.track.timescale <= pts / 90000) {
              const af = audio.frames[a % audio.frames.length]!;
              subscriber.next({ track: af.track, pts: a * 1024, keyframe: true, units: af.units });
              a += 1;
            }
          }
        }, periodMs);
        return () => {
          clearInterval(timer);
          source.active -= 1;
        };
      }),
  };
  return source;
}

