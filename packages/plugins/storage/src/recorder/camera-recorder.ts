import { randomUUID } from 'node:crypto';
import {
  backoffDelay,
  silentLogger,
  systemClock,
  type ArgusEventMap,
  type Clock,
  type ConsumerHandle,
  type EventBus,
  type Logger,
  type MediaPacket,
  type StreamHub,
} from '@argus/core';
import type { EventMark, StreamChoice } from '../catalogue/records.js';
import { PreBuffer } from './pre-buffer.js';
import { nextScheduleChange, parseSchedule, scheduleActive, type WeeklySchedule } from './recording-schedule.js';
import type { SegmentSink } from './segment-sink.js';

/** What a camera's recorder does with its stream. */
export interface RecordingPolicy {
  /**
   * `continuous`: always; `event`: around triggered events, with a pre- and a post-buffer; `schedule`: inside
   * the weekly schedule's spans; `manual`: only between `startManual` and `stopManual`; `off`: nothing (manual
   * recording still works: it overrides every mode).
   */
  mode: 'continuous' | 'event' | 'schedule' | 'manual' | 'off';
  /** Which of the camera's streams is recorded. */
  stream: StreamChoice;
  /** Event mode: seconds kept before an event starts; default 5. */
  preBufferSeconds?: number;
  /** Event mode: seconds recorded after the last open event ended; default 10. */
  postBufferSeconds?: number;
  /** Schedule mode: when to record (required in that mode). */
  schedule?: WeeklySchedule;
}

/** Why a recording is open: the mode that wanted it, or `manual` when an operator forced it. */
export type RecordingReason = 'continuous' | 'event' | 'schedule' | 'manual';

/** The part of a stream hub a recorder needs. */
export type RecorderHub = Pick<StreamHub, 'attach'>;

/** What {@link CameraRecorderOptions.openSink} is told about the recording it opens a sink for. */
export interface SinkContext {
  camera: string;
  stream: StreamChoice;
  reason: RecordingReason;
}

/** Timer functions of a recorder (fake ones in tests). */
export interface RecorderTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** An event that starts (or marks) an event recording. */
export interface EventTrigger {
  /** e.g. `motion`, `alarm`, `line-crossing`. */
  type: string;
  /** Stable id, to end it later with {@link CameraRecorder.eventEnded}; default a random UUID. */
  id?: string;
  /** Wall-clock start, ms; default now. */
  time?: number;
  /** Wall-clock end, ms, when already known: no {@link CameraRecorder.eventEnded} call is needed then. */
  end?: number;
  /** Who raised it (a driver, a rule). */
  source?: string;
  note?: string;
}

/** Options of {@link CameraRecorder}. */
export interface CameraRecorderOptions {
  camera: string;
  /** The hub of the recorded stream, or a resolver when the policy may switch between main and sub. */
  hub: RecorderHub | ((stream: StreamChoice) => RecorderHub);
  policy: RecordingPolicy;
  /** Opens the sink of one recording (the camera's segment writer); called each time a recording starts. */
  openSink: (context: SinkContext) => SegmentSink;
  clock?: Clock;
  bus?: EventBus;
  logger?: Logger;
  timers?: RecorderTimers;
  /** Called with each event mark: when an event starts, and again (same id, with `end`) when it ends. */
  onEvent?: (mark: EventMark) => void;
  /** Bound of the event pre-buffer, bytes; default 64 MiB. */
  preBufferMaxBytes?: number;
  /** The hub's recorder queue bound, packets (hub default 3000). */
  queueLimit?: number;
  /** Backoff of re-attaching after the hub consumer failed; defaults 1 s doubling to 30 s. */
  reattach?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** A snapshot of a {@link CameraRecorder}. */
export interface CameraRecorderStatus {
  camera: string;
  mode: RecordingPolicy['mode'];
  stream: StreamChoice;
  started: boolean;
  /** Attached to the hub (holding its upstream open). */
  attached: boolean;
  /** A recording is open (a sink is receiving packets). */
  recording: boolean;
  reason: RecordingReason | null;
  /** Wall-clock ms the open recording started. */
  since: number | null;
  manual: { by: string; since: number } | null;
  preBufferSeconds: number;
  preBufferBytes: number;
  eventsOpen: number;
  /** Event mode: wall-clock ms until which the post-buffer keeps recording, once every event has ended. */
  recordUntil: number | null;
  /** Packets every sink accepted since construction. */
  packetsWritten: number;
  writeErrors: number;
  /** Recordings opened since construction. */
  recordings: number;
}

interface Session {
  readonly sink: SegmentSink;
  readonly stream: StreamChoice;
  readonly since: number;
  reason: RecordingReason;
  /** While closing: packets still queued in the hub at the stop decision, which belong to this recording. */
  drainLeft: number | undefined;
  closeReason: string;
  readonly done: Promise<void>;
  resolveDone: () => void;
}

interface Attachment {
  readonly generation: number;
  readonly stream: StreamChoice;
  handle: ConsumerHandle | undefined;
}

const DAY = 86_400_000;
const WARN_EVERY_MS = 60_000;

const defaultTimers: RecorderTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A recorder's timers (a schedule edge days away) must not keep a process alive on their own.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

function checkPolicy(policy: RecordingPolicy): RecordingPolicy {
  const modes = ['continuous', 'event', 'schedule', 'manual', 'off'];
  if (!modes.includes(policy.mode)) throw new RangeError(`recording mode must be one of ${modes.join(', ')}, got ${String(policy.mode)}`);
  if (policy.stream !== 'main' && policy.stream !== 'sub') throw new RangeError(`recorded stream must be main or sub, got ${String(policy.stream)}`);
  for (const key of ['preBufferSeconds', 'postBufferSeconds'] as const) {
    const value = policy[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`${key} must be a number >= 0, got ${value}`);
  }
  if (policy.mode === 'schedule' && policy.schedule === undefined) throw new TypeError('schedule mode needs a schedule');
  // Throws ARGUS_ERR_STORAGE_SCHEDULE_INVALID on a bad schedule, whatever the mode, so a bad config fails early.
  const schedule = policy.schedule === undefined ? undefined : parseSchedule(policy.schedule);
  return { ...policy, ...(schedule === undefined ? {} : { schedule }) };
}

/**
 * Records one camera stream according to its {@link RecordingPolicy}: continuous, on event (with a pre-buffer
 * held in memory from the hub and a post-buffer), on a weekly schedule, or manually. It attaches to the camera's
 * {@link StreamHub} as a `recorder` consumer (which holds the upstream connected and never drops silently) and
 * writes each recording to a fresh {@link SegmentSink}, starting at a video keyframe.
 *
 * Continuous and event modes hold the hub from `start()` to `stop()`; schedule and manual modes attach only while
 * they record (the hub's GOP cache gives the new recording its keyframe at once). Manual recording overrides
 * every mode, `off` included. Policy changes apply live and lose nothing: every packet goes either to the open
 * recording or to the pre-buffer, and a recording that ends first writes what the hub had queued for it.
 *
 * Sink write errors are logged and recording goes on (the writer raises its own alarms); a hub consumer that
 * fails is re-attached with backoff.
 *
 * @example
 * ```ts
 * const recorder = new CameraRecorder({
 *   camera: 'cam-1',
 *   hub: graph.hub('cam-1/main'),
 *   policy: { mode: 'event', stream: 'main', preBufferSeconds: 5, postBufferSeconds: 10 },
 *   openSink: () => new SegmentWriter({ camera: 'cam-1', stream: 'main', catalogue, root }),
 *   bus,
 *   onEvent: (mark) => void catalogue.putMark(mark),
 * });
 * recorder.start(); // attached; pre-buffering
 * const id = recorder.trigger({ type: 'motion', source: 'onvif' }); // writes the last 5 s, then live
 * recorder.eventEnded(id); // records 10 s more, then closes the recording
 * await recorder.stop();
 * ```
 */
export class CameraRecorder {
  /** The recorded camera. */
  readonly camera: string;
  readonly #hub: CameraRecorderOptions['hub'];
  readonly #openSink: CameraRecorderOptions['openSink'];
  readonly #clock: Clock;
  readonly #bus: EventBus | undefined;
  readonly #logger: Logger;
  readonly #timers: RecorderTimers;
  readonly #onEvent: CameraRecorderOptions['onEvent'];
  readonly #preBufferMaxBytes: number | undefined;
  readonly #queueLimit: number | undefined;
  readonly #reattach: { initialDelayMs: number; maxDelayMs: number };
  #policy: RecordingPolicy;
  #buffer: PreBuffer;
  #started = false;
  #session: Session | undefined;
  #attachment: Attachment | undefined;
  #generation = 0;
  #attachFailures = 0;
  #reattachTimer: unknown;
  #scheduleTimer: unknown;
  #scheduleOn = false;
  #eventTimer: unknown;
  readonly #openEvents = new Map<string, EventMark>();
  #recordUntil: number | undefined;
  #manual: { by: string; since: number; id: string } | undefined;
  /** Every sink call, in order: writes of a recording, then its close, then the next recording's writes. */
  #chain: Promise<void> = Promise.resolve();
  #packetsWritten = 0;
  #writeErrors = 0;
  #writeFailing = false;
  #openFailing = false;
  #recordings = 0;
  #lastBytesWarning = Number.NEGATIVE_INFINITY;

  constructor(options: CameraRecorderOptions) {
    if (typeof options.camera !== 'string' || options.camera === '') throw new TypeError('CameraRecorder needs a camera id');
    if (typeof options.openSink !== 'function') throw new TypeError('CameraRecorder needs an openSink function');
    this.camera = options.camera;
    this.#hub = options.hub;
    this.#openSink = options.openSink;
    this.#clock = options.clock ?? systemClock;
    this.#bus = options.bus;
    this.#logger = (options.logger ?? silentLogger()).child({ camera: options.camera, component: 'recorder' });
    this.#timers = options.timers ?? defaultTimers;
    this.#onEvent = options.onEvent;
    this.#preBufferMaxBytes = options.preBufferMaxBytes;
    this.#queueLimit = options.queueLimit;
    this.#reattach = { initialDelayMs: 1_000, maxDelayMs: 30_000, ...options.reattach };
    this.#policy = checkPolicy(options.policy);
    this.#buffer = this.#newBuffer();
  }

  /** The policy in force. */
  get policy(): RecordingPolicy {
    return this.#policy;
  }

  /** Starts recording as the policy says. Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#logger.info({ mode: this.#policy.mode, stream: this.#policy.stream }, 'recorder started');
    this.#armScheduleTimer();
    this.#armEventTimer();
    this.#reconcile('started');
  }

  /**
   * Stops: closes the open recording (after writing what the hub had queued for it), detaches from the hub
   * (releasing its upstream) and resolves once the sink is closed. Events and manual state are kept for a
   * later {@link start}.
   */
  async stop(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      this.#clearTimer('schedule');
      this.#clearTimer('event');
      this.#clearTimer('reattach');
      this.#reconcile('stopped');
      this.#logger.info('recorder stopped');
    }
    const session = this.#session;
    if (session !== undefined) await session.done;
    await this.#chain;
  }

  /**
   * Changes the policy live. The open recording goes on when the new policy still wants it (same stream), and
   * otherwise closes cleanly after the packets already queued for it; from then on packets feed the pre-buffer.
   *
   * @throws RangeError/TypeError on a malformed policy; ArgusError `ARGUS_ERR_STORAGE_SCHEDULE_INVALID` on a bad schedule.
   */
  setPolicy(policy: RecordingPolicy): void {
    const next = checkPolicy(policy);
    const previous = this.#policy;
    this.#policy = next;
    if (previous.stream !== next.stream) {
      this.#buffer.clear();
    }
    if (this.#bufferSeconds(previous) !== this.#bufferSeconds(next)) {
      const held = this.#buffer.take();
      this.#buffer = this.#newBuffer();
      for (const packet of held) this.#buffer.push(packet);
    }
    this.#logger.info({ from: previous.mode, to: next.mode, stream: next.stream }, 'recording policy changed');
    this.#armScheduleTimer();
    this.#armEventTimer();
    this.#reconcile('policy-changed');
  }

  /**
   * Marks an event and, in event mode, records around it: the pre-buffer, then live packets until
   * `postBufferSeconds` after the last open event ended. Overlapping events extend one recording. In other
   * modes the event is only marked. Returns the event id.
   */
  trigger(event: EventTrigger): string {
    if (typeof event.type !== 'string' || event.type === '') throw new TypeError('trigger() needs an event type');
    const now = this.#clock.now();
    const id = event.id ?? randomUUID();
    const mark: EventMark = {
      camera: this.camera,
      id,
      time: event.time ?? now,
      type: event.type,
      ...(event.end === undefined ? {} : { end: event.end }),
      ...(event.source === undefined ? {} : { source: event.source }),
      ...(event.note === undefined ? {} : { note: event.note }),
    };
    if (event.end === undefined) {
      this.#openEvents.set(id, mark);
    } else {
      this.#openEvents.delete(id);
      this.#extendUntil(event.end);
    }
    this.#mark(mark);
    this.#armEventTimer();
    this.#reconcile('event');
    return id;
  }

  /** Ends an open event at `end` (default now): recording goes on for the post-buffer. False for an unknown id. */
  eventEnded(id: string, end: number = this.#clock.now()): boolean {
    const mark = this.#openEvents.get(id);
    if (mark === undefined) return false;
    this.#openEvents.delete(id);
    this.#extendUntil(end);
    this.#mark({ ...mark, end });
    this.#armEventTimer();
    this.#reconcile('event-ended');
    return true;
  }

  /**
   * Forces recording, whatever the mode (`off` included), until {@link stopManual}; marked as a `manual` event
   * with `by` as its source. Takes effect once the recorder is started. Calling it again while on does nothing.
   */
  startManual(by: string): void {
    if (this.#manual !== undefined) return;
    const now = this.#clock.now();
    this.#manual = { by, since: now, id: randomUUID() };
    this.#mark({ camera: this.camera, id: this.#manual.id, time: now, type: 'manual', source: by });
    this.#logger.info({ by }, 'manual recording started');
    this.#reconcile('manual');
  }

  /** Ends manual recording; the mode's own rule applies again. Does nothing when manual recording is off. */
  stopManual(by: string): void {
    const manual = this.#manual;
    if (manual === undefined) return;
    this.#manual = undefined;
    this.#mark({ camera: this.camera, id: manual.id, time: manual.since, end: this.#clock.now(), type: 'manual', source: manual.by });
    this.#logger.info({ by }, 'manual recording stopped');
    this.#reconcile('manual-stopped');
  }

  /** A snapshot of what the recorder does. */
  status(): CameraRecorderStatus {
    const buffer = this.#buffer.stats();
    const session = this.#session;
    return {
      camera: this.camera,
      mode: this.#policy.mode,
      stream: this.#policy.stream,
      started: this.#started,
      attached: this.#attachment?.handle !== undefined,
      recording: session !== undefined,
      reason: session?.reason ?? null,
      since: session?.since ?? null,
      manual: this.#manual === undefined ? null : { by: this.#manual.by, since: this.#manual.since },
      preBufferSeconds: buffer.seconds,
      preBufferBytes: buffer.bytes,
      eventsOpen: this.#openEvents.size,
      recordUntil: this.#recordUntil ?? null,
      packetsWritten: this.#packetsWritten,
      writeErrors: this.#writeErrors,
      recordings: this.#recordings,
    };
  }

  /** Same as {@link status}. */
  toJSON(): CameraRecorderStatus {
    return this.status();
  }

  // --- what is wanted ---

  #wanted(): RecordingReason | undefined {
    if (!this.#started) return undefined;
    if (this.#manual !== undefined) return 'manual';
    switch (this.#policy.mode) {
      case 'continuous':
        return 'continuous';
      case 'event':
        return this.#openEvents.size > 0 || (this.#recordUntil !== undefined && this.#clock.now() < this.#recordUntil)
          ? 'event'
          : undefined;
      case 'schedule':
        return this.#scheduleOn ? 'schedule' : undefined;
      default:
        return undefined;
    }
  }

  /** Continuous and event modes always hold the hub (the pre-buffer needs it); the others only while recording. */
  #holdsUpstream(wanted: RecordingReason | undefined): boolean {
    if (!this.#started) return false;
    return wanted !== undefined || this.#policy.mode === 'continuous' || this.#policy.mode === 'event';
  }

  /** Brings the recording and the attachment in line with what is wanted now. */
  #reconcile(closeReason: string): void {
    const wanted = this.#wanted();
    const session = this.#session;
    if (session !== undefined) {
      if (wanted !== undefined && session.stream === this.#policy.stream) {
        session.reason = wanted;
        if (session.drainLeft !== undefined) {
          session.drainLeft = undefined;
          this.#logger.debug('recording wanted again while closing; kept open');
        }
      } else if (session.drainLeft === undefined) {
        this.#beginClose(session, closeReason);
      }
      return;
    }
    if (this.#holdsUpstream(wanted)) this.#ensureAttached();
    else this.#detach();
    if (wanted !== undefined && this.#buffer.ready && this.#attachment?.stream === this.#policy.stream) {
      this.#openSession(wanted);
    }
  }

  // --- recordings ---

  #openSession(reason: RecordingReason): void {
    const stream = this.#policy.stream;
    let sink: SegmentSink;
    try {
      sink = this.#openSink({ camera: this.camera, stream, reason });
    } catch (err) {
      // Retried with the next packet; the writer raises its own alarm, so log once per failing run.
      if (!this.#openFailing) this.#logger.error({ err }, 'could not open a recording sink; retrying');
      this.#openFailing = true;
      return;
    }
    this.#openFailing = false;
    let resolveDone = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const session: Session = {
      sink,
      stream,
      since: this.#clock.now(),
      reason,
      drainLeft: undefined,
      closeReason: '',
      done,
      resolveDone,
    };
    this.#session = session;
    this.#recordings += 1;
    this.#emit('recordingStarted', { camera: this.camera, stream, mode: reason });
    this.#logger.info({ reason, stream }, 'recording started');
    for (const packet of this.#buffer.take()) this.#write(session, packet);
  }

  /** Stops routing to the recording once the packets the hub already queued for it are written. */
  #beginClose(session: Session, reason: string): void {
    const handle = this.#attachment?.handle;
    const stats = handle?.stats();
    const queued = stats !== undefined && (stats.state === 'active' || stats.state === 'draining') ? stats.queued : 0;
    if (queued === 0) {
      this.#finishClose(session, reason);
      return;
    }
    session.drainLeft = queued;
    session.closeReason = reason;
    this.#logger.debug({ queued, reason }, 'recording closing after the queued packets');
  }

  #finishClose(session: Session, reason: string): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#chain = this.#chain
      .then(() => session.sink.close(reason))
      .then(
        () => undefined,
        (err: unknown) => this.#logger.error({ err, reason }, 'closing the recording sink failed'),
      )
      .finally(() => session.resolveDone());
    this.#emit('recordingStopped', { camera: this.camera, stream: session.stream, reason });
    this.#logger.info({ reason }, 'recording stopped');
    this.#reconcile(reason);
  }

  #write(session: Session, packet: MediaPacket): void {
    this.#chain = this.#chain
      .then(() => session.sink.write(packet))
      .then(
        () => {
          this.#packetsWritten += 1;
          this.#writeFailing = false;
        },
        (err: unknown) => {
          this.#writeErrors += 1;
          // The writer raises the alarm; one error line per failing run, not one per packet.
          if (this.#writeFailing) this.#logger.debug({ err }, 'recording write failed');
          else this.#logger.error({ err }, 'recording write failed; going on');
          this.#writeFailing = true;
        },
      );
  }

  // --- the hub ---

  #onPacket(packet: MediaPacket): Promise<void> | undefined {
    this.#attachFailures = 0;
    const session = this.#session;
    if (session !== undefined) {
      this.#write(session, packet);
      if (session.drainLeft !== undefined) {
        session.drainLeft -= 1;
        if (session.drainLeft <= 0) this.#finishClose(session, session.closeReason);
      }
      // Backpressure: the hub queues (bounded, with its overflow alarm) while the sink is slow.
      return this.#chain;
    }
    if (this.#buffer.push(packet)) {
      const now = this.#clock.now();
      if (now - this.#lastBytesWarning >= WARN_EVERY_MS) {
        this.#lastBytesWarning = now;
        this.#logger.warn({ bytes: this.#buffer.stats().bytes }, 'pre-buffer over its byte bound; dropped its oldest GOPs');
      }
    }
    this.#reconcile('stopped');
    return this.#session === undefined ? undefined : this.#chain;
  }

  #ensureAttached(): void {
    const attachment = this.#attachment;
    if (attachment !== undefined) {
      if (attachment.stream === this.#policy.stream) return;
      this.#detach();
    }
    if (this.#reattachTimer !== undefined) return;
    const stream = this.#policy.stream;
    const generation = ++this.#generation;
    const current: Attachment = { generation, stream, handle: undefined };
    // Set before attach(): the hub replays its GOP cache synchronously, into #onPacket.
    this.#attachment = current;
    try {
      const hub = typeof this.#hub === 'function' ? this.#hub(stream) : this.#hub;
      const handle = hub.attach({
        kind: 'recorder',
        name: 'recorder',
        ...(this.#queueLimit === undefined ? {} : { limit: this.#queueLimit }),
        sink: (packet) => (this.#attachment?.generation === generation ? this.#onPacket(packet) : undefined),
        onError: (err) => this.#consumerFailed(generation, err),
      });
      if (this.#attachment === current) current.handle = handle;
      else handle.detach();
    } catch (err) {
      if (this.#attachment === current) this.#attachment = undefined;
      this.#logger.error({ err, stream }, 'could not attach to the stream hub');
      this.#scheduleReattach();
    }
  }

  #detach(): void {
    const attachment = this.#attachment;
    if (attachment === undefined) return;
    this.#attachment = undefined;
    attachment.handle?.detach();
    // What the buffer holds came from this attachment; a new one starts again from the hub's GOP cache.
    this.#buffer.clear();
  }

  #consumerFailed(generation: number, err: unknown): void {
    if (this.#attachment?.generation !== generation) return;
    this.#logger.warn({ err }, 'hub consumer failed; re-attaching');
    this.#attachment = undefined;
    this.#buffer.clear();
    this.#scheduleReattach();
    const session = this.#session;
    if (session !== undefined) this.#finishClose(session, 'stream-failed');
  }

  #scheduleReattach(): void {
    if (this.#reattachTimer !== undefined || !this.#started) return;
    this.#attachFailures += 1;
    const delayMs = backoffDelay(this.#attachFailures, this.#reattach);
    this.#reattachTimer = this.#timers.setTimeout(() => {
      this.#reattachTimer = undefined;
      this.#reconcile('stopped');
    }, delayMs);
  }

  // --- time ---

  #armScheduleTimer(): void {
    this.#clearTimer('schedule');
    const schedule = this.#policy.schedule;
    if (!this.#started || this.#policy.mode !== 'schedule' || schedule === undefined) return;
    const now = this.#clock.now();
    this.#scheduleOn = scheduleActive(schedule, now);
    const next = nextScheduleChange(schedule, now) ?? now + 7 * DAY;
    this.#scheduleTimer = this.#timers.setTimeout(() => {
      this.#scheduleTimer = undefined;
      this.#armScheduleTimer();
      this.#reconcile('schedule-ended');
    }, Math.max(0, next - now));
  }

  #extendUntil(end: number): void {
    const until = end + (this.#policy.postBufferSeconds ?? 10) * 1000;
    if (this.#recordUntil === undefined || until > this.#recordUntil) this.#recordUntil = until;
  }

  #armEventTimer(): void {
    this.#clearTimer('event');
    if (!this.#started || this.#openEvents.size > 0 || this.#recordUntil === undefined) return;
    const left = this.#recordUntil - this.#clock.now();
    if (left <= 0) {
      this.#recordUntil = undefined;
      return;
    }
    this.#eventTimer = this.#timers.setTimeout(() => {
      this.#eventTimer = undefined;
      // Re-arms itself if the clock is behind the timer; clears the deadline once passed.
      this.#armEventTimer();
      this.#reconcile('post-buffer-elapsed');
    }, left);
  }

  #clearTimer(which: 'schedule' | 'event' | 'reattach'): void {
    const handle = which === 'schedule' ? this.#scheduleTimer : which === 'event' ? this.#eventTimer : this.#reattachTimer;
    if (handle === undefined) return;
    this.#timers.clearTimeout(handle);
    if (which === 'schedule') this.#scheduleTimer = undefined;
    else if (which === 'event') this.#eventTimer = undefined;
    else this.#reattachTimer = undefined;
  }

  // --- helpers ---

  #bufferSeconds(policy: RecordingPolicy): number {
    // Other modes keep just the current GOP, so a recording they open starts on its keyframe without waiting.
    return policy.mode === 'event' ? (policy.preBufferSeconds ?? 5) : 0;
  }

  #newBuffer(): PreBuffer {
    return new PreBuffer({
      seconds: this.#bufferSeconds(this.#policy),
      ...(this.#preBufferMaxBytes === undefined ? {} : { maxBytes: this.#preBufferMaxBytes }),
    });
  }

  #mark(mark: EventMark): void {
    try {
      this.#onEvent?.(mark);
    } catch (err) {
      this.#logger.error({ err, id: mark.id }, 'onEvent callback threw');
    }
  }

  #emit<K extends 'recordingStarted' | 'recordingStopped'>(type: K, payload: ArgusEventMap[K]): void {
    this.#bus?.emit(type, payload, { source: 'storage', cameraId: this.camera });
  }
}
