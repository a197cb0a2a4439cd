import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ArgusError } from '@argus/core';
import type { TrackInfo } from '@argus/core';
import { AnnexBAccessUnitReader, ffmpegPath, pickParameterSets, videoTrackFromParameterSets } from '@argus/core/media';
import type { LoopSpec } from './farm-camera-config.js';

/** Bumped when the encoding recipe changes, so stale cache files are not reused. */
const RECIPE = 'v1';
const SYSTEM_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
const AUD_H264 = 9;
const AUD_H265 = 35;

/** The loop cache directory: `ARGUS_FARM_CACHE`, else `<os tmpdir>/argus-farm-cache`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const configured = env['ARGUS_FARM_CACHE'];
  return configured !== undefined && configured !== '' ? configured : join(tmpdir(), 'argus-farm-cache');
}

/** DejaVu Sans Mono from the `dejavu-fonts-ttf` package, else the system copy, else none (ffmpeg's default). */
export function farmFontFile(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
    const file = join(dirname(pkg), 'ttf', 'DejaVuSansMono.ttf');
    if (existsSync(file)) return file;
  } catch {
    // Not installed: fall through to the system font.
  }
  return existsSync(SYSTEM_FONT) ? SYSTEM_FONT : undefined;
}

/**
 * Escapes an option value for an ffmpeg filtergraph: quoted for the filter's option parser, then backslash-escaped
 * for the graph parser, so any text (quotes, colons, commas, brackets, backslashes) arrives literally.
 */
export function filterValue(text: string): string {
  const quoted = `'${text.replace(/'/g, "'\\''")}'`;
  return quoted.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** The cache file name of a loop: readable prefix plus a hash of everything that shapes its content. */
export function loopFileName(spec: LoopSpec): string {
  const key = JSON.stringify([RECIPE, spec.codec, spec.width, spec.height, spec.fps, spec.gopFrames, spec.loopFrames, spec.bitrateKbps, spec.label]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `farm-${spec.codec}-${spec.width}x${spec.height}-${spec.fps}fps-${hash}.${spec.codec}`;
}

/** The ffmpeg arguments that encode `spec` into the Annex B file `output`. */
export function loopEncodeArgs(spec: LoopSpec, output: string, fontFile: string | undefined = farmFontFile()): string[] {
  const { width, height, fps, gopFrames: gop, bitrateKbps } = spec;
  const kbps = Math.round(bitrateKbps);
  const size = Math.max(10, Math.round(height / 16));
  const font = fontFile === undefined ? '' : `fontfile=${filterValue(fontFile)}:`;
  // eslint-disable-next-line no-control-regex -- control characters would break the single title line
  const title = spec.label.replace(/[\u0000-\u001f\u007f]/g, ' ');
  const box = `fontcolor=white:fontsize=${size}:box=1:boxcolor=black@0.6:boxborderw=4`;
  const filters = [
    `drawtext=${font}expansion=none:text=${filterValue(title)}:x=8:y=8:${box}`,
    `drawtext=${font}text=${filterValue('%{pts:hms}  #%{n}')}:x=8:y=${size * 2 + 8}:${box}`,
    'format=yuv420p',
  ].join(',');
  const common = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  const video = ['-vf', filters, '-frames:v', String(spec.loopFrames), '-an', '-pix_fmt', 'yuv420p'];
  if (spec.codec === 'h264') {
    return [
      ...common, ...video,
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0',
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
      '-x264-params', 'aud=1', '-f', 'h264', output,
    ];
  }
  const x265 = [
    `keyint=${gop}`, `min-keyint=${gop}`, 'scenecut=0', 'bframes=0', 'open-gop=0', 'aud=1', 'repeat-headers=1',
    `vbv-maxrate=${kbps}`, `vbv-bufsize=${kbps * 2}`, 'log-level=error',
  ].join(':');
  return [...common, ...video, '-c:v', 'libx265', '-preset', 'veryfast', '-b:v', `${kbps}k`, '-x265-params', x265, '-f', 'hevc', output];
}

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new ArgusError('ARGUS_ERR_MEDIA_FFMPEG_FAILED', { reason: `${err.message.split('\n')[0]} ${String(stderr).trim().slice(-500)}` }, { cause: err }));
    });
  });
}

/** Where a loop file came from. */
export interface LoopFile {
  readonly file: string;
  /** True when this call ran ffmpeg; false when the cache had it. */
  readonly generated: boolean;
}

/**
 * Returns the cached loop file of `spec`, encoding it with ffmpeg first when missing. The file is written under a
 * temporary name and renamed, so a concurrent reader (another farm) never sees half a file.
 *
 * @throws ArgusError `ARGUS_ERR_MEDIA_FFMPEG_FAILED` when ffmpeg fails.
 */
export async function ensureLoopFile(spec: LoopSpec, cacheDir: string, ffmpeg: string = ffmpegPath()): Promise<LoopFile> {
  const file = join(cacheDir, loopFileName(spec));
  if (existsSync(file)) return { file, generated: false };
  await mkdir(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    await run(ffmpeg, loopEncodeArgs(spec, partial));
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { file, generated: true };
}

/** One frame of a loop: NAL units (views of the loop's single buffer) and whether it is a keyframe. */
export interface LoopFrame {
  readonly units: readonly Uint8Array[];
  readonly keyframe: boolean;
}

function bitstream(codec: string, reason: string): ArgusError {
  return new ArgusError('ARGUS_ERR_MEDIA_BITSTREAM', { codec, reason });
}

/**
 * An encoded loop held in memory once and shared by every camera that plays it: one packed buffer of NAL units
 * (no start codes, no AUDs), frame by frame, with the parameter sets in every keyframe.
 */
export class FarmLoop {
  readonly spec: LoopSpec;
  /** The video track (id 0) described by every camera playing this loop; also the `track` of its packets. */
  readonly track: TrackInfo;
  readonly frames: readonly LoopFrame[];
  /** Bytes of NAL unit payload held. */
  readonly byteLength: number;

  private constructor(spec: LoopSpec, track: TrackInfo, frames: LoopFrame[], byteLength: number) {
    this.spec = spec;
    this.track = track;
    this.frames = frames;
    this.byteLength = byteLength;
  }

  /**
   * Reads an Annex B loop and checks that it loops cleanly: it starts with a keyframe, has a whole number of GOPs
   * of `spec.gopFrames`, and its keyframes are exactly the GOP starts.
   *
   * @throws ArgusError `ARGUS_ERR_MEDIA_BITSTREAM` when it does not, `ARGUS_ERR_MEDIA_MISSING_PARAMETER_SETS`
   *   when its first keyframe has no SPS.
   */
  static fromAnnexB(bytes: Uint8Array, spec: LoopSpec): FarmLoop {
    const { codec, gopFrames } = spec;
    const reader = new AnnexBAccessUnitReader(codec);
    const units = [...reader.process(bytes), ...reader.flush()];
    const aud = codec === 'h264' ? AUD_H264 : AUD_H265;
    const typeOf = codec === 'h264' ? (u: Uint8Array) => (u[0] as number) & 0x1f : (u: Uint8Array) => ((u[0] as number) >> 1) & 0x3f;
    const first = units[0];
    if (first === undefined || !first.keyframe) throw bitstream(codec, 'the loop does not start with a keyframe');
    if (units.length % gopFrames !== 0) throw bitstream(codec, `${units.length} frames are not a whole number of ${gopFrames}-frame GOPs`);
    const parameterSets = pickParameterSets(codec, first.units);
    const track = { ...videoTrackFromParameterSets(codec, parameterSets, 0), fps: spec.fps };

    // Pack every kept unit into one exact buffer: the reader's growth buffers are released.
    const kept: Uint8Array[][] = [];
    let total = 0;
    for (let i = 0; i < units.length; i++) {
      const au = units[i] as (typeof units)[number];
      if (au.keyframe !== (i % gopFrames === 0)) throw bitstream(codec, `frame ${i} is ${au.keyframe ? '' : 'not '}a keyframe; GOPs must be ${gopFrames} frames`);
      let nals = au.units.filter((u) => u.length > 0 && typeOf(u) !== aud);
      if (au.keyframe && pickParameterSets(codec, nals).length === 0) nals = [...parameterSets, ...nals];
      for (const nal of nals) total += nal.length;
      kept.push(nals);
    }
    const packed = new Uint8Array(total);
    let offset = 0;
    const frames: LoopFrame[] = kept.map((nals, i) => {
      const views = nals.map((nal) => {
        packed.set(nal, offset);
        offset += nal.length;
        return packed.subarray(offset - nal.length, offset);
      });
      return { units: views, keyframe: i % gopFrames === 0 };
    });
    const packedSets = (frames[0] as LoopFrame).units.filter((u) => pickParameterSets(codec, [u]).length > 0);
    return new FarmLoop(spec, { ...track, parameterSets: packedSets }, frames, total);
  }

  /** Reads and checks a loop file (see {@link FarmLoop.fromAnnexB}). */
  static async load(file: string, spec: LoopSpec): Promise<FarmLoop> {
    return FarmLoop.fromAnnexB(await readFile(file), spec);
  }
}
