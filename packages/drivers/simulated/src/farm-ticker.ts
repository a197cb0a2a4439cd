import type { Clock } from '@argus/core';

/** Something the ticker drives: it delivers every frame due by `now`. */
export interface Tickable {
  tick(now: number): void;
}

/** Timer functions the ticker uses; injectable so tests drive time by hand. */
export interface FarmTimers {
  /** Calls `callback` every `ms`; returns a handle for `clearInterval`. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Stops a timer made by `setInterval`. */
  clearInterval(handle: unknown): void;
}

const globalTimers: FarmTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * The single timer of a farm: every `intervalMs` it asks each camera that has viewers to deliver the frames due by
 * now. Cameras compute what is due from the clock, so one coarse timer serves any mix of frame rates, and idle
 * cameras cost nothing.
 */
export class FarmTicker {
  readonly #clock: Clock;
  readonly #timers: FarmTimers;
  readonly #intervalMs: number;
  readonly #active = new Set<Tickable>();
  #handle: unknown;
  #ticks = 0;

  constructor(clock: Clock, intervalMs = 10, timers: FarmTimers = globalTimers) {
    if (!(intervalMs > 0)) throw new RangeError(`tick interval must be positive, got ${intervalMs}`);
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#timers = timers;
  }

  /** Starts ticking cameras (idempotent; the timer runs only while some camera is active). */
  activate(camera: Tickable): void {
    this.#active.add(camera);
    if (this.#handle === undefined) {
      this.#handle = this.#timers.setInterval(() => this.tick(), this.#intervalMs);
      (this.#handle as { unref?: () => void }).unref?.();
    }
  }

  /** Stops ticking a camera; the timer stops with the last one. */
  deactivate(camera: Tickable): void {
    this.#active.delete(camera);
    if (this.#active.size === 0) this.#stopTimer();
  }

  /** Delivers what is due on every active camera; the timer calls it, tests may too. */
  tick(now: number = this.#clock.now()): void {
    this.#ticks += 1;
    for (const camera of this.#active) camera.tick(now);
  }

  /** Stops the timer and forgets every camera. */
  stop(): void {
    this.#active.clear();
    this.#stopTimer();
  }

  /** Active cameras and ticks run so far. */
  toJSON(): { active: number; ticks: number; running: boolean } {
    return { active: this.#active.size, ticks: this.#ticks, running: this.#handle !== undefined };
  }

  #stopTimer(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearInterval(this.#handle);
    this.#handle = undefined;
  }
}
