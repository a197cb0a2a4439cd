import { systemClock, type Clock, type PtzVector } from '@argus/core';

/** Options of a {@link PtzModel}. */
export interface PtzModelOptions {
  /** Time source of continuous moves; default the system clock (tests pass a `ManualClock`). */
  readonly clock?: Clock;
  /** Generic units travelled per second at velocity 1; default 1 (a full pan sweep, -1 to 1, takes 2 s). */
  readonly unitsPerSecond?: number;
  /** Most presets stored; default 255. */
  readonly maxPresets?: number;
  /** Position at start; default the home position. */
  readonly position?: PtzVector;
  /** Home position; default `{ pan: 0, tilt: 0, zoom: 0 }`. */
  readonly home?: PtzVector;
}

/** One stored preset of a {@link PtzModel}. */
export interface PtzModelPreset {
  /** Preset id (a decimal number as a string unless the caller chose one). */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** Position stored. */
  readonly position: PtzVector;
}

const ORIGIN: PtzVector = Object.freeze({ pan: 0, tilt: 0, zoom: 0 });

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function checkRange(vector: PtzVector, what: string, zoomMin: number): void {
  if (typeof vector !== 'object' || vector === null) throw new TypeError(`${what} must be a { pan, tilt, zoom } object`);
  for (const axis of ['pan', 'tilt', 'zoom'] as const) {
    const value = vector[axis];
    const min = axis === 'zoom' ? zoomMin : -1;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 1) {
      throw new RangeError(`${what}.${axis} must be a number in ${min}..1, got ${String(value)}`);
    }
  }
}

function freeze(vector: PtzVector): PtzVector {
  return Object.freeze({ pan: vector.pan, tilt: vector.tilt, zoom: vector.zoom });
}

/**
 * The mechanics of an emulated PTZ head, in ONVIF's generic space (pan and tilt -1..1, zoom 0..1; velocities
 * -1..1 on every axis). Every emulator with PTZ keeps one and translates its family's wire units into it, so tests
 * and the conformance suite can check what a driver's commands did to the "camera".
 *
 * A continuous move integrates its velocity over the injected clock's time (no timers: the position is computed
 * when read), until {@link PtzModel.stop}, another move, or the move's timeout; positions are clamped to the range.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const ptz = new PtzModel({ clock });
 * ptz.continuousMove({ pan: 0.5, tilt: 0, zoom: 0 });
 * clock.advance(1000);
 * ptz.position.pan; // 0.5
 * ptz.stop();
 * const id = ptz.setPreset('gate');
 * ptz.gotoHome();
 * ptz.gotoPreset(id);
 * ```
 */
export class PtzModel {
  readonly #clock: Clock;
  readonly #unitsPerSecond: number;
  readonly #maxPresets: number;
  readonly #presets = new Map<string, PtzModelPreset>();
  #home: PtzVector;
  /** Position at `#since`; the position now adds the velocity's travel since then. */
  #anchor: PtzVector;
  #since: number;
  #velocity: PtzVector | null = null;
  /** End of the current continuous move when it has a timeout. */
  #until: number | undefined;
  #moves = 0;
  #stops = 0;

  constructor(options: PtzModelOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#unitsPerSecond = options.unitsPerSecond ?? 1;
    this.#maxPresets = options.maxPresets ?? 255;
    if (!(this.#unitsPerSecond > 0) || !Number.isFinite(this.#unitsPerSecond)) throw new RangeError('unitsPerSecond must be a positive number');
    if (!Number.isInteger(this.#maxPresets) || this.#maxPresets < 0) throw new RangeError('maxPresets must be a non-negative integer');
    const home = options.home ?? ORIGIN;
    checkRange(home, 'home', 0);
    this.#home = freeze(home);
    const position = options.position ?? home;
    checkRange(position, 'position', 0);
    this.#anchor = freeze(position);
    this.#since = this.#clock.now();
  }

  /** The current position (a continuous move in progress is integrated up to now). */
  get position(): PtzVector {
    return this.#positionAt(this.#clock.now());
  }

  /** The velocity of the continuous move in progress, or `null` when the head is still (stopped or timed out). */
  get velocity(): PtzVector | null {
    if (this.#velocity === null) return null;
    if (this.#until !== undefined && this.#clock.now() >= this.#until) return null;
    return this.#velocity;
  }

  /** The home position ({@link PtzModel.gotoHome} goes there). */
  get home(): PtzVector {
    return this.#home;
  }

  /** Number of {@link PtzModel.continuousMove} calls so far, for tests. */
  get moves(): number {
    return this.#moves;
  }

  /** Number of {@link PtzModel.stop} calls so far, for tests. */
  get stops(): number {
    return this.#stops;
  }

  /**
   * Starts moving at `velocity` (each axis -1..1) until stopped, replaced by another move, or `timeoutMs` elapsed.
   * @throws RangeError for an axis outside -1..1 or a negative timeout.
   */
  continuousMove(velocity: PtzVector, timeoutMs?: number): void {
    checkRange(velocity, 'velocity', -1);
    if (timeoutMs !== undefined && !(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
      throw new RangeError(`timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    }
    this.#settle();
    this.#moves += 1;
    this.#velocity = velocity.pan === 0 && velocity.tilt === 0 && velocity.zoom === 0 ? null : freeze(velocity);
    this.#until = timeoutMs === undefined ? undefined : this.#since + timeoutMs;
  }

  /** Stops any move; the head stays where it is now. */
  stop(): void {
    this.#stops += 1;
    this.#settle();
  }

  /**
   * Moves straight to `position` (pan and tilt -1..1, zoom 0..1); the emulated head arrives at once.
   * @throws RangeError for a position out of range.
   */
  absoluteMove(position: PtzVector): void {
    checkRange(position, 'position', 0);
    this.#jump(position);
  }

  /** Moves by `translation` from the current position, clamped to the range. */
  relativeMove(translation: PtzVector): void {
    checkRange(translation, 'translation', -1);
    const from = this.position;
    this.#jump({
      pan: clamp(from.pan + translation.pan, -1, 1),
      tilt: clamp(from.tilt + translation.tilt, -1, 1),
      zoom: clamp(from.zoom + translation.zoom, 0, 1),
    });
  }

  /**
   * Stores the current position as a preset: overwrites preset `id` when given (creating it if new), otherwise
   * takes the lowest free number. Returns the preset's id.
   * @throws RangeError when the preset store is full.
   */
  setPreset(name?: string, id?: string): string {
    const existing = id === undefined ? undefined : this.#presets.get(id);
    if (existing === undefined && this.#presets.size >= this.#maxPresets) {
      throw new RangeError(`the preset store is full (${this.#maxPresets} presets)`);
    }
    let presetId = id;
    if (presetId === undefined) {
      let n = 1;
      while (this.#presets.has(String(n))) n += 1;
      presetId = String(n);
    }
    if (presetId === '') throw new RangeError('a preset id must not be empty');
    this.#presets.set(presetId, {
      id: presetId,
      name: name ?? existing?.name ?? `Preset ${presetId}`,
      position: freeze(this.position),
    });
    return presetId;
  }

  /**
   * Goes to preset `id`.
   * @throws RangeError for an unknown preset.
   */
  gotoPreset(id: string): void {
    this.#jump(this.#preset(id).position);
  }

  /**
   * Deletes preset `id`.
   * @throws RangeError for an unknown preset.
   */
  removePreset(id: string): void {
    this.#preset(id);
    this.#presets.delete(id);
  }

  /** The stored presets, numeric ids in numeric order first, then the others by name. */
  presets(): PtzModelPreset[] {
    return [...this.#presets.values()].sort((a, b) => {
      const na = /^\d+$/.test(a.id) ? Number(a.id) : Number.POSITIVE_INFINITY;
      const nb = /^\d+$/.test(b.id) ? Number(b.id) : Number.POSITIVE_INFINITY;
      return na === nb ? a.id.localeCompare(b.id) : na - nb;
    });
  }

  /** True when preset `id` exists. */
  hasPreset(id: string): boolean {
    return this.#presets.has(id);
  }

  /** Goes to the home position. */
  gotoHome(): void {
    this.#jump(this.#home);
  }

  /** Makes the current position the home position. */
  setHome(): void {
    this.#home = freeze(this.position);
  }

  /** Position and motion as plain data, for logs and test messages. */
  toJSON(): { position: PtzVector; velocity: PtzVector | null; presets: number; moves: number; stops: number } {
    return { position: this.position, velocity: this.velocity, presets: this.#presets.size, moves: this.#moves, stops: this.#stops };
  }

  #preset(id: string): PtzModelPreset {
    const preset = this.#presets.get(id);
    if (preset === undefined) throw new RangeError(`no preset "${id}"`);
    return preset;
  }

  /** Ends the motion in progress at the current position. */
  #settle(): void {
    const now = this.#clock.now();
    this.#anchor = freeze(this.#positionAt(now));
    this.#since = now;
    this.#velocity = null;
    this.#until = undefined;
  }

  #jump(position: PtzVector): void {
    this.#settle();
    this.#anchor = freeze(position);
  }

  #positionAt(now: number): PtzVector {
    const velocity = this.#velocity;
    if (velocity === null) return this.#anchor;
    const end = this.#until === undefined ? now : Math.min(now, this.#until);
    const travel = (Math.max(0, end - this.#since) / 1000) * this.#unitsPerSecond;
    return freeze({
      pan: clamp(this.#anchor.pan + velocity.pan * travel, -1, 1),
      tilt: clamp(this.#anchor.tilt + velocity.tilt * travel, -1, 1),
      zoom: clamp(this.#anchor.zoom + velocity.zoom * travel, 0, 1),
    });
  }
}
