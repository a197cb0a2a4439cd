// bench/storage: the real H.264 the bench records. A test-pattern loop is encoded once by ffmpeg (cached in the OS
// temp dir, as the camera farm caches its loops) and read into access units; packets are then made on the fly by
// playing the loop over and over with pts advancing at its frame rate, as a farm camera sends it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MediaPacket, TrackInfo } from '@argus/core';
import { AnnexBAccessUnitReader, ffmpegPath, h264NalType, H264_NAL, pickParameterSets, videoTrackFromParameterSets } from '@argus/core/media';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'argus-bench-storage-loops-v1');

/** What a loop is: picture, rate, GOP and bitrate. */
export interface LoopProfile {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly gopSeconds: number;
  readonly bitrateKbps: number;
  readonly loopSeconds: number;
}

/** A loop in memory: its track and its frames (NAL units without start codes or AUDs). */
export interface Loop {
  readonly profile: LoopProfile;
  readonly track: TrackInfo;
  readonly frames: readonly { readonly units: readonly Uint8Array[]; readonly keyframe: boolean }[];
  /** Bytes of NAL payload per second of media. */
  readonly bytesPerSecond: number;
}

/** Encodes (once per machine) and reads the loop of `profile`, the way the farm encodes its loops (libx264, no B-frames, fixed GOP). */
export async function loadLoop(profile: LoopProfile): Promise<{ loop: Loop; encoded: boolean }> {
  const { width, height, fps, gopSeconds, bitrateKbps, loopSeconds } = profile;
  const gop = Math.round(gopSeconds * fps);
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `loop-${width}x${height}-${fps}fps-g${gop}-${bitrateKbps}k-${loopSeconds}s.h264`);
  const encoded = !existsSync(file);
  if (encoded) {
    const partial = `${file}.${process.pid}.part`;
    try {
      await run(ffmpegPath(), [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
        ...['-frames:v', String(loopSeconds * fps), '-an', '-pix_fmt', 'yuv420p'],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
        ...['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${bitrateKbps * 2}k`, '-x264-params', 'aud=1', '-f', 'h264', partial],
      ]);
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }
  }
  const reader = new AnnexBAccessUnitReader('h264');
  const units = [...reader.process(new Uint8Array(readFileSync(file))), ...reader.flush()];
  const first = units[0];
  if (first?.keyframe !== true) throw new Error(`${file}: the loop does not start with a keyframe`);
  if (units.length % gop !== 0) throw new Error(`${file}: ${units.length} frames are not whole GOPs of ${gop}`);
  const track: TrackInfo = { ...videoTrackFromParameterSets('h264', pickParameterSets('h264', first.units), 0), fps };
  let bytes = 0;
  const frames = units.map((au, i) => {
    if (au.keyframe !== (i % gop === 0)) throw new Error(`${file}: frame ${i} breaks the ${gop}-frame GOP`);
    const kept = au.units.filter((u) => u.byteLength > 0 && h264NalType(u) !== H264_NAL.AUD);
    for (const u of kept) bytes += u.byteLength;
    return { units: kept, keyframe: au.keyframe };
  });
  return { loop: { profile, track, frames, bytesPerSecond: bytes / loopSeconds }, encoded };
}

/** The `index`-th packet a camera playing `loop` sends: the loop's frame `index mod length`, pts at the loop's rate (90 kHz). */
export function loopPacket(loop: Loop, index: number): MediaPacket {
  const frame = loop.frames[index % loop.frames.length] as Loop['frames'][number];
  return { track: loop.track, pts: Math.round((index * 90_000) / loop.profile.fps), keyframe: frame.keyframe, units: frame.units };
}
