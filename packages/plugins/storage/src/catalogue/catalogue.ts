import { ArgusError, errorMessage, silentLogger, type Logger } from '@argus/core';
import { ClassicLevel } from 'classic-level';
import type { EventMark, EvidenceLock, FragmentEntry, GapRecord, SegmentRecord, SegmentSummary, StreamChoice, UsageRecord } from './records.js';

// Key layout (one LevelDB, JSON values). Times are zero-padded so that keys sort by time.
//   s!<camera>!<start>!<stream>   SegmentSummary: the record without its fragment list (a day reads in a few ms)
//   f!<camera>!<start>!<stream>!<index>   FragmentEntry, one key each: a fragment costs one small write
//   a!<start>!<camera>!<stream>   ''            every segment by age, across cameras (retention)
//   o!<camera>!<start>!<stream>   ''            segments still being written (crash repair)
//   m!<camera>!<time>!<id>        EventMark
//   g!<camera>!<start>            GapRecord
//   l!<id>                        EvidenceLock
//   u!<camera>!<tier>             UsageRecord
//   meta!maxSpan                  longest segment span seen, bounding the back-scan of overlap queries
type Value = SegmentSummary | FragmentEntry | EventMark | GapRecord | EvidenceLock | UsageRecord | number | '';
type Db = ClassicLevel<string, Value>;

const TIME_DIGITS = 15;
const INDEX_DIGITS = 6;
const MAX_SPAN_KEY = 'meta!maxSpan';

/** Escapes the key separator (and the escape) out of an id. */
function part(id: string): string {
  return id.replaceAll('%', '%25').replaceAll('!', '%21');
}

function time(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`time ${ms} must be a non-negative integer of ms`);
  return String(ms).padStart(TIME_DIGITS, '0');
}

/** Everything under `prefix` (which ends with `!`). */
function under(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix.slice(0, -1)}"` };
}

const segmentKey = (s: Pick<SegmentRecord, 'camera' | 'start' | 'stream'>): string => `s!${part(s.camera)}!${time(s.start)}!${s.stream}`;
const fragmentPrefix = (s: Pick<SegmentRecord, 'camera' | 'start' | 'stream'>): string => `f!${part(s.camera)}!${time(s.start)}!${s.stream}!`;
const fragmentKey = (s: Pick<SegmentRecord, 'camera' | 'start' | 'stream'>, index: number): string => fragmentPrefix(s) + String(index).padStart(INDEX_DIGITS, '0');

function summaryOf(segment: SegmentRecord): SegmentSummary {
  const { fragments, ...rest } = segment;
  return { ...rest, fragmentCount: fragments.length };
}
const ageKey = (s: Pick<SegmentRecord, 'camera' | 'start' | 'stream'>): string => `a!${time(s.start)}!${part(s.camera)}!${s.stream}`;
const openKey = (s: Pick<SegmentRecord, 'camera' | 'start' | 'stream'>): string => `o!${part(s.camera)}!${time(s.start)}!${s.stream}`;
const usageKey = (camera: string, tier: string): string => `u!${part(camera)}!${part(tier)}`;

/** Which segment: a camera's stream and its start. */
export type SegmentId = Pick<SegmentRecord, 'camera' | 'start' | 'stream'>;

/** Options of {@link Catalogue.open}. */
export interface CatalogueOptions {
  readonly logger?: Logger;
}

/**
 * The recording catalogue in LevelDB (classic-level): each camera's segments with their fragment (keyframe) offsets,
 * event marks, gaps, evidence locks, and bytes per camera and tier. Every read is a key-range scan; nothing ever lists
 * folders. Mutations are applied one at a time in call order, each as one atomic batch.
 *
 * @example
 * ```ts
 * const catalogue = await Catalogue.open(join(dataDir, 'recordings.db'));
 * await catalogue.putSegment(segment);
 * const spans = await catalogue.segments('gate-1', Date.parse('2026-11-21T00:00Z'), Date.parse('2026-11-22T00:00Z'));
 * ```
 */
export class Catalogue {
  readonly #db: Db;
  readonly #logger: Logger;
  /** camera -> tier -> its usage counter. */
  readonly #usage = new Map<string, Map<string, UsageRecord>>();
  #maxSpan = 0;
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(db: Db, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
  }

  /**
   * Opens (creating if needed) the catalogue at `location`.
   *
   * @throws ArgusError `ARGUS_ERR_STORAGE_IO` when LevelDB cannot open it (locked by another process, unreadable).
   */
  static async open(location: string, options: CatalogueOptions = {}): Promise<Catalogue> {
    const db: Db = new ClassicLevel<string, Value>(location, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (err) {
      throw new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'open catalogue', path: location, reason: errorMessage(err) }, { cause: err });
    }
    const catalogue = new Catalogue(db, options.logger ?? silentLogger());
    const loaded: UsageRecord[] = [];
    for await (const [, value] of db.iterator(under('u!'))) loaded.push(value as UsageRecord);
    catalogue.#apply(loaded);
    const span = await db.get(MAX_SPAN_KEY);
    catalogue.#maxSpan = typeof span === 'number' ? span : 0;
    return catalogue;
  }

  /**
   * Adds or replaces a segment (same camera, stream and start), keeping usage and the indexes in step. While a
   * segment stays open (`complete: false` before and after), the fragments already stored are taken as they are and
   * only new ones are written: one small write per fragment as it grows. Any other put rewrites the whole list.
   */
  putSegment(segment: SegmentRecord): Promise<void> {
    return this.#mutate(async () => {
      const key = segmentKey(segment);
      const old = (await this.#db.get(key)) as SegmentSummary | undefined;
      const batch = this.#db.batch();
      batch.put(key, summaryOf(segment)).put(ageKey(segment), '');
      if (segment.complete) batch.del(openKey(segment));
      else batch.put(openKey(segment), '');
      const stored = old?.fragmentCount ?? 0;
      const rewrite = old === undefined || old.complete || segment.complete || segment.fragments.length < stored;
      if (rewrite) for (let i = segment.fragments.length; i < stored; i++) batch.del(fragmentKey(segment, i));
      for (let i = rewrite ? 0 : stored; i < segment.fragments.length; i++) batch.put(fragmentKey(segment, i), segment.fragments[i] as FragmentEntry);
      const usage = new Map<string, UsageRecord>();
      if (old !== undefined) this.#count(batch, usage, old, -1);
      this.#count(batch, usage, segment, +1);
      const span = segment.end - segment.start;
      if (span > this.#maxSpan) batch.put(MAX_SPAN_KEY, span);
      await batch.write();
      this.#maxSpan = Math.max(this.#maxSpan, span);
      this.#apply(usage.values());
    });
  }

  /** Removes a segment's record (not its file); returns the record removed (without its fragments), if there was one. */
  deleteSegment(id: SegmentId): Promise<SegmentSummary | undefined> {
    return this.#mutate(async () => {
      const old = (await this.#db.get(segmentKey(id))) as SegmentSummary | undefined;
      if (old === undefined) return undefined;
      const batch = this.#db.batch();
      batch.del(segmentKey(id)).del(ageKey(old)).del(openKey(old));
      for (let i = 0; i < old.fragmentCount; i++) batch.del(fragmentKey(old, i));
      const usage = new Map<string, UsageRecord>();
      this.#count(batch, usage, old, -1);
      await batch.write();
      this.#apply(usage.values());
      return old;
    });
  }

  /** One segment by id, with its fragments. */
  async segment(id: SegmentId): Promise<SegmentRecord | undefined> {
    const summary = (await this.#db.get(segmentKey(id))) as SegmentSummary | undefined;
    return summary === undefined ? undefined : this.#withFragments(summary);
  }

  /**
   * The camera's segments overlapping `[from, to)`, by start time, with their fragments; only `stream`'s when given.
   * Two range reads: the summaries, then every fragment key between the first and the last of them.
   */
  async segments(camera: string, from: number, to: number, stream?: StreamChoice): Promise<SegmentRecord[]> {
    const summaries = await this.summaries(camera, from, to, stream);
    const first = summaries[0];
    const last = summaries.at(-1);
    if (first === undefined || last === undefined) return [];
    const byPrefix = new Map<string, SegmentRecord>();
    const out = summaries.map((summary) => {
      const { fragmentCount: _count, ...rest } = summary;
      const record: SegmentRecord = { ...rest, fragments: [] };
      byPrefix.set(fragmentPrefix(summary), record);
      return record;
    });
    const range = { gte: fragmentPrefix(first), lt: `f!${part(camera)}!${time(last.start + 1)}` };
    for await (const [key, value] of this.#db.iterator(range)) {
      (byPrefix.get(key.slice(0, key.lastIndexOf('!') + 1))?.fragments as FragmentEntry[] | undefined)?.push(value as FragmentEntry);
    }
    return out;
  }

  /**
   * The camera's segments overlapping `[from, to)`, by start time, without their fragment lists: what a timeline
   * needs, at about 200 bytes a segment.
   */
  async summaries(camera: string, from: number, to: number, stream?: StreamChoice): Promise<SegmentSummary[]> {
    if (to <= from) return [];
    const prefix = `s!${part(camera)}!`;
    const out: SegmentSummary[] = [];
    const scanFrom = Math.max(0, from - this.#maxSpan);
    for await (const [, value] of this.#db.iterator({ gte: prefix + time(scanFrom), lt: prefix + time(to) })) {
      const segment = value as SegmentSummary;
      if (segment.end > from && (stream === undefined || segment.stream === stream)) out.push(segment);
    }
    return out;
  }

  /** The newest segment of a camera's stream, if any. */
  async lastSegment(camera: string, stream: StreamChoice): Promise<SegmentRecord | undefined> {
    for await (const [, value] of this.#db.iterator({ ...under(`s!${part(camera)}!`), reverse: true })) {
      const segment = value as SegmentSummary;
      if (segment.stream === stream) return this.#withFragments(segment);
    }
    return undefined;
  }

  /** Summaries of every camera's segments, oldest first, that start before `before` (default: any). */
  async *oldestSegments(before = Number.MAX_SAFE_INTEGER): AsyncGenerator<SegmentSummary> {
    for await (const key of this.#db.keys({ gte: 'a!', lt: `a!${time(Math.min(before, 10 ** TIME_DIGITS - 1))}` })) {
      const [, start, camera, stream] = key.split('!');
      const summary = (await this.#db.get(segmentKey({ camera: unpart(camera ?? ''), start: Number(start), stream: stream as StreamChoice }))) as SegmentSummary | undefined;
      if (summary !== undefined) yield summary;
    }
  }

  /** Summaries of a camera's segments, oldest first, that start before `before`. */
  async *cameraSegments(camera: string, before = Number.MAX_SAFE_INTEGER): AsyncGenerator<SegmentSummary> {
    const prefix = `s!${part(camera)}!`;
    for await (const [, value] of this.#db.iterator({ gte: prefix, lt: prefix + time(Math.min(before, 10 ** TIME_DIGITS - 1)) })) {
      yield value as SegmentSummary;
    }
  }

  /** Segments left `complete: false`: being written now, or by a process that died. */
  async openSegments(): Promise<SegmentRecord[]> {
    const out: SegmentRecord[] = [];
    for await (const key of this.#db.keys(under('o!'))) {
      const [, camera, start, stream] = key.split('!');
      const segment = await this.segment({ camera: unpart(camera ?? ''), start: Number(start), stream: stream as StreamChoice });
      if (segment !== undefined) out.push(segment);
    }
    return out;
  }

  /** Adds (or replaces, by camera, time and id) an event mark. */
  putMark(mark: EventMark): Promise<void> {
    return this.#mutate(() => this.#db.put(`m!${part(mark.camera)}!${time(mark.time)}!${part(mark.id)}`, mark));
  }

  /** The camera's marks with `time` in `[from, to)`, by time. */
  async marks(camera: string, from: number, to: number): Promise<EventMark[]> {
    const prefix = `m!${part(camera)}!`;
    const out: EventMark[] = [];
    for await (const [, value] of this.#db.iterator({ gte: prefix + time(Math.max(0, from)), lt: prefix + time(Math.max(0, to)) })) out.push(value as EventMark);
    return out;
  }

  /** Adds (or replaces, by camera and start) a gap. */
  putGap(gap: GapRecord): Promise<void> {
    return this.#mutate(() => this.#db.put(`g!${part(gap.camera)}!${time(gap.start)}`, gap));
  }

  /** The camera's gaps overlapping `[from, to)`, by start. */
  async gaps(camera: string, from: number, to: number): Promise<GapRecord[]> {
    const prefix = `g!${part(camera)}!`;
    const out: GapRecord[] = [];
    for await (const [, value] of this.#db.iterator({ gte: prefix, lt: prefix + time(Math.max(0, to)) })) {
      const gap = value as GapRecord;
      if (gap.end > from) out.push(gap);
    }
    return out;
  }

  /** Adds or replaces an evidence lock. */
  putLock(lock: EvidenceLock): Promise<void> {
    return this.#mutate(() => this.#db.put(`l!${part(lock.id)}`, lock));
  }

  /** Removes a lock; returns it, or `undefined` when there was none. */
  deleteLock(id: string): Promise<EvidenceLock | undefined> {
    return this.#mutate(async () => {
      const key = `l!${part(id)}`;
      const lock = (await this.#db.get(key)) as EvidenceLock | undefined;
      if (lock !== undefined) await this.#db.del(key);
      return lock;
    });
  }

  /** One lock by id. */
  async lock(id: string): Promise<EvidenceLock | undefined> {
    return (await this.#db.get(`l!${part(id)}`)) as EvidenceLock | undefined;
  }

  /** Every lock (expired ones too), or those of one camera. */
  async locks(camera?: string): Promise<EvidenceLock[]> {
    const out: EvidenceLock[] = [];
    for await (const [, value] of this.#db.iterator(under('l!'))) {
      const lock = value as EvidenceLock;
      if (camera === undefined || lock.camera === camera) out.push(lock);
    }
    return out;
  }

  /** Bytes and segments per camera and tier, from counters kept with every segment change (no scan). */
  usage(): UsageRecord[] {
    return [...this.#usage.values()].flatMap((tiers) => [...tiers.values()]);
  }

  /** Bytes of one camera's segments on every tier, from the same counters (no scan, no pass over other cameras). */
  cameraBytes(camera: string): number {
    let bytes = 0;
    for (const usage of this.#usage.get(camera)?.values() ?? []) bytes += usage.bytes;
    return bytes;
  }

  /** Closes the database once pending mutations are done. */
  async close(): Promise<void> {
    await this.#serial.catch(() => undefined);
    await this.#db.close();
  }

  async #withFragments(summary: SegmentSummary): Promise<SegmentRecord> {
    const { fragmentCount, ...rest } = summary;
    const fragments: FragmentEntry[] = [];
    if (fragmentCount > 0) {
      for await (const [, value] of this.#db.iterator(under(fragmentPrefix(summary)))) fragments.push(value as FragmentEntry);
    }
    return { ...rest, fragments };
  }

  /** Adds a segment's bytes to (or takes them from) its usage counter, in `next` and in the batch. */
  #count(batch: ReturnType<Db['batch']>, next: Map<string, UsageRecord>, segment: Pick<SegmentRecord, 'camera' | 'tier' | 'size'>, sign: 1 | -1): void {
    const key = usageKey(segment.camera, segment.tier);
    const was = next.get(key) ?? this.#usage.get(segment.camera)?.get(segment.tier) ?? { camera: segment.camera, tier: segment.tier, bytes: 0, segments: 0 };
    const now: UsageRecord = { ...was, bytes: was.bytes + sign * segment.size, segments: was.segments + sign };
    next.set(key, now);
    if (now.segments <= 0) batch.del(key);
    else batch.put(key, now);
  }

  /** Takes counters into memory once their batch is written. */
  #apply(next: Iterable<UsageRecord>): void {
    for (const usage of next) {
      const tiers = this.#usage.get(usage.camera) ?? new Map<string, UsageRecord>();
      if (usage.segments > 0) tiers.set(usage.tier, usage);
      else tiers.delete(usage.tier);
      if (tiers.size > 0) this.#usage.set(usage.camera, tiers);
      else this.#usage.delete(usage.camera);
    }
  }

  #mutate<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch((err: unknown) => this.#logger.error({ err }, 'catalogue write failed'));
    return run.catch((err: unknown) => {
      throw new ArgusError('ARGUS_ERR_STORAGE_IO', { operation: 'catalogue write', path: this.#db.location, reason: errorMessage(err) }, { cause: err });
    });
  }
}

function unpart(text: string): string {
  return text.replaceAll('%21', '!').replaceAll('%25', '%');
}

