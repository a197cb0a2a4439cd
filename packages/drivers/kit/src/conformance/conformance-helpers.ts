import { spawn } from 'node:child_process';
import { Subscription, type Observable } from 'rxjs';
import { hasErrorCode, type ErrorCode, type MediaPacket } from '@argus/core';
import { ffprobePath } from '@argus/core/media';

/** Error codes that count as "a typed protocol error": a reply that is not what the protocol says. */
export const PROTOCOL_ERROR_CODES: readonly ErrorCode[] = [
  'ARGUS_ERR_DRIVER_PROTOCOL',
  'ARGUS_ERR_RTSP_MALFORMED',
  'ARGUS_ERR_SDP_MALFORMED',
];

/** Sleeps `ms` (real time). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves or rejects like `promise`, or rejects with a clear message when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `condition` until it is true; rejects after `ms` with `what` in the message. `condition` may throw to
 * fail at once (an observable that errored).
 */
export async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Describes an error for assertion messages: its code and message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}`;
  }
  return String(err);
}

/**
 * Awaits `promise` and asserts that it rejected with one of `codes` within `ms`. A value it resolved to is passed
 * to `dispose` (a session that should not have opened) before the assertion fails.
 */
export async function expectRejection<T>(
  promise: Promise<T>,
  codes: readonly ErrorCode[],
  ms: number,
  what: string,
  dispose: (value: T) => Promise<void> | void = () => undefined,
): Promise<unknown> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await within(promise, ms, what) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) {
    await dispose(outcome.value);
    throw new Error(`${what} succeeded; expected an error with code ${codes.join(' or ')}`);
  }
  if (!codes.some((code) => hasErrorCode(outcome.error, code))) {
    throw new Error(`${what} failed with ${describeError(outcome.error)}; expected an error with code ${codes.join(' or ')}`, { cause: outcome.error });
  }
  return outcome.error;
}

/**
 * Subscribes to `packets$` and collects video packets until `count` arrived; rejects when the stream errors,
 * completes early, or `ms` passes. Always unsubscribes.
 */
export function collectVideo(packets$: Observable<MediaPacket>, count: number, ms: number, what: string): Promise<MediaPacket[]> {
  return new Promise((resolve, reject) => {
    const packets: MediaPacket[] = [];
    // A container, so a stream that ends synchronously inside subscribe() is still torn down.
    const subscription = new Subscription();
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subscription.unsubscribe();
      if (error === undefined) resolve(packets);
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`${what}: only ${packets.length} of ${count} video frames within ${ms} ms`)), ms);
    subscription.add(
      packets$.subscribe({
      next: (packet) => {
        if (packet.track.kind !== 'video') return;
        packets.push(packet);
        if (packets.length >= count) finish();
      },
      error: (err: unknown) => finish(new Error(`${what}: the stream failed after ${packets.length} frames: ${describeError(err)}`, { cause: err })),
      complete: () => finish(new Error(`${what}: the stream ended after ${packets.length} of ${count} frames`)),
      }),
    );
  });
}

/** What ffprobe found in an image. */
export interface ProbedImage {
  /** ffprobe's codec name (`mjpeg` for a JPEG). */
  readonly codec: string;
  /** Picture width. */
  readonly width: number;
  /** Picture height. */
  readonly height: number;
  /** Frames ffprobe decoded. */
  readonly frames: number;
}

/** Decodes an image with ffprobe (fed on stdin); rejects when ffprobe cannot. */
export function probeImage(data: Uint8Array, timeoutMs = 15_000): Promise<ProbedImage> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffprobePath(),
      ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', '-i', 'pipe:0'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (code !== 0) {
        reject(new Error(`ffprobe could not decode the image (exit ${String(code)}): ${stderr}`));
        return;
      }
      try {
        const parsed = JSON.parse(Buffer.concat(out).toString('utf8')) as { streams?: { codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[] };
        const stream = parsed.streams?.[0];
        if (stream === undefined) throw new Error('no stream');
        resolve({ codec: stream.codec_name ?? '', width: stream.width ?? 0, height: stream.height ?? 0, frames: Number(stream.nb_read_frames ?? 0) });
      } catch (e) {
        reject(new Error(`ffprobe gave no usable answer: ${(e as Error).message}; ${stderr}`));
      }
    });
    child.stdin.end(data);
  });
}
