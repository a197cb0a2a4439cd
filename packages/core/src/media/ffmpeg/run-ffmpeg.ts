import type { ChildProcess } from 'node:child_process';
import { Writable, type Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { errorMessage } from '../../errors/error-message.js';
import { ffmpegPath, ffprobePath } from './binaries.js';

/** How an ffmpeg run ended when it did not end cleanly. */
export interface FfmpegExit {
  /** fluent-ffmpeg's message (exit code or signal). */
  readonly message: string;
  /** The last stderr lines, raw (callers redact). */
  readonly stderr: string;
  readonly cause: unknown;
}

/** What {@link runFfmpeg} needs. */
export interface RunFfmpegOptions {
  /** A URL or path, or a stream written to ffmpeg's stdin. */
  readonly input: string | Readable;
  readonly inputOptions: readonly string[];
  readonly outputOptions: readonly string[];
  /** Called with every stdout chunk; a throw stops ffmpeg and is reported by `onExit`. */
  onData(chunk: Buffer): void;
  /** Called once when ffmpeg has exited and stdout is drained; never after `stop()`. */
  onExit(failure: FfmpegExit | undefined): void;
  /** Called when the process is spawned. */
  onSpawn?(pid: number | undefined, commandLine: string): void;
  /** Milliseconds between SIGTERM and SIGKILL on `stop()`. Default 2000. */
  readonly killGraceMs?: number;
}

/** A running (or starting) ffmpeg process. */
export interface FfmpegRun {
  /** The process id once spawned. */
  readonly pid: number | undefined;
  /** Stops ffmpeg: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stop(): void;
}

const NETWORK_URL = /^(https?|rtmps?|rtmpt|srt|rtsp|udp|tcp):\/\//i;

/** True for inputs read over the network (as opposed to local files and pipes). */
export function isNetworkInput(input: string): boolean {
  return NETWORK_URL.test(input);
}

/** Input options shared by the source and the probe: I/O timeout and low-latency buffering for network inputs. */
export function networkInputOptions(input: string, timeoutMs: number): string[] {
  if (!isNetworkInput(input)) return [];
  // rw_timeout is in microseconds and understood by every protocol in both the 2018 and current ffmpeg.
  return ['-rw_timeout', String(Math.round(timeoutMs * 1000))];
}

const STDERR_RING_LINES = 40;

/**
 * Runs one ffmpeg through fluent-ffmpeg with the configured binary (set per command, never globally), streaming
 * stdout to `onData`. The single place that spawns and kills ffmpeg, so no caller can leak a process.
 */
export function runFfmpeg(options: RunFfmpegOptions): FfmpegRun {
  const { killGraceMs = 2000 } = options;
  let proc: ChildProcess | undefined;
  let stopped = false;
  let exited = false;
  let stdoutDone = false;
  let ended: FfmpegExit | 'clean' | undefined;
  let reported = false;

  const report = (failure: FfmpegExit | undefined): void => {
    if (reported || stopped) return;
    reported = true;
    options.onExit(failure);
  };
  const maybeComplete = (): void => {
    if (ended === 'clean' && stdoutDone) report(undefined);
  };

  const sink = new Writable({
    emitClose: false,
    autoDestroy: false,
    write(chunk: Buffer, _encoding, callback) {
      if (stopped || reported) {
        callback();
        return;
      }
      try {
        options.onData(chunk);
      } catch (err) {
        report({ message: errorMessage(err), stderr: '', cause: err });
        kill();
      }
      callback();
    },
    final(callback) {
      stdoutDone = true;
      maybeComplete();
      callback();
    },
  });

  const command = ffmpeg({ stdoutLines: STDERR_RING_LINES })
    .setFfmpegPath(ffmpegPath())
    .setFfprobePath(ffprobePath())
    .input(options.input)
    .inputOptions(['-hide_banner', '-nostats', '-loglevel', 'error', ...options.inputOptions])
    .outputOptions([...options.outputOptions]);

  command.on('start', (commandLine: string) => {
    proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
    proc?.once('exit', () => {
      exited = true;
    });
    if (stopped) kill();
    else options.onSpawn?.(proc?.pid, commandLine);
  });
  command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
    ended = { message: err.message, stderr: stderr ?? '', cause: err };
    report(ended);
  });
  command.on('end', () => {
    ended = 'clean';
    maybeComplete();
  });

  function kill(): void {
    const child = proc;
    if (child === undefined || exited || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, killGraceMs);
    child.once('exit', () => clearTimeout(timer));
  }

  command.pipe(sink, { end: true });

  return {
    get pid() {
      return proc?.pid;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (typeof options.input !== 'string') options.input.unpipe();
      kill();
    },
  };
}

/** Minimal ffprobe result shape used here (fluent-ffmpeg's `FfprobeData`). */
export type FfprobeData = ffmpeg.FfprobeData;

/** Runs ffprobe (configured binary) on `input` with extra options; resolves the parsed report. */
export function runFfprobe(input: string, extraOptions: readonly string[]): Promise<FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg(input)
      .setFfprobePath(ffprobePath())
      .ffprobe(0, ['-hide_banner', '-v', 'error', ...extraOptions], (err: unknown, data: FfprobeData) => {
        if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(data);
      });
  });
}
