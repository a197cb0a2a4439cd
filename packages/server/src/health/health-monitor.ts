import { resolveCameraSettings, silentLogger, systemClock, type Clock, type Kernel, type Logger, type StreamHubStats } from '@argus/core';
import { AvailabilityRing } from './availability-ring.js';

/**
 * Health of a camera: `online` when its main stream is live and its last packet is recent, `offline` when the
 * stream failed, is reconnecting or went stale, `unknown` when nothing has been asked of it yet.
 */
export type CameraHealthStatus = 'online' | 'offline' | 'unknown';

/** Recording state of a camera: whether its recorder is writing now (any mode). */
export type RecordingState = 'recording' | 'not-recording';

/** Health of one camera at its last sample. */
export interface CameraHealth {
  id: string;
  status: CameraHealthStatus;
  fps: number;
  bitrateKbps: number;
  /** ISO time of the last packet received, or `null` when none yet. */
  lastFrameAt: string | null;
  recording: RecordingState;
  /** Online percentage (0..100) of the known samples of the last 24 h; `null` when none was known. */
  availability24h: number | null;
  /** Online percentage (0..100) of the known samples of the last 7 days; `null` when none was known. */
  availability7d: number | null;
}

/** What the monitor samples; {@link kernelHealthSources} reads a kernel. */
export interface HealthSources {
  /** Ids of every camera in the inventory. */
  cameraIds(): readonly string[];
  /** Statistics of a camera's main stream hub, or `undefined` when no hub exists yet. */
  hubStats(cameraId: string): StreamHubStats | undefined;
  /** Seconds without a packet after which a live stream counts as offline. */
  offlineAfterSeconds(cameraId: string): number;
  /** Whether the camera is being recorded now; absent (never recording) without a storage plugin. */
  recording?(cameraId: string): boolean;
}

/** The timer functions the monitor uses; tests pass fakes. */
export interface HealthTimer {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  sources: HealthSources;
  /** Sampling period, ms; default 10 000. */
  intervalMs?: number;
  clock?: Clock;
  timer?: HealthTimer;
  logger?: Logger;
  /** Width of an availability bucket, ms; default one minute (a 7-day ring of 10 080 buckets per camera). */
  bucketMs?: number;
}

const DAY = 24 * 3_600_000;

const defaultTimer: HealthTimer = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    // The monitor must never be what keeps a process alive.
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

interface CameraRecord {
  status: CameraHealthStatus;
  fps: number;
  bitrateBps: number;
  lastPacketAt: number | null;
  // Allocated with the first known sample: cameras nobody looked at cost nothing.
  ring?: AvailabilityRing;
}

/**
 * Reads the samples of a running kernel: its inventory, its main stream hubs and the per-camera health settings, and
 * the recording state from `recording` when given (the storage plugin's recorders).
 */
export function kernelHealthSources(kernel: Kernel, recording?: (cameraId: string) => boolean): HealthSources {
  return {
    ...(recording === undefined ? {} : { recording }),
    cameraIds: () => kernel.devices.list().map((camera) => camera.id),
    hubStats: (cameraId) => kernel.streams.get(`${cameraId}/main`)?.stats(),
    offlineAfterSeconds: (cameraId) => {
      try {
        return resolveCameraSettings(kernel.config.current, cameraId).health.offlineAfterSeconds;
      } catch {
        // A camera naming an undefined group still gets the global default rather than no health at all.
        return kernel.config.current.defaults.health.offlineAfterSeconds;
      }
    },
  };
}

/**
 * Samples the health of every camera on a timer and keeps each camera's availability over 24 h and 7 days.
 *
 * Cameras are connected lazily, so a camera whose stream nobody has opened is `unknown` and its availability only
 * counts samples whose status was known; periodic probing of idle cameras is left to a later issue.
 *
 * @example
 * ```ts
 * const monitor = new HealthMonitor({ sources: kernelHealthSources(kernel), clock: kernel.clock });
 * monitor.start();
 * monitor.camera('cam-1'); // { status: 'online', fps: 25, availability24h: 99.5, ... }
 * monitor.stop();
 * ```
 */
export class HealthMonitor {
  readonly #sources: HealthSources;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #timer: HealthTimer;
  readonly #logger: Logger;
  readonly #bucketMs: number | undefined;
  readonly #cameras = new Map<string, CameraRecord>();
  #handle: unknown;
  #running = false;

  constructor(options: HealthMonitorOptions) {
    if (typeof options.sources?.cameraIds !== 'function') throw new TypeError('HealthMonitor needs sources');
    const intervalMs = options.intervalMs ?? 10_000;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError('intervalMs must be positive');
    this.#sources = options.sources;
    this.#intervalMs = intervalMs;
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? defaultTimer;
    this.#logger = options.logger ?? silentLogger();
    this.#bucketMs = options.bucketMs;
  }

  /** Samples now, then every `intervalMs` until {@link HealthMonitor.stop}. Starting twice does nothing. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.sampleNow();
    this.#handle = this.#timer.setInterval(() => this.sampleNow(), this.#intervalMs);
  }

  /** Stops sampling; the samples taken so far stay readable. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#timer.clearInterval(this.#handle);
    this.#handle = undefined;
  }

  /** Takes one sample of every camera; cameras no longer in the inventory are forgotten. */
  sampleNow(): void {
    const now = this.#clock.now();
    const ids = new Set(this.#sources.cameraIds());
    for (const id of this.#cameras.keys()) if (!ids.has(id)) this.#cameras.delete(id);
    for (const id of ids) {
      try {
        this.#sample(id, now);
      } catch (err) {
        this.#logger.warn({ err, camera: id }, 'health sample failed');
      }
    }
  }

  #sample(id: string, now: number): void {
    const stats = this.#sources.hubStats(id);
    const status = stats === undefined ? 'unknown' : statusOf(stats, now, this.#sources.offlineAfterSeconds(id) * 1000);
    let record = this.#cameras.get(id);
    if (record === undefined) {
      record = { status, fps: 0, bitrateBps: 0, lastPacketAt: null };
      this.#cameras.set(id, record);
    }
    record.status = status;
    record.fps = stats?.fps ?? 0;
    record.bitrateBps = stats?.bitrateBps ?? 0;
    record.lastPacketAt = stats?.lastPacketAt ?? record.lastPacketAt;
    if (status === 'unknown') return;
    record.ring ??= new AvailabilityRing(this.#bucketMs === undefined ? {} : { bucketMs: this.#bucketMs });
    record.ring.record(now, status === 'online');
  }

  /** Health of a camera at its last sample; `unknown` with no availability when it was never sampled. */
  camera(id: string): CameraHealth {
    const record = this.#cameras.get(id);
    const now = this.#clock.now();
    const online = record?.status === 'online';
    return {
      id,
      status: record?.status ?? 'unknown',
      // A stale meter still shows its last window; only a live stream has a rate worth showing.
      fps: online ? round(record.fps) : 0,
      bitrateKbps: online ? round(record.bitrateBps / 1000) : 0,
      lastFrameAt: record?.lastPacketAt == null ? null : new Date(record.lastPacketAt).toISOString(),
      recording: this.#sources.recording?.(id) === true ? 'recording' : 'not-recording',
      availability24h: record?.ring?.availability(now, DAY) ?? null,
      availability7d: record?.ring?.availability(now, 7 * DAY) ?? null,
    };
  }
}

function statusOf(stats: StreamHubStats, now: number, offlineAfterMs: number): CameraHealthStatus {
  switch (stats.state) {
    case 'live':
      return stats.lastPacketAt !== null && now - stats.lastPacketAt < offlineAfterMs ? 'online' : 'offline';
    case 'reconnecting':
    case 'failed':
      return 'offline';
    default:
      // idle, connecting (first attempt) or closed: nobody is asking the camera for anything we could judge.
      return 'unknown';
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
