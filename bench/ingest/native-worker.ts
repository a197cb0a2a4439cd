// The native side of bench/ingest: N RTSP sessions (TCP) through rtspSource, each muxed into fMP4 by Fmp4Muxer and
// written to one file per camera. All of it runs in this one process, whose CPU and RSS are what the bench charges
// to the native path. Driven over IPC: the parent sends the URLs, this worker reports when the window starts and ends,
// then its figures.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Fmp4Muxer, RtspClient, rtspSource, type RtspSourceObservable } from '@argus/core/media';
import type { MediaPacket } from '@argus/core';
import type { Subscription } from 'rxjs';
import type { NativeReply, NativeRequest, NativeResult } from './protocol.js';

/** One camera's recording and counters. */
class Recording {
  readonly source$: RtspSourceObservable;
  subscription: Subscription | undefined;
  muxer: Fmp4Muxer | undefined;
  readonly out: WriteStream;
  bytes = 0;
  frames = 0;
  windowFrames = 0;
  lost = 0;
  lastPts = -1;
  error: string | undefined;
  ended = false;
  counting = false;

  constructor(
    url: string,
    file: string,
    readonly frameTicks: (timescale: number) => number,
  ) {
    this.source$ = rtspSource({ url, transport: 'tcp', audio: false });
    this.out = createWriteStream(file);
  }

  open(): void {
    this.subscription = this.source$.subscribe({
      next: (packet) => this.#accept(packet),
      error: (err: unknown) => {
        this.error ??= err instanceof Error ? err.message : String(err);
      },
      complete: () => {
        this.ended = true;
      },
    });
  }

  #accept(packet: MediaPacket): void {
    if (packet.track.kind !== 'video') return;
    if (this.muxer === undefined) {
      if (!packet.keyframe || (packet.track.parameterSets?.length ?? 0) === 0) return;
      this.muxer = new Fmp4Muxer([packet.track]);
      this.#write(this.muxer.initSegment());
    }
    for (const fragment of this.muxer.process(packet)) for (const chunk of fragment.chunks) this.#write(chunk);
    this.frames += 1;
    if (this.counting) this.windowFrames += 1;
    if (this.lastPts >= 0) {
      const missing = Math.round((packet.pts - this.lastPts) / this.frameTicks(packet.track.timescale)) - 1;
      if (missing > 0) this.lost += missing;
    }
    this.lastPts = packet.pts;
  }

  #write(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    this.out.write(chunk);
  }

  rtpLost(): number {
    return this.source$.stats().tracks[0]?.receiver.lost ?? 0;
  }

  /** Stops the session, writes the held-back frames and closes the file. */
  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    if (this.muxer !== undefined) for (const fragment of this.muxer.flush()) for (const chunk of fragment.chunks) this.#write(chunk);
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

/**
 * A receive-only session: the RTSP client with its interleaved framing, nothing after it. What the native path costs
 * before depacketizing, muxing and writing: the part of its CPU that no later stage can remove.
 */
class Reception {
  readonly #client: RtspClient;
  muxer: object | undefined; // set once media flows, as Recording's muxer is
  error: string | undefined;
  ended = false;
  counting = false;
  frames = 0;
  windowFrames = 0;
  lost = 0;
  bytes = 0;

  constructor(url: string) {
    this.#client = new RtspClient({
      url,
      onPacket: (packet) => {
        if (packet.kind !== 'rtp') return;
        this.muxer ??= {};
        // The RTP marker bit ends a frame.
        if (((packet.data[1] ?? 0) & 0x80) !== 0) {
          this.frames += 1;
          if (this.counting) this.windowFrames += 1;
        }
      },
    });
  }

  open(): void {
    const start = async (): Promise<void> => {
      const description = await this.#client.describe();
      const video = description.tracks.find((t) => t.type === 'video');
      if (video === undefined) throw new Error('no video track');
      await this.#client.setup(video, 'tcp');
      await this.#client.play();
    };
    start().catch((err: unknown) => {
      this.error ??= err instanceof Error ? err.message : String(err);
    });
  }

  rtpLost(): number {
    return 0;
  }

  async close(): Promise<void> {
    await this.#client.close().catch(() => undefined);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function reply(message: NativeReply): void {
  process.send?.(message);
}

async function run(request: NativeRequest): Promise<NativeResult> {
  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  const frameTicks = (timescale: number): number => timescale / request.fps;
  const recordings: (Recording | Reception)[] = request.urls.map((url, i) =>
    request.receiveOnly === true ? new Reception(url) : new Recording(url, join(request.dir, `native-${String(i + 1).padStart(3, '0')}.mp4`), frameTicks),
  );
  for (const recording of recordings) {
    recording.open();
    await sleep(request.staggerMs);
  }
  const deadline = Date.now() + request.startTimeoutMs;
  while (Date.now() < deadline && recordings.some((r) => r.muxer === undefined && r.error === undefined && !r.ended)) await sleep(100);
  await sleep(request.warmupMs);

  const playing = recordings.filter((r) => r.muxer !== undefined && r.error === undefined && !r.ended).length;
  reply({ type: 'window-start' });
  const rssSamples: number[] = [];
  const start = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (const recording of recordings) recording.counting = true;
  const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 500);
  await sleep(request.windowMs);
  clearInterval(sampler);
  for (const recording of recordings) recording.counting = false;
  const cpu = process.cpuUsage(start);
  const windowMs = Number(process.hrtime.bigint() - started) / 1e6;
  reply({ type: 'window-end' });

  let rtpLost = 0;
  for (const recording of recordings) rtpLost += recording.rtpLost();
  await Promise.all(recordings.map((r) => r.close()));
  const failedOnes = recordings.filter((r) => r.error !== undefined || r.ended);
  let windowFrames = 0;
  let framesLost = 0;
  let framesRecorded = 0;
  let bytesWritten = 0;
  for (const r of recordings) {
    windowFrames += r.windowFrames;
    framesLost += r.lost;
    framesRecorded += r.frames;
    bytesWritten += r.bytes;
  }
  const firstError = failedOnes.find((r) => r.error !== undefined)?.error;
  return {
    sessions: recordings.length,
    playing,
    failed: failedOnes.length,
    ...(firstError === undefined ? {} : { firstError }),
    baseRss,
    rssSamples,
    cpuMicros: cpu.user + cpu.system,
    systemMicros: cpu.system,
    windowMs,
    windowFrames,
    framesLost,
    framesRecorded,
    rtpLost,
    bytesWritten,
  };
}

process.once('message', (request: NativeRequest) => {
  run(request)
    .then((result): NativeReply => ({ type: 'result', result }))
    .catch((err: unknown): NativeReply => ({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
    // Leave only once the last message is out.
    .then((last) => process.send?.(last, () => process.disconnect()));
});
process.on('disconnect', () => process.exit(0));
