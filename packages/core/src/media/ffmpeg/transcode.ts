import { PassThrough } from 'node:stream';
import { Observable, type OperatorFunction } from 'rxjs';
import { hasErrorCode } from '../../errors/argus-error.js';
import { silentLogger, type Logger } from '../../logging/logger.js';
import type { MediaPacket, TrackInfo } from '../../stream/media-packet.js';
import { h264EncodeOptions } from './ffmpeg-source.js';
import { ffmpegFailure } from './ffmpeg-errors.js';
import { FlvDemuxer } from './flv-demuxer.js';
import { runFfmpeg } from './run-ffmpeg.js';
import { toAnnexB } from './snapshot.js';

/** Options of {@link transcodeToH264}. */
export interface TranscodeOptions {
  /** Keyframe interval of the output in frames. Default 50. */
  gop?: number;
  /** Packets held while ffmpeg's stdin is full; beyond it input is dropped up to the next keyframe. Default 250. */
  maxQueuedPackets?: number;
  /** Milliseconds between SIGTERM and SIGKILL at teardown. Default 2000. */
  killGraceMs?: number;
  logger?: Logger;
}

/**
 * An RxJS operator that transcodes H.265 video packets to H.264 with one ffmpeg per subscription, for clients
 * that cannot play H.265. One output frame per input frame (`-vsync 0`, no B-frames) so each output takes the
 * pts of its input (a FIFO of input timestamps). Input starts at the first keyframe; when ffmpeg's stdin stays
 * full, input is dropped up to the next keyframe rather than slowing the camera. Non-video packets are ignored.
 *
 * @example
 * ```ts
 * const h264$ = h265$.pipe(transcodeToH264({ gop: 50 }));
 * ```
 */
export function transcodeToH264(options: TranscodeOptions = {}): OperatorFunction<MediaPacket, MediaPacket> {
  const { gop = 50, maxQueuedPackets = 250, logger = silentLogger() } = options;
  if (!Number.isInteger(gop) || gop <= 0) throw new RangeError('gop must be a positive integer');
  if (!Number.isInteger(maxQueuedPackets) || maxQueuedPackets <= 0) throw new RangeError('maxQueuedPackets must be a positive integer');

  return (source$) =>
    new Observable<MediaPacket>((subscriber) => {
      const stdin = new PassThrough();
      const demuxer = new FlvDemuxer();
      const ptsFifo: number[] = [];
      const queue: Uint8Array[] = [];
      let inputTrack: TrackInfo | undefined;
      let sentParameterSetsOf: TrackInfo | undefined;
      let started = false;
      let dropping = false;
      let waitingForDrain = false;
      let inputDone = false;
      let demuxedTrack: TrackInfo | undefined;
      let outputTrack: TrackInfo | undefined;
      let dropped = 0;

      const flushQueue = (): void => {
        while (queue.length > 0 && !waitingForDrain) {
          if (!stdin.write(queue.shift())) waitingForDrain = true;
        }
        if (queue.length === 0 && !waitingForDrain && inputDone) stdin.end();
      };
      stdin.on('drain', () => {
        waitingForDrain = false;
        flushQueue();
      });

      const run = runFfmpeg({
        input: stdin,
        inputOptions: ['-f', 'hevc'],
        outputOptions: ['-map', '0:v:0', '-vsync', '0', ...h264EncodeOptions(gop), '-an', '-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1'],
        ...(options.killGraceMs !== undefined && { killGraceMs: options.killGraceMs }),
        onData(chunk) {
          for (const packet of demuxer.process(chunk)) {
            if (packet.track.kind !== 'video') continue;
            const pts = ptsFifo.shift() ?? packet.pts;
            subscriber.next({ track: trackFor(packet.track), pts, dts: pts, keyframe: packet.keyframe, units: packet.units });
          }
        },
        onExit(failure) {
          if (failure === undefined) {
            subscriber.complete();
            return;
          }
          subscriber.error(hasErrorCode(failure.cause) ? failure.cause : ffmpegFailure('transcoder', failure.stderr, failure.message, failure.cause));
        },
      });

      function trackFor(demuxed: TrackInfo): TrackInfo {
        if (demuxed !== demuxedTrack || outputTrack === undefined) {
          demuxedTrack = demuxed;
          const source = inputTrack;
          outputTrack = {
            ...demuxed,
            id: source?.id ?? demuxed.id,
            timescale: source?.timescale ?? demuxed.timescale,
            ...(source?.fps !== undefined && { fps: source.fps }),
          };
        }
        return outputTrack;
      }

      const subscription = source$.subscribe({
        next(packet) {
          if (packet.track.kind !== 'video') return;
          if (!started && !packet.keyframe) return;
          if (dropping && !packet.keyframe) {
            dropped++;
            return;
          }
          if (queue.length >= maxQueuedPackets) {
            dropping = true;
            dropped++;
            logger.warn({ dropped }, 'transcoder input full; dropping to the next keyframe');
            return;
          }
          dropping = false;
          started = true;
          inputTrack = packet.track;
          const units: Uint8Array[] = [];
          if (packet.keyframe && sentParameterSetsOf !== packet.track && packet.track.parameterSets !== undefined) {
            units.push(...packet.track.parameterSets);
            sentParameterSetsOf = packet.track;
          }
          units.push(...packet.units);
          ptsFifo.push(packet.pts);
          queue.push(toAnnexB(units));
          flushQueue();
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          inputDone = true;
          if (!started) {
            run.stop();
            subscriber.complete();
            return;
          }
          flushQueue();
        },
      });

      return () => {
        subscription.unsubscribe();
        run.stop();
      };
    });
}
