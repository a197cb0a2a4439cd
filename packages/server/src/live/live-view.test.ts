import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, StreamHub, type MediaPacket, type TrackInfo } from '@argus/core';
import type { WebSocket } from 'ws';
import { streamLiveView } from './live-view.js';

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x3d, 0xa1, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x8f, 0x16, 0x2e, 0x48);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const VIDEO: TrackInfo = { id: 0, kind: 'video', codec: 'h264', timescale: 90_000, width: 640, height: 360, parameterSets: [SPS, PPS] };
const AUDIO: TrackInfo = { id: 1, kind: 'audio', codec: 'aac', timescale: 16_000 };

function frame(n: number, keyframe: boolean): MediaPacket {
  return { track: VIDEO, pts: n * 3600, keyframe, units: [Uint8Array.of(keyframe ? 0x65 : 0x41, 0x88, n & 0xff)] };
}

/** A WebSocket stand-in: records what is sent; `auto` acknowledges sends at once, else `ack()` does. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  auto = true;
  readonly sent: (string | Uint8Array)[] = [];
  readonly pending: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  send(data: string | Uint8Array, callback: (err?: Error) => void): void {
    this.sent.push(data);
    if (this.auto) callback();
    else this.pending.push(() => callback());
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
    this.emit('close');
  }

  clientGone(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

let camera: Subject<MediaPacket>;
let hub: StreamHub;
let socket: FakeSocket;
let onEnd: ReturnType<typeof vi.fn<() => void>>;

beforeEach(() => {
  vi.useFakeTimers();
  camera = new Subject<MediaPacket>();
  hub = new StreamHub({ id: 'cam-1/main', cameraId: 'cam-1', upstream: () => camera.asObservable(), reconnect: { shouldRetry: () => false } });
  socket = new FakeSocket();
  onEnd = vi.fn<() => void>();
});

afterEach(() => {
  hub.close();
  vi.useRealTimers();
});

function view(maxQueue?: number): void {
  streamLiveView(socket as unknown as WebSocket, hub, { name: 'ws:test', logger: silentLogger(), onEnd, endCheckMs: 100, ...(maxQueue === undefined ? {} : { maxQueue }) });
}

const kinds = (): string[] =>
  socket.sent.map((m) => (typeof m === 'string' ? 'text' : new TextDecoder().decode(m.subarray(4, 8))));

describe('streamLiveView', () => {
  it('sends the init message, the init segment, then one fragment per GOP, video only, from the first keyframe', async () => {
    view();
    camera.next(frame(0, false));
    camera.next({ track: AUDIO, pts: 0, keyframe: true, units: [Uint8Array.of(1, 2)] });
    for (let n = 1; n <= 7; n++) camera.next(frame(n, n % 3 === 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(socket.sent[0] as string)).toEqual({ type: 'init', mimeType: 'video/mp4; codecs="avc1.42C01E"' });
    // GOPs start at 1, 4, 7: the GOPs 1-3 and 4-6 are complete.
    expect(kinds()).toEqual(['text', 'ftyp', 'moof', 'moof']);
  });

  it('closes with 1000 when the hub ends, and 1011 with the reason when the upstream fails', async () => {
    view();
    camera.next(frame(0, true));
    await vi.advanceTimersByTimeAsync(0);
    hub.close();
    await vi.advanceTimersByTimeAsync(200);
    expect(socket.closed).toEqual({ code: 1000, reason: 'stream ended' });
    expect(onEnd).toHaveBeenCalledTimes(1);

    hub = new StreamHub({ id: 'cam-1/main', upstream: () => camera.asObservable(), reconnect: { shouldRetry: () => false } });
    socket = new FakeSocket();
    view();
    camera.next(frame(0, true));
    camera.error(new Error('camera unplugged'));
    await vi.advanceTimersByTimeAsync(200);
    expect(socket.closed).toEqual({ code: 1011, reason: 'camera unplugged' });
  });

  it('detaches from the hub when the client goes away', async () => {
    view();
    camera.next(frame(0, true));
    await vi.advanceTimersByTimeAsync(0);
    expect(hub.stats().consumers).toBe(1);
    socket.clientGone();
    expect(hub.stats().consumers).toBe(0);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(socket.closed).toBeUndefined();
  });

  it('skips to the next keyframe when the socket is slow, instead of buffering', async () => {
    view(5);
    camera.next(frame(0, true));
    camera.next(frame(1, true)); // completes GOP 0: its fragment waits for the slow socket
    await vi.advanceTimersByTimeAsync(0);
    socket.auto = false;
    for (let n = 2; n < 60; n++) camera.next(frame(n, n % 10 === 0));
    await vi.advanceTimersByTimeAsync(0);
    const [stats] = hub.stats().attached;
    expect(stats!.queued).toBeLessThanOrEqual(5);
    expect(stats!.skips).toBeGreaterThan(0);
    expect(stats!.dropped).toBeGreaterThan(0);
    for (const ack of socket.pending.splice(0)) ack();
  });
});
