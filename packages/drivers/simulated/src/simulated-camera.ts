import { Observable, type Subscriber } from 'rxjs';
import type { Clock, MediaPacket, TrackInfo } from '@argus/core';
import type { RtspMountSource } from '@argus/core/media';
import type { FarmLoop } from './farm-loop.js';
import type { FarmTicker, Tickable } from './farm-ticker.js';

/** What a simulated camera is doing. */
export type FarmCameraState = 'running' | 'stalled' | 'down';

/** Where a camera's timeline sits relative to the farm clock, so cameras do not all send the same frame at once. */
export interface CameraPhase {
  /** Frames the timeline is ahead at the farm epoch. */
  readonly frames: number;
  /** Fraction of a frame period, in [0, 1), that shifts the frame boundaries. */
  readonly fraction: number;
}

/** A stable phase from the camera id (FNV-1a), spread over the loop. */
export function phaseOf(id: string, loopFrames: number): CameraPhase {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return { frames: hash % loopFrames, fraction: ((hash >>> 16) % 1000) / 1000 };
}

/**
 * One simulated camera: an {@link RtspMountSource} playing a shared {@link FarmLoop} on a timeline that is a pure
 * function of the farm clock, so it "runs" whether watched or not and costs nothing while nobody watches.
 *
 * Frame `n` of the timeline is loop frame `n % frames` with `pts = n * 90000 / fps`, so timestamps keep growing
 * across loops. A new viewer starts at the current GOP's keyframe, then gets live frames from the farm's ticker.
 */
export class SimulatedCamera implements RtspMountSource, Tickable {
  readonly id: string;
  readonly loop: FarmLoop;
  readonly #clock: Clock;
  readonly #ticker: FarmTicker;
  readonly #epoch: number;
  readonly #phase: CameraPhase;
  readonly #fps: number;
  readonly #track: TrackInfo;
  readonly #gop: number;
  readonly #loopFrames: number;
  /** Copy-on-write, so a viewer leaving while frames are delivered does not disturb the loop over them. */
  #viewers: readonly Subscriber<MediaPacket>[] = [];
  /** Next timeline frame to deliver to live viewers. */
  #cursor = 0;
  #needKeyframe = false;
  #stalledUntil = 0;
  #down = false;
  #framesSent = 0;

  constructor(id: string, loop: FarmLoop, clock: Clock, ticker: FarmTicker, epoch: number, phase: CameraPhase = phaseOf(id, loop.frames.length)) {
    this.id = id;
    this.loop = loop;
    this.#clock = clock;
    this.#ticker = ticker;
    this.#epoch = epoch;
    this.#phase = phase;
    this.#fps = loop.spec.fps;
    this.#track = loop.track;
    this.#gop = loop.spec.gopFrames;
    this.#loopFrames = loop.frames.length;
  }

  /** The single video track of the loop. */
  describe(): Promise<readonly TrackInfo[]> {
    return Promise.resolve([this.#track]);
  }

  /** Packets for one viewer: the current GOP from its keyframe, then live frames until unsubscribed. */
  packets$(): Observable<MediaPacket> {
    return new Observable<MediaPacket>((subscriber) => {
      this.#join(subscriber);
      return () => this.#leave(subscriber);
    });
  }

  /** The timeline frame due at `now` (the last one whose time has come). */
  frameAt(now: number): number {
    return Math.max(0, Math.floor(((now - this.#epoch) * this.#fps) / 1000 + this.#phase.fraction) + this.#phase.frames);
  }

  /** The packet of timeline frame `n`. */
  packetAt(n: number): MediaPacket {
    const frame = this.loop.frames[n % this.#loopFrames] as (typeof this.loop.frames)[number];
    return {
      track: this.#track,
      pts: Math.round((n * 90_000) / this.#fps),
      keyframe: frame.keyframe,
      units: frame.units,
      wallClock: this.#epoch + ((n - this.#phase.frames - this.#phase.fraction) * 1000) / this.#fps,
    };
  }

  /** Sends nothing for `ms`, keeping viewers subscribed; then resumes at a keyframe. */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`stall duration must be non-negative, got ${ms}`);
    this.#stalledUntil = this.#clock.now() + ms;
  }

  /** Marks the camera down or up (the farm unmounts it meanwhile); down ends every viewer. */
  setDown(down: boolean): void {
    this.#down = down;
    if (down) this.complete();
  }

  /** Completes every viewer. */
  complete(): void {
    const viewers = this.#viewers;
    this.#viewers = [];
    this.#ticker.deactivate(this);
    for (const viewer of viewers) viewer.complete();
  }

  /** State, viewers and frames sent (summed over viewers). */
  toJSON(): { id: string; state: FarmCameraState; clients: number; framesSent: number } {
    return { id: this.id, state: this.state, clients: this.#viewers.length, framesSent: this.#framesSent };
  }

  /** `down` while restarting, `stalled` during a stall, else `running`. */
  get state(): FarmCameraState {
    if (this.#down) return 'down';
    return this.#clock.now() < this.#stalledUntil ? 'stalled' : 'running';
  }

  /** Delivers every frame due by `now` to the live viewers (called by the farm's ticker). */
  tick(now: number): void {
    if (this.#stalledUntil !== 0) {
      if (now < this.#stalledUntil) return;
      this.#stalledUntil = 0;
      // Resume at a keyframe: the current GOP's if it has not been sent yet, else the next one.
      this.#cursor = Math.max(this.#cursor, this.#gopStart(this.frameAt(now)));
      this.#needKeyframe = true;
    }
    const target = this.frameAt(now);
    if (target - this.#cursor >= this.#gop) {
      // Far behind (the event loop was blocked): skip to the GOP of now rather than burst stale frames.
      this.#cursor = this.#gopStart(target);
      this.#needKeyframe = true;
    }
    for (; this.#cursor <= target; this.#cursor++) {
      if (this.#needKeyframe) {
        if (this.#cursor % this.#gop !== 0) continue;
        this.#needKeyframe = false;
      }
      const packet = this.packetAt(this.#cursor);
      const viewers = this.#viewers;
      for (let i = 0; i < viewers.length; i++) (viewers[i] as Subscriber<MediaPacket>).next(packet);
      this.#framesSent += viewers.length;
    }
  }

  #gopStart(n: number): number {
    return n - (n % this.#gop);
  }

  #join(subscriber: Subscriber<MediaPacket>): void {
    if (this.#down) {
      subscriber.complete();
      return;
    }
    const now = this.#clock.now();
    const first = this.#viewers.length === 0;
    this.#viewers = [...this.#viewers, subscriber];
    this.#ticker.activate(this);
    if (this.#stalledUntil !== 0 && now < this.#stalledUntil) return;
    let last: number;
    if (first) {
      this.#stalledUntil = 0;
      this.#needKeyframe = false;
      last = this.frameAt(now);
      this.#cursor = last + 1;
    } else {
      last = this.#cursor - 1;
    }
    for (let n = this.#gopStart(last); n <= last && !subscriber.closed; n++) {
      subscriber.next(this.packetAt(n));
      this.#framesSent += 1;
    }
  }

  #leave(subscriber: Subscriber<MediaPacket>): void {
    const index = this.#viewers.indexOf(subscriber);
    if (index < 0) return;
    this.#viewers = this.#viewers.filter((viewer) => viewer !== subscriber);
    if (this.#viewers.length === 0) this.#ticker.deactivate(this);
  }
}
