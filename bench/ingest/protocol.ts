// Messages between bench/ingest/run.ts and its worker processes (Node IPC channel), and how workers are started.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The farm's shape: what every camera serves (shared by all cameras, so they share one loop). */
export interface FarmProfile {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  gopSeconds: number;
  loopSeconds: number;
}

/** Parent to farm worker. */
export type FarmRequest = { type: 'start'; cameras: number; profile: FarmProfile } | { type: 'usage'; tag: number } | { type: 'close' };

/** Farm worker to parent. */
export type FarmReply =
  | { type: 'ready'; port: number; ids: string[]; loopsGenerated: number }
  | { type: 'usage'; tag: number; usage: ProcessUsage; framesSent: number; skipped: number }
  | { type: 'failed'; error: string };

/** A process's own CPU time and resident memory at one instant. */
export interface ProcessUsage {
  /** user + system CPU, microseconds since the process started. */
  cpuMicros: number;
  rss: number;
}

/** Parent to native worker. */
export interface NativeRequest {
  type: 'start';
  urls: string[];
  fps: number;
  dir: string;
  warmupMs: number;
  windowMs: number;
  /** Delay between opening two sessions. */
  staggerMs: number;
  /** How long to wait for every session to deliver its first keyframe. */
  startTimeoutMs: number;
  /** Only receive: RtspClient sessions that count RTP bytes, with no depacketizing, muxing or writing. */
  receiveOnly?: boolean;
}

/** What the native worker measured. */
export interface NativeResult {
  sessions: number;
  /** Sessions that got a keyframe and were recording when the window began. */
  playing: number;
  /** Sessions that errored or ended, with the first error message seen. */
  failed: number;
  firstError?: string;
  /** RSS of the worker before opening any session (modules loaded, after a GC). */
  baseRss: number;
  /** RSS samples during the window. */
  rssSamples: number[];
  cpuMicros: number;
  /** Of which in the kernel. */
  systemMicros: number;
  windowMs: number;
  /** Video frames received during the window, summed over sessions. */
  windowFrames: number;
  /** Frames missing from pts continuity (gaps) over the whole recording, summed over sessions. */
  framesLost: number;
  /** Frames recorded (whole recording, from the first keyframe), summed over sessions. */
  framesRecorded: number;
  /** RTP packets the receivers counted as lost over the whole session, summed. */
  rtpLost: number;
  bytesWritten: number;
}

/** Native worker to parent. */
export type NativeReply = { type: 'window-start' } | { type: 'window-end' } | { type: 'result'; result: NativeResult } | { type: 'failed'; error: string };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts `bench/ingest/<script>` in its own Node process with the repository's TypeScript setup (tsx loader,
 * `@argus/source` condition) and an IPC channel. One process, no wrapper, so its CPU and memory are its own.
 */
export function startWorker(script: string, extraNodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...extraNodeArgs, '--import', 'tsx', '--conditions=@argus/source', fileURLToPath(new URL(script, import.meta.url))], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.tools.json' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the next IPC message of `child` that `accept` takes, or rejects on exit or after `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, accept: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      if (!accept(message as T)) return;
      done();
      resolve(message as T);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new Error(`${what}: worker exited (code ${code}, signal ${signal})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
