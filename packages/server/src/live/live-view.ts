import { isVideoKeyframe, type ConsumerHandle, type Logger, type MediaPacket, type StreamHub, type TrackInfo } from '@argus/core';
import { Fmp4Muxer, joinChunks } from '@argus/core/media';
import type { WebSocket } from 'ws';

/** Options of {@link streamLiveView}. */
export interface LiveViewOptions {
  /** Consumer name in hub stats and logs, e.g. `ws:demo-cam-01/main:admin`. */
  name: string;
  /** Most packets waiting for the socket before the viewer skips to the next keyframe; default 100. */
  maxQueue?: number;
  /** How often the end of the hub is checked for, ms; default 1000. */
  endCheckMs?: number;
  logger: Logger;
  /** Called once when the view ends, whoever ended it. */
  onEnd?: () => void;
}

/** Packets held before the muxer can be built (a keyframe without parameter sets); bounds memory. */
const MAX_PENDING = 3_000;
/** Close reasons are limited to 123 bytes by RFC 6455. */
const MAX_REASON = 120;

function hasParameterSets(track: TrackInfo): boolean {
  return (track.parameterSets?.length ?? 0) > 0;
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return Buffer.byteLength(message) <= MAX_REASON ? message : `${Buffer.from(message).subarray(0, MAX_REASON - 3).toString()}...`;
}

/**
 * Streams a hub to a WebSocket as fragmented MP4: a text message `{"type":"init","mimeType":...}`, a binary message
 * with the init segment, then one binary message per fragment (one per GOP). The video track only.
 *
 * The socket is an attached `live` consumer of the hub: each fragment's send is awaited, so a slow socket makes the
 * hub's live queue skip to the next keyframe instead of buffering without bound. The view closes with 1000 when the
 * hub ends, 1011 (reason: the error message) when it fails, and detaches when the client goes away.
 *
 * @example
 * ```ts
 * streamLiveView(socket, kernel.streams.hub('cam-1'), { name: 'ws:cam-1', logger });
 * ```
 */
export function streamLiveView(socket: WebSocket, hub: StreamHub, options: LiveViewOptions): void {
  let muxer: Fmp4Muxer | undefined;
  let track: TrackInfo | undefined;
  let pending: MediaPacket[] = [];
  let ended = false;
  let handle: ConsumerHandle | undefined;

  const end = (code: number | undefined, reason = ''): void => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    handle?.detach();
    if (code !== undefined && socket.readyState === socket.OPEN) socket.close(code, reason);
    options.onEnd?.();
  };

  const send = (data: string | Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(data, (err) => (err === undefined || err === null ? resolve() : reject(err)));
    });

  const start = async (key: MediaPacket): Promise<void> => {
    track = key.track;
    muxer = new Fmp4Muxer([track]);
    await send(JSON.stringify({ type: 'init', mimeType: muxer.mimeType }));
    await send(muxer.initSegment());
    const held = pending.splice(pending.indexOf(key));
    pending = [];
    for (const packet of held) await deliver(packet);
  };

  const deliver = async (packet: MediaPacket): Promise<void> => {
    if (muxer === undefined || packet.track.id !== track?.id) return;
    for (const fragment of muxer.process(packet)) await send(joinChunks(fragment.chunks));
  };

  const sink = (packet: MediaPacket): void | Promise<void> => {
    if (ended) return;
    if (muxer !== undefined) return deliver(packet);
    if (packet.track.kind !== 'video') return;
    if (pending.length >= MAX_PENDING) pending = [];
    pending.push(packet);
    if (isVideoKeyframe(packet) && hasParameterSets(packet.track)) return start(packet);
  };

  // The hub completes attached consumers without a callback: a detached handle we did not detach means it ended.
  const timer = setInterval(() => {
    if (!ended && handle?.stats().state === 'detached') end(1000, 'stream ended');
  }, options.endCheckMs ?? 1000);
  socket.on('close', () => end(undefined));
  socket.on('error', (err) => {
    options.logger.debug({ err, viewer: options.name }, 'live view socket error');
    end(undefined);
  });
  try {
    handle = hub.attach({
      kind: 'live',
      name: options.name,
      sink,
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
      onError: (err) => end(1011, reasonOf(err)),
    });
  } catch (err) {
    end(1011, reasonOf(err));
  }
}
