import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, take, toArray, type Observable } from 'rxjs';
import type { MediaPacket } from '@argus/core';
import { ffprobePath } from '@argus/core/media';

const run = promisify(execFile);

/** What ffprobe decoded from a file. */
export interface Decoded {
  codec: string;
  width: number;
  height: number;
  frames: number;
}

/** Decodes `bytes` with ffprobe (`-count_frames`), forcing the input format when given. */
export async function ffprobeDecode(bytes: Uint8Array, format?: string): Promise<Decoded> {
  const dir = await mkdtemp(join(tmpdir(), 'argus-mjpeg-test-'));
  const file = join(dir, 'input.bin');
  try {
    await writeFile(file, bytes);
    const { stdout } = await run(ffprobePath(), [
      '-v', 'error',
      ...(format === undefined ? [] : ['-f', format]),
      '-count_frames', '-select_streams', 'v:0',
      '-show_entries', 'stream=codec_name,width,height,nb_read_frames',
      '-of', 'json', file,
    ]);
    const stream = (JSON.parse(stdout) as { streams?: Record<string, unknown>[] }).streams?.[0] ?? {};
    return { codec: String(stream['codec_name']), width: Number(stream['width']), height: Number(stream['height']), frames: Number(stream['nb_read_frames']) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** H.264 packets as an Annex B elementary stream, parameter sets of the track written before the first frame. */
export function annexB(packets: readonly MediaPacket[]): Uint8Array {
  const start = [0, 0, 0, 1];
  const bytes: number[] = [];
  for (const unit of packets[0]?.track.parameterSets ?? []) bytes.push(...start, ...unit);
  for (const packet of packets) for (const unit of packet.units) bytes.push(...start, ...unit);
  return Uint8Array.from(bytes);
}

/** The first `count` packets of a live stream (unsubscribing afterwards). */
export function firstPackets(packets$: Observable<MediaPacket>, count: number): Promise<MediaPacket[]> {
  return firstValueFrom(packets$.pipe(take(count), toArray()));
}

/** The error a stream fails with (rejects when it completes or emits nothing but ends). */
export function streamError(packets$: Observable<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    packets$.subscribe({ error: resolve, complete: () => reject(new Error('the stream completed instead of failing')) });
  });
}

/** The error `promise` rejects with (throws when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}
