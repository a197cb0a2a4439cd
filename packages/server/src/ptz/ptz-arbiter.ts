import { ArgusError, type Clock } from '@argus/core';

/** Who may steer a camera now. */
export interface PtzHolder {
  readonly user: string;
  readonly priority: number;
  /** When the holder last sent a command, ms since epoch. */
  readonly lastCommandAt: number;
  /** How long the holder keeps control without commands (the camera's setting when it last took a command). */
  readonly idleMs: number;
}

/** What {@link PtzArbiter.acquire} decided. */
export interface PtzGrant {
  /** The user previously in control that this grant took over from, when there was one and it was not the caller. */
  readonly preempted?: PtzHolder;
  /** Why the grant was given: `free`, `holder` (already in control), `priority` (took over), `idle` (holder idle). */
  readonly reason: 'free' | 'holder' | 'priority' | 'idle';
}

/** Options of {@link PtzArbiter}. */
export interface PtzArbiterOptions {
  readonly clock: Clock;
  /** How long a holder keeps control without commands against equal or lower priorities, unless a camera says; default 30 s. */
  readonly idleMs?: number;
}

/**
 * Decides who steers each PTZ camera. A user of higher priority takes control at once; one of equal or lower priority
 * waits until the holder has sent no command for `idleMs` (default 30 s) and is refused meanwhile with
 * `ARGUS_ERR_PTZ_BUSY` (409, naming the holder). Every granted command refreshes the holder's idle time.
 *
 * @example
 * ```ts
 * const arbiter = new PtzArbiter({ clock, idleMs: 30_000 });
 * arbiter.acquire('cam-1', 'ops-1', 10); // { reason: 'free' }
 * arbiter.acquire('cam-1', 'chief', 50); // { reason: 'priority', preempted: { user: 'ops-1', ... } }
 * arbiter.acquire('cam-1', 'ops-2', 10); // throws ARGUS_ERR_PTZ_BUSY
 * ```
 */
export class PtzArbiter {
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #holders = new Map<string, PtzHolder>();

  constructor(options: PtzArbiterOptions) {
    const idleMs = options.idleMs ?? 30_000;
    if (!(Number.isFinite(idleMs) && idleMs >= 0)) throw new RangeError(`idleMs must be a non-negative number, got ${idleMs}`);
    this.#clock = options.clock;
    this.#idleMs = idleMs;
  }

  /** The idle time after which an equal-priority user may take over, in ms. */
  get idleMs(): number {
    return this.#idleMs;
  }

  /**
   * Grants `user` control of `camera` for one command, or throws `ARGUS_ERR_PTZ_BUSY`. `idleMs` is the camera's own
   * idle time (its `ptz.idleReleaseSeconds` setting) when it differs from the arbiter's default.
   */
  acquire(camera: string, user: string, priority: number, idleMs: number = this.#idleMs): PtzGrant {
    if (!Number.isFinite(priority)) throw new RangeError(`priority must be a finite number, got ${priority}`);
    if (!(Number.isFinite(idleMs) && idleMs >= 0)) throw new RangeError(`idleMs must be a non-negative number, got ${idleMs}`);
    const now = this.#clock.now();
    const holder = this.#holders.get(camera);
    let grant: PtzGrant;
    if (holder === undefined) grant = { reason: 'free' };
    else if (holder.user === user) grant = { reason: 'holder' };
    else if (priority > holder.priority) grant = { reason: 'priority', preempted: holder };
    else if (now - holder.lastCommandAt >= holder.idleMs) grant = { reason: 'idle', preempted: holder };
    else {
      throw new ArgusError('ARGUS_ERR_PTZ_BUSY', {
        camera,
        holder: holder.user,
        priority: holder.priority,
        idleSeconds: Math.ceil(holder.idleMs / 1000),
        retryAfterMs: holder.lastCommandAt + holder.idleMs - now,
      });
    }
    // A holder keeps the higher of its priorities while it stays in control.
    this.#holders.set(camera, { user, priority: grant.reason === 'holder' ? Math.max(priority, holder!.priority) : priority, lastCommandAt: now, idleMs });
    return grant;
  }

  /** Gives up control of `camera` if `user` holds it (an explicit release, or the holder's session ending). */
  release(camera: string, user: string): boolean {
    if (this.#holders.get(camera)?.user !== user) return false;
    return this.#holders.delete(camera);
  }

  /** Who holds `camera`, and until when others of equal priority must wait; `undefined` when nobody does. */
  holder(camera: string): (PtzHolder & { readonly freeAt: number }) | undefined {
    const holder = this.#holders.get(camera);
    return holder === undefined ? undefined : { ...holder, freeAt: holder.lastCommandAt + holder.idleMs };
  }
}
