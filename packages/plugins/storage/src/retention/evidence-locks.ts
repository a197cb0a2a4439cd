import { randomBytes } from 'node:crypto';
import { ArgusError, silentLogger, systemClock, type Clock, type EventBus, type Logger } from '@argus/core';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { EvidenceLock } from '../catalogue/records.js';
import type {} from '../storage-events.js';

/** Options of {@link EvidenceLocks}. */
export interface EvidenceLocksOptions {
  readonly catalogue: Catalogue;
  /** Where `evidenceLocked` / `evidenceUnlocked` go, for the server's audit log. */
  readonly bus?: EventBus;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * What {@link EvidenceLocks.lock} needs: a camera's time range `[start, end)` (ms), why, who (also the `by` of the
 * `evidenceLocked` event), and optionally when it lapses (ms, in the future).
 */
export type LockRequest = Omit<EvidenceLock, 'id' | 'created'>;

/**
 * Evidence locks: camera time ranges that retention must neither delete nor move until they are unlocked or lapse.
 * Locks are stored in the catalogue and mirrored in memory per camera, so that {@link EvidenceLocks.holding}, which
 * retention asks for every segment it considers, costs no database read.
 *
 * @example
 * ```ts
 * const locks = await EvidenceLocks.open({ catalogue, bus });
 * const lock = await locks.lock({ camera: 'gate-1', start, end, reason: 'case 2026-118', owner: 'ann' });
 * await locks.holding('gate-1', segment.start, segment.end); // -> lock
 * await locks.unlock(lock.id, 'ann');
 * ```
 */
export class EvidenceLocks {
  readonly #catalogue: Catalogue;
  readonly #bus: EventBus | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** camera -> its locks, by start. Filled once from the catalogue, then kept in step with every change. */
  readonly #byCamera = new Map<string, EvidenceLock[]>();
  readonly #byId = new Map<string, EvidenceLock>();
  #loading: Promise<void> | undefined;

  /** Prefer {@link EvidenceLocks.open}; a constructed instance loads its index on first use. */
  constructor(options: EvidenceLocksOptions) {
    this.#catalogue = options.catalogue;
    this.#bus = options.bus;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Creates the lock set and loads every stored lock into memory. */
  static async open(options: EvidenceLocksOptions): Promise<EvidenceLocks> {
    const locks = new EvidenceLocks(options);
    await locks.#ready();
    return locks;
  }

  /**
   * Places a lock on `[start, end)` of a camera and emits `evidenceLocked`.
   *
   * @throws RangeError for programmer misuse: an empty camera, owner or reason, or times that are not integers of ms.
   * @throws ArgusError `ARGUS_ERR_STORAGE_RANGE_INVALID` when `end <= start` or `expires` is not in the future.
   * @throws ArgusError `ARGUS_ERR_STORAGE_IO` when the catalogue cannot store it.
   */
  async lock(request: LockRequest): Promise<EvidenceLock> {
    const { camera, start, end, reason, owner, expires } = request;
    if (typeof camera !== 'string' || camera === '') throw new RangeError('lock() needs a camera id');
    if (typeof owner !== 'string' || owner.trim() === '') throw new RangeError('lock() needs an owner');
    if (typeof reason !== 'string' || reason.trim() === '') throw new RangeError('lock() needs a non-empty reason');
    for (const [name, value] of [['start', start], ['end', end], ['expires', expires]] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        throw new RangeError(`lock() ${name} must be a non-negative integer of ms, got ${String(value)}`);
      }
    }
    if (end <= start) {
      throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: `end ${end} is not after start ${start}`, start, end });
    }
    const now = this.#clock.now();
    if (expires !== undefined && expires <= now) {
      throw new ArgusError('ARGUS_ERR_STORAGE_RANGE_INVALID', { reason: `expiry ${new Date(expires).toISOString()} is not in the future`, expires });
    }
    await this.#ready();
    const lock: EvidenceLock = {
      id: `lock-${randomBytes(6).toString('hex')}`,
      camera,
      start,
      end,
      reason: reason.trim(),
      owner,
      ...(expires === undefined ? {} : { expires }),
      created: now,
    };
    await this.#catalogue.putLock(lock);
    this.#index(lock);
    this.#logger.info({ lock }, 'evidence locked');
    this.#bus?.emit('evidenceLocked', { lock, by: owner }, { source: 'storage', cameraId: camera });
    return lock;
  }

  /**
   * Removes a lock and emits `evidenceUnlocked`; returns the lock removed.
   *
   * @throws ArgusError `ARGUS_ERR_STORAGE_LOCK_NOT_FOUND` when there is no lock `id`.
   */
  async unlock(id: string, by: string): Promise<EvidenceLock> {
    if (typeof by !== 'string' || by.trim() === '') throw new RangeError('unlock() needs who unlocks (by)');
    await this.#ready();
    const lock = await this.#remove(id);
    if (lock === undefined) throw new ArgusError('ARGUS_ERR_STORAGE_LOCK_NOT_FOUND', { id });
    this.#logger.info({ lock, by }, 'evidence unlocked');
    this.#bus?.emit('evidenceUnlocked', { lock, by }, { source: 'storage', cameraId: lock.camera });
    return lock;
  }

  /** Every lock (lapsed ones not yet expired by {@link expire} included), or one camera's, by start. */
  async list(camera?: string): Promise<EvidenceLock[]> {
    await this.#ready();
    if (camera !== undefined) return [...(this.#byCamera.get(camera) ?? [])];
    return [...this.#byId.values()].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  }

  /** One lock by id. */
  async get(id: string): Promise<EvidenceLock | undefined> {
    await this.#ready();
    return this.#byId.get(id);
  }

  /** The first unexpired lock of `camera` overlapping `[start, end)` at `now`, if any. Reads memory only. */
  async holding(camera: string, start: number, end: number, now = this.#clock.now()): Promise<EvidenceLock | undefined> {
    await this.#ready();
    for (const lock of this.#byCamera.get(camera) ?? []) {
      if (lock.start >= end) break;
      if (lock.end > start && (lock.expires === undefined || lock.expires > now)) return lock;
    }
    return undefined;
  }

  /** Removes every lock whose expiry is at or before `now`, emitting `evidenceUnlocked` with `by: 'expiry'`. */
  async expire(now = this.#clock.now()): Promise<EvidenceLock[]> {
    await this.#ready();
    const lapsed = [...this.#byId.values()].filter((lock) => lock.expires !== undefined && lock.expires <= now);
    const removed: EvidenceLock[] = [];
    for (const { id } of lapsed) {
      const lock = await this.#remove(id);
      if (lock === undefined) continue;
      removed.push(lock);
      this.#logger.info({ lock }, 'evidence lock expired');
      this.#bus?.emit('evidenceUnlocked', { lock, by: 'expiry' }, { source: 'storage', cameraId: lock.camera });
    }
    return removed;
  }

  /** Deletes from the catalogue, then from memory; a lock only in one of them still counts as found. */
  async #remove(id: string): Promise<EvidenceLock | undefined> {
    const stored = await this.#catalogue.deleteLock(id);
    const known = this.#byId.get(id);
    if (known !== undefined) {
      this.#byId.delete(id);
      const list = this.#byCamera.get(known.camera) ?? [];
      const rest = list.filter((lock) => lock.id !== id);
      if (rest.length === 0) this.#byCamera.delete(known.camera);
      else this.#byCamera.set(known.camera, rest);
    }
    return stored ?? known;
  }

  #index(lock: EvidenceLock): void {
    this.#byId.set(lock.id, lock);
    const list = [...(this.#byCamera.get(lock.camera) ?? []).filter((l) => l.id !== lock.id), lock];
    list.sort((a, b) => a.start - b.start);
    this.#byCamera.set(lock.camera, list);
  }

  #ready(): Promise<void> {
    // A failed load is not cached, so the next call tries again instead of running on an empty index.
    this.#loading ??= this.#catalogue.locks().then(
      (locks) => {
        for (const lock of locks) this.#index(lock);
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }
}
