import type { MonoTypeOperatorFunction } from 'rxjs';
import { processWith } from './process-with.js';
import { isVideoKeyframe, type MediaPacket } from './media-packet.js';

/** Counters of a {@link KeyframeGate}. */
export interface KeyframeGateStats {
  open: boolean;
  /** Packets held back before the first keyframe. */
  dropped: number;
  passed: number;
}

/**
 * Holds every packet back until the first video keyframe, then lets everything through: a decoder cannot start
 * from a delta frame, and audio before the first picture would only desynchronise the player.
 *
 * @example
 * ```ts
 * packets$.pipe(keyframeGate(new KeyframeGate())).subscribe(player); // starts at a keyframe
 * ```
 */
export class KeyframeGate {
  #open = false;
  #dropped = 0;
  #passed = 0;

  /** `[packet]` once the gate is open, `[]` before. */
  process(packet: MediaPacket): MediaPacket[] {
    if (!this.#open) {
      if (!isVideoKeyframe(packet)) {
        this.#dropped += 1;
        return [];
      }
      this.#open = true;
    }
    this.#passed += 1;
    return [packet];
  }

  /** True once a keyframe went through. */
  get open(): boolean {
    return this.#open;
  }

  /** Counters, for stats and logs. */
  toJSON(): KeyframeGateStats {
    return { open: this.#open, dropped: this.#dropped, passed: this.#passed };
  }
}

/** RxJS operator that drops packets until the first video keyframe. */
export function keyframeGate(gate: KeyframeGate = new KeyframeGate()): MonoTypeOperatorFunction<MediaPacket> {
  return processWith(gate);
}
