import { createHash } from 'node:crypto';
import { ArgusError, systemClock, type Clock } from '@argus/core';
import type { Database } from '../open-database.js';

/** What a caller records; the log adds the sequence number, the time and the chain. */
export interface AuditRecord {
  /** Who acted: a username, `system`, or the name given at a failed login. */
  actor: string;
  /** What was done, e.g. `auth.login`, `user.create`. */
  action: string;
  /** What it was done to, e.g. a username. */
  target?: string;
  outcome: 'success' | 'failure';
  /** Extra facts (never secrets). */
  details?: Record<string, unknown>;
}

/** One stored entry of the audit log. */
export interface AuditEntry extends AuditRecord {
  /** 1, 2, 3... without gaps. */
  seq: number;
  /** ISO 8601 time of the entry. */
  at: string;
  /** `hash` of the previous entry; 64 zeros for the first. */
  prev: string;
  /** SHA-256 (hex) of the canonical JSON of the entry without `hash`. */
  hash: string;
}

/** Result of {@link AuditLog.verify}. */
export interface AuditVerification {
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** The first entry found missing, moved or altered. */
  firstBadSeq?: number;
  reason?: string;
}

const PREFIX = 'audit!';
const HEAD_KEY = 'audit!head';
const GENESIS = '0'.repeat(64);
function entryKey(seq: number): string {
  return `${PREFIX}${String(seq).padStart(16, '0')}`;
}

// ':' sorts just after '9', so the range holds the numbered entries and not `audit!head`.
const RANGE = { gte: entryKey(0), lt: `${PREFIX}:` } as const;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash an entry must carry: SHA-256 over the canonical JSON of every field but `hash` (so `prev` is chained in). */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...rest } = entry;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  db: Database;
  clock?: Clock;
}

/**
 * The append-only, hash-chained audit log, kept in LevelDB under `audit!<seq, 16 digits>` with a head record
 * `audit!head` `{ seq, hash }` so that a deleted tail is noticed too.
 *
 * @example
 * ```ts
 * const audit = await AuditLog.open({ db });
 * await audit.append({ actor: 'admin', action: 'user.create', target: 'lan', outcome: 'success' });
 * const { ok, firstBadSeq, reason } = await audit.verify();
 * ```
 */
export class AuditLog {
  readonly #db: Database;
  readonly #clock: Clock;
  #seq = 0;
  #last = GENESIS;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: AuditLogOptions) {
    this.#db = options.db;
    this.#clock = options.clock ?? systemClock;
  }

  /** Opens the log on an open database; continues the chain after its last entry. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(options);
    for await (const value of options.db.values({ ...RANGE, reverse: true, limit: 1 })) {
      const last = value as AuditEntry;
      log.#seq = last.seq;
      log.#last = last.hash;
    }
    return log;
  }

  /** Appends one entry (entries are written one at a time, in call order). */
  append(record: AuditRecord): Promise<AuditEntry> {
    const next = this.#queue.then(async () => {
      const body: Omit<AuditEntry, 'hash'> = {
        seq: this.#seq + 1,
        at: new Date(this.#clock.now()).toISOString(),
        actor: record.actor,
        action: record.action,
        ...(record.target === undefined ? {} : { target: record.target }),
        outcome: record.outcome,
        ...(record.details === undefined ? {} : { details: record.details }),
        prev: this.#last,
      };
      const entry: AuditEntry = { ...body, hash: auditEntryHash(body) };
      await this.#db.batch([
        { type: 'put', key: entryKey(entry.seq), value: entry },
        { type: 'put', key: HEAD_KEY, value: { seq: entry.seq, hash: entry.hash } },
      ]);
      this.#seq = entry.seq;
      this.#last = entry.hash;
      return entry;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Entries from sequence number `from` (default 1), at most `limit`, oldest first. */
  async list(options: { from?: number; limit: number }): Promise<AuditEntry[]> {
    if (!(Number.isInteger(options.limit) && options.limit > 0)) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    const from = Math.max(1, options.from ?? 1);
    const out: AuditEntry[] = [];
    for await (const value of this.#db.values({ gte: entryKey(from), lt: RANGE.lt, limit: options.limit })) out.push(value as AuditEntry);
    return out;
  }

  /**
   * Walks the whole chain and reports the first entry that is missing, out of place or altered, and a tail that
   * was cut off (the head record names a later entry than the last one found).
   */
  async verify(): Promise<AuditVerification> {
    let expected = 1;
    let prev = GENESIS;
    let entries = 0;
    const bad = (seq: number, reason: string): AuditVerification => ({ ok: false, entries, firstBadSeq: seq, reason });
    for await (const [key, text] of this.#db.iterator({ ...RANGE, valueEncoding: 'utf8' })) {
      const keySeq = Number(key.slice(PREFIX.length));
      if (keySeq > expected) return bad(expected, 'entry deleted');
      let entry: AuditEntry;
      try {
        entry = JSON.parse(text as string) as AuditEntry;
      } catch {
        return bad(keySeq, 'entry not readable');
      }
      entries++;
      if (entry.seq !== keySeq) return bad(keySeq, `entry moved: holds entry ${String(entry.seq)}`);
      if (typeof entry.hash !== 'string' || auditEntryHash(entry) !== entry.hash) return bad(keySeq, 'entry edited');
      if (entry.prev !== prev) return bad(keySeq, 'chain broken');
      prev = entry.hash;
      expected = keySeq + 1;
    }
    const last = expected - 1;
    let head: { seq?: unknown; hash?: unknown } | undefined;
    try {
      head = (await this.#db.get(HEAD_KEY)) as typeof head;
    } catch {
      head = undefined;
    }
    if (head === undefined) return last === 0 ? { ok: true, entries } : bad(last, 'head record missing');
    if (typeof head.seq !== 'number' || head.seq > last) return bad(last + 1, 'entries deleted at the end');
    if (head.seq < last || head.hash !== prev) return bad(Math.min(head.seq, last), 'head record does not match the last entry');
    return { ok: true, entries };
  }

  /** Like {@link verify}, but throws `ARGUS_ERR_AUDIT_TAMPERED` on a broken log; returns the number of entries. */
  async assertIntact(): Promise<number> {
    const result = await this.verify();
    if (!result.ok) throw new ArgusError('ARGUS_ERR_AUDIT_TAMPERED', { seq: result.firstBadSeq, reason: result.reason });
    return result.entries;
  }
}
