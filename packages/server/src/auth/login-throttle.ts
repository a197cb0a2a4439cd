/** Options of {@link LoginThrottle}; the defaults are the Decision 724 baseline. */
export interface LoginThrottleOptions {
  /** Failed logins that lock the account; default 5. */
  maxFailures?: number;
  /** Window the failures must fall in; default 30 s. */
  windowMs?: number;
  /** How long the lock lasts; default 5 min. */
  lockMs?: number;
  /** Names tracked at once (unknown names count too, so memory is bounded); default 10,000. */
  maxTracked?: number;
}

interface Track {
  failures: number[];
  lockedUntil: number;
}

/**
 * Counts failed logins per username, known or not (so a lock does not reveal whether an account exists), and
 * locks a name after too many failures in a short window. Times come from the caller's clock.
 *
 * @example
 * ```ts
 * const throttle = new LoginThrottle();
 * if (throttle.lockedFor('lan', clock.now()) > 0) refuse();
 * if (throttle.fail('lan', clock.now())) audit('lockout');
 * ```
 */
export class LoginThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #lockMs: number;
  readonly #maxTracked: number;
  readonly #tracks = new Map<string, Track>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 30_000;
    this.#lockMs = options.lockMs ?? 5 * 60_000;
    this.#maxTracked = options.maxTracked ?? 10_000;
  }

  /** Milliseconds the name stays locked from `now`; 0 when it is not locked. */
  lockedFor(username: string, now: number): number {
    const track = this.#tracks.get(username);
    return track === undefined ? 0 : Math.max(0, track.lockedUntil - now);
  }

  /** Records a failure; true when this failure locked the name. */
  fail(username: string, now: number): boolean {
    let track = this.#tracks.get(username);
    if (track === undefined) {
      if (this.#tracks.size >= this.#maxTracked) this.#evict(now);
      track = { failures: [], lockedUntil: 0 };
      this.#tracks.set(username, track);
    }
    track.failures = track.failures.filter((at) => at > now - this.#windowMs);
    track.failures.push(now);
    if (track.failures.length < this.#maxFailures) return false;
    track.failures = [];
    track.lockedUntil = now + this.#lockMs;
    return true;
  }

  /** Forgets the failures of a name after a successful login. */
  succeed(username: string): void {
    this.#tracks.delete(username);
  }

  #evict(now: number): void {
    for (const [name, track] of this.#tracks) {
      if (track.lockedUntil <= now) this.#tracks.delete(name);
      if (this.#tracks.size < this.#maxTracked) return;
    }
    // Every tracked name is locked: drop the oldest rather than grow without bound.
    const oldest = this.#tracks.keys().next();
    if (oldest.done !== true) this.#tracks.delete(oldest.value);
  }
}
