import { PassThrough } from 'node:stream';
import { ArgusError } from '../../errors/argus-error.js';
import { isJpeg } from '../codec/jpeg.js';
import { lastStderrLines } from './ffmpeg-errors.js';
import { runFfmpeg } from './run-ffmpeg.js';

/** A keyframe access unit to turn into a JPEG. */
export interface SnapshotFrame {
  codec: 'h264' | 'h265';
  /** NAL units of one keyframe access unit, without start codes. */
  units: readonly Uint8Array[];
  /** VPS/SPS/PPS written before the units (from `TrackInfo.parameterSets`). */
  parameterSets?: readonly Uint8Array[];
}

/** Options of {@link snapshotJpeg}. */
export interface SnapshotOptions {
  /** Output width in pixels (height keeps the aspect ratio); default the source size. */
  width?: number;
  /** JPEG quality 1..100 (mapped to ffmpeg's qscale). Default 80. */
  quality?: number;
  /** Upper bound of the ffmpeg run. Default 10 000 ms. */
  timeoutMs?: number;
}

const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** Joins NAL units into one Annex B buffer (start codes added). */
export function toAnnexB(units: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const unit of units) total += START_CODE.byteLength + unit.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const unit of units) {
    out.set(START_CODE, offset);
    out.set(unit, offset + START_CODE.byteLength);
    offset += START_CODE.byteLength + unit.byteLength;
  }
  return out;
}

/**
 * Decodes one H.264/H.265 keyframe with ffmpeg into a JPEG (the `snapshot` capability of cameras that have no
 * snapshot URL, and thumbnails of recordings). Rejects with `ARGUS_ERR_MEDIA_DECODE_FAILED` when ffmpeg cannot
 * decode a picture from the bytes.
 *
 * @example
 * ```ts
 * const jpeg = await snapshotJpeg({ codec: 'h264', units: packet.units, parameterSets: packet.track.parameterSets }, { width: 640 });
 * ```
 */
export function snapshotJpeg(frame: SnapshotFrame, options: SnapshotOptions = {}): Promise<Uint8Array> {
  const { quality = 80, timeoutMs = 10_000 } = options;
  if (frame.codec !== 'h264' && frame.codec !== 'h265') throw new TypeError(`Unsupported snapshot codec ${String(frame.codec)}`);
  if (frame.units.length === 0) throw new RangeError('A snapshot needs at least one NAL unit');
  if (!(quality >= 1 && quality <= 100)) throw new RangeError('quality must be within 1..100');
  if (options.width !== undefined && !(Number.isInteger(options.width) && options.width > 0)) {
    throw new RangeError('width must be a positive integer');
  }
  const qscale = Math.round(31 - ((quality - 1) / 99) * 29);
  const annexB = toAnnexB([...(frame.parameterSets ?? []), ...frame.units]);
  const stdin = new PassThrough();
  const chunks: Buffer[] = [];
  let bytes = 0;

  return new Promise<Uint8Array>((resolve, reject) => {
    const fail = (reason: string, stderr?: string): void => {
      const lines = lastStderrLines(stderr);
      reject(new ArgusError('ARGUS_ERR_MEDIA_DECODE_FAILED', { codec: frame.codec, reason: lines.length > 0 ? lines.slice(-3).join(' | ') : reason, stderr: lines }));
    };
    const run = runFfmpeg({
      input: stdin,
      inputOptions: ['-f', frame.codec === 'h264' ? 'h264' : 'hevc'],
      outputOptions: [
        '-frames:v', '1',
        ...(options.width === undefined ? [] : ['-vf', `scale=${options.width}:-2`]),
        '-q:v', String(qscale),
        '-c:v', 'mjpeg',
        '-f', 'image2pipe',
      ],
      onData(chunk) {
        bytes += chunk.byteLength;
        chunks.push(chunk);
      },
      onExit(failure) {
        clearTimeout(timer);
        if (failure !== undefined) {
          fail(failure.message, failure.stderr);
          return;
        }
        const jpeg = new Uint8Array(Buffer.concat(chunks, bytes));
        if (isJpeg(jpeg)) resolve(jpeg);
        else fail('ffmpeg decoded no picture');
      },
    });
    const timer = setTimeout(() => {
      run.stop();
      fail(`no picture within ${timeoutMs} ms`);
    }, timeoutMs);
    stdin.end(annexB);
  });
}
