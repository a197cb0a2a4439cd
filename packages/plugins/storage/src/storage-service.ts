import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ArgusError,
  errorMessage,
  resolveCameraSettings,
  silentLogger,
  systemClock,
  type Camera,
  type CameraSettings,
  type Clock,
  type ConfigStore,
  type DeviceRegistry,
  type EventBus,
  type Logger,
  type StreamGraph,
} from '@argus/core';
import type { Subscription } from 'rxjs';
import { Catalogue } from './catalogue/catalogue.js';
import type { EventMark, EvidenceLock, StreamChoice } from './catalogue/records.js';
import { exportCase, type ExportCaseResult } from './export/export-case.js';
import { MANIFEST_FILE } from './export/export-manifest.js';
import { ExportSigner } from './export/export-signer.js';
import { Playback } from './playback/playback.js';
import { CameraRecorder, type CameraRecorderStatus, type EventTrigger, type RecordingPolicy } from './recorder/camera-recorder.js';
import { scheduleFromWindows } from './recorder/recording-schedule.js';
import { EvidenceLocks, type LockRequest } from './retention/evidence-locks.js';
import { Retention, type RetentionPolicy, type VolumeSpace } from './retention/retention.js';
import { repairSegments, type RepairReport } from './writer/segment-repair.js';
import { SegmentWriter } from './writer/segment-writer.js';
import type { StorageTier } from './writer/storage-tier.js';

/** Options of {@link StorageService}. */
export interface StorageServiceOptions {
  /** Folder of the catalogue (`catalogue/`), the export signing key and exports (`exports/`). */
  readonly dataDir: string;
  /**
   * Where footage lives: `tiers[0]` is the fast tier recording writes to, then archive tiers in order. Default one
   * tier, `fast`, at `<dataDir>/recordings`.
   */
  readonly tiers?: readonly StorageTier[];
  /** Free space to keep on every tier's volume: the larger of `percent` of its size (default 5) and `bytes` (default 5 GiB). */
  readonly floor?: { readonly percent?: number; readonly bytes?: number };
  /** Time between retention runs; default 60 s. */
  readonly retentionIntervalMs?: number;
  /** IANA time zone of recording schedules; default the system's. */
  readonly timeZone?: string;
  /** Volume space of a path; default `fs.promises.statfs` (tests put a fake disk here). */
  readonly statfs?: (path: string) => Promise<VolumeSpace>;
  readonly devices: DeviceRegistry;
  readonly streams: StreamGraph;
  readonly config: ConfigStore;
  readonly bus: EventBus;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** A request for {@link StorageService.export}. */
export interface ExportRequest {
  readonly cameras: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly exportedBy: string;
  readonly stream?: StreamChoice;
}

/** Where an export stands. */
export interface ExportStatus {
  readonly id: string;
  readonly state: 'running' | 'completed' | 'failed';
  readonly cameras: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly exportedBy: string;
  readonly startedAt: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Folder of the finished export. */
  readonly dir?: string;
  /** File names of the finished export, manifest included. */
  readonly files?: readonly string[];
  readonly error?: string;
}

interface Managed {
  readonly recorder: CameraRecorder;
  policyKey: string;
}

const DEFAULT_TIER = 'fast';
const EXPORT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The recording policy a camera's resolved settings ask for (mode `off` included). */
function policyOf(settings: CameraSettings, timeZone: string): RecordingPolicy {
  const recording = settings.recording;
  const policy: RecordingPolicy = {
    mode: recording.mode,
    stream: recording.stream,
    preBufferSeconds: recording.preBufferSeconds,
    postBufferSeconds: recording.postBufferSeconds,
  };
  if (recording.mode === 'schedule' && recording.schedule !== undefined && recording.schedule.length > 0) {
    return { ...policy, schedule: scheduleFromWindows(recording.schedule, timeZone) };
  }
  // A schedule mode without windows never records: say so with `off` rather than fail the camera.
  return recording.mode === 'schedule' ? { ...policy, mode: 'off' } : policy;
}

function retentionOf(settings: CameraSettings): RetentionPolicy {
  const retention = settings.retention;
  return {
    maxAgeDays: retention.maxAgeDays,
    ...(retention.maxSizeGb === undefined ? {} : { maxBytes: Math.round(retention.maxSizeGb * 2 ** 30) }),
    ...(retention.archiveAfterDays === undefined ? {} : { archiveAfterDays: retention.archiveAfterDays }),
  };
}

/**
 * The storage plugin's running parts, wired to the kernel: a {@link CameraRecorder} per enabled camera whose
 * settings ask for recording (each writing through a {@link SegmentWriter}), crash repair at start, {@link Retention}
 * on a timer, {@link EvidenceLocks}, {@link Playback} and signed exports. Camera settings (recording mode, stream,
 * buffers, schedule, segment length, retention) come from the configuration with group inheritance and apply live;
 * `cameraEventStarted`/`cameraEventEnded` on the bus drive event recording.
 *
 * @example
 * ```ts
 * const storage = new StorageService({ dataDir, devices: kernel.devices, streams: kernel.streams, config: kernel.config, bus: kernel.bus });
 * await storage.start();
 * const day = await storage.playback.timeline('gate-1', dayStart, dayStart + 86_400_000);
 * await storage.stop();
 * ```
 */
export class StorageService {
  readonly #options: StorageServiceOptions;
  readonly #tiers: readonly StorageTier[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeZone: string;
  readonly #recorders = new Map<string, Managed>();
  /**
   * Retention policy per camera, resolved on first use after each configuration change (and after a change of the
   * camera itself): retention asks for every camera with footage on every run, once a minute.
   */
  readonly #retentionPolicies = new Map<string, RetentionPolicy>();
  readonly #exports = new Map<string, ExportStatus>();
  readonly #subscriptions: Subscription[] = [];
  #catalogue: Catalogue | undefined;
  #locks: EvidenceLocks | undefined;
  #retention: Retention | undefined;
  #playback: Playback | undefined;
  #signer: ExportSigner | undefined;
  #repair: RepairReport | undefined;

  constructor(options: StorageServiceOptions) {
    this.#options = options;
    this.#tiers = options.tiers ?? [{ name: DEFAULT_TIER, root: join(resolve(options.dataDir), 'recordings') }];
    if (this.#tiers.length === 0) throw new RangeError('StorageService needs at least one storage tier');
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  /** The catalogue (after {@link start}). */
  get catalogue(): Catalogue {
    return this.#started(this.#catalogue);
  }

  /** Evidence locks (after {@link start}). */
  get locks(): EvidenceLocks {
    return this.#started(this.#locks);
  }

  /** Playback by time (after {@link start}). */
  get playback(): Playback {
    return this.#started(this.#playback);
  }

  /** Retention (after {@link start}); `runOnce()` runs a pass now. */
  get retention(): Retention {
    return this.#started(this.#retention);
  }

  /** The key that signs exports (after {@link start}). */
  get signer(): ExportSigner {
    return this.#started(this.#signer);
  }

  /** The storage tiers, fast first. */
  get tiers(): readonly StorageTier[] {
    return this.#tiers;
  }

  /** What crash repair found at start. */
  get repairReport(): RepairReport | undefined {
    return this.#repair;
  }

  /**
   * Opens the catalogue, repairs segments a killed process left open, then starts retention and a recorder for each
   * camera that should record.
   */
  async start(): Promise<void> {
    const dataDir = resolve(this.#options.dataDir);
    await mkdir(dataDir, { recursive: true });
    for (const tier of this.#tiers) await mkdir(tier.root, { recursive: true });
    const logger = this.#logger;
    const catalogue = await Catalogue.open(join(dataDir, 'catalogue'), { logger: logger.child({ component: 'catalogue' }) });
    this.#catalogue = catalogue;
    this.#repair = await repairSegments(catalogue, this.#tiers, { logger: logger.child({ component: 'repair' }), clock: this.#clock });
    if (this.#repair.repaired.length + this.#repair.removed.length + this.#repair.failed.length > 0) {
      logger.warn(
        { repaired: this.#repair.repaired.length, removed: this.#repair.removed.length, failed: this.#repair.failed.length },
        'repaired segments left open by an earlier run',
      );
    }
    this.#signer = await ExportSigner.loadOrCreate(dataDir);
    const { bus } = this.#options;
    this.#locks = new EvidenceLocks({ catalogue, bus, clock: this.#clock, logger: logger.child({ component: 'locks' }) });
    this.#retention = new Retention({
      catalogue,
      tiers: this.#tiers,
      policyFor: (camera) => this.#retentionOf(camera),
      locks: this.#locks,
      isWriting: (segment) => !segment.complete,
      clock: this.#clock,
      bus,
      logger: logger.child({ component: 'retention' }),
      ...(this.#options.floor === undefined ? {} : { floor: this.#options.floor }),
      ...(this.#options.statfs === undefined ? {} : { statfs: this.#options.statfs }),
    });
    this.#playback = new Playback({ catalogue, tiers: this.#tiers, logger: logger.child({ component: 'playback' }) });
    this.#retention.start(this.#options.retentionIntervalMs ?? 60_000);

    this.#subscriptions.push(
      this.#options.devices.changes$.subscribe((change) => {
        this.#retentionPolicies.delete(change.id);
        this.#reconcileCamera(change.id);
      }),
      // The current configuration first (the initial pass), then each change.
      this.#options.config.config$.subscribe(() => {
        this.#retentionPolicies.clear();
        this.#reconcile();
      }),
      // The payload is an EventTrigger with the camera id besides.
      bus.on$('cameraEventStarted').subscribe(({ payload }) => this.#recorders.get(payload.cameraId)?.recorder.trigger(payload)),
      bus.on$('cameraEventEnded').subscribe(({ payload }) => {
        this.#recorders.get(payload.cameraId)?.recorder.eventEnded(payload.id, payload.time);
      }),
    );
  }

  /** Stops every recorder (closing their segments cleanly), retention, and the catalogue. */
  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions.splice(0)) subscription.unsubscribe();
    const recorders = [...this.#recorders.values()];
    this.#recorders.clear();
    await Promise.all(recorders.map((m) => m.recorder.stop()));
    await this.#retention?.stop();
    await this.#catalogue?.close();
  }

  /** Recorder status of a camera, or `undefined` when it has none (unknown, disabled, or never set to record). */
  recorderStatus(camera: string): CameraRecorderStatus | undefined {
    return this.#recorders.get(camera)?.recorder.status();
  }

  /** Every recorder's status. */
  recorders(): CameraRecorderStatus[] {
    return [...this.#recorders.values()].map((m) => m.recorder.status());
  }

  /**
   * Starts (or stops) manual recording of a camera, in any mode.
   *
   * @throws ArgusError `ARGUS_ERR_DEVICE_NOT_FOUND` for an unknown camera.
   */
  manual(camera: string, action: 'start' | 'stop', by: string): CameraRecorderStatus {
    const recorder = this.#recorderFor(camera);
    if (action === 'start') recorder.startManual(by);
    else recorder.stopManual(by);
    return recorder.status();
  }

  /**
   * Marks an event on a camera's timeline and, in event mode, records around it.
   *
   * @throws ArgusError `ARGUS_ERR_DEVICE_NOT_FOUND` for an unknown camera.
   */
  trigger(camera: string, event: EventTrigger): string {
    return this.#recorderFor(camera).trigger(event);
  }

  /** Places an evidence lock (see {@link EvidenceLocks.lock}). */
  lock(request: LockRequest): Promise<EvidenceLock> {
    return this.locks.lock(request);
  }

  /**
   * Exports cameras × a time range into `<dataDir>/exports/<id>/` in the background; follow it with
   * {@link exportStatus} or the `exportProgressed`/`exportCompleted`/`exportFailed` events.
   */
  export(request: ExportRequest): ExportStatus {
    const id = randomUUID();
    const dir = join(resolve(this.#options.dataDir), 'exports', id);
    let status: ExportStatus = {
      id,
      state: 'running',
      cameras: [...request.cameras],
      from: request.from,
      to: request.to,
      exportedBy: request.exportedBy,
      startedAt: this.#clock.now(),
      bytesDone: 0,
      bytesTotal: 0,
    };
    this.#exports.set(id, status);
    const progress = this.#options.bus.on$('exportProgressed').subscribe(({ payload }) => {
      if (payload.exportId !== id) return;
      status = { ...status, bytesDone: payload.bytesDone, bytesTotal: Math.max(status.bytesTotal, payload.bytesTotal) };
      this.#exports.set(id, status);
    });
    const run = async (): Promise<ExportCaseResult> => {
      await mkdir(join(resolve(this.#options.dataDir), 'exports'), { recursive: true });
      return exportCase({
        catalogue: this.catalogue,
        tiers: this.#tiers,
        cameras: request.cameras,
        from: request.from,
        to: request.to,
        exportedBy: request.exportedBy,
        outDir: dir,
        signer: this.signer,
        exportId: id,
        bus: this.#options.bus,
        clock: this.#clock,
        logger: this.#logger.child({ component: 'export', exportId: id }),
        ...(request.stream === undefined ? {} : { stream: request.stream }),
      });
    };
    run()
      .then((result) => {
        // What exportCase wrote: the manifest and the files it lists.
        const files = [MANIFEST_FILE, ...result.manifest.files.map((file) => file.name)].sort();
        status = { ...status, state: 'completed', dir: result.dir, files, bytesDone: result.bytes, bytesTotal: result.bytes };
      })
      .catch((err: unknown) => {
        status = { ...status, state: 'failed', error: errorMessage(err) };
        this.#logger.error({ err, exportId: id }, 'export failed');
      })
      .finally(() => {
        progress.unsubscribe();
        this.#exports.set(id, status);
      });
    return status;
  }

  /** An export's status; `undefined` for an unknown id. */
  exportStatus(id: string): ExportStatus | undefined {
    if (!EXPORT_ID.test(id)) return undefined;
    return this.#exports.get(id);
  }

  /** Every export started since this service started. */
  exports(): ExportStatus[] {
    return [...this.#exports.values()];
  }

  #started<T>(value: T | undefined): T {
    if (value === undefined) throw new TypeError('StorageService is not started: await start() first');
    return value;
  }

  #settingsOf(camera: string): CameraSettings {
    const groups = this.#options.devices.tryGet(camera)?.groups ?? [];
    try {
      return resolveCameraSettings(this.#options.config.current, camera, groups);
    } catch {
      // A camera naming an undefined group: the group is ignored rather than the camera left unprotected.
      return resolveCameraSettings(this.#options.config.current, camera);
    }
  }

  #retentionOf(camera: string): RetentionPolicy {
    let policy = this.#retentionPolicies.get(camera);
    if (policy === undefined) {
      policy = retentionOf(this.#settingsOf(camera));
      this.#retentionPolicies.set(camera, policy);
    }
    return policy;
  }

  /** The camera's recorder; one in mode `off` for a camera that has none yet (manual recording and marks need one). */
  #recorderFor(camera: string): CameraRecorder {
    const managed = this.#recorders.get(camera);
    if (managed !== undefined) return managed.recorder;
    const device = this.#options.devices.tryGet(camera);
    if (device === undefined) throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id: camera });
    return this.#startRecorder(device, { ...policyOf(this.#settingsOf(camera), this.#timeZone), mode: 'off' }).recorder;
  }

  /** Brings every recorder in line with the inventory and the configuration (at start, and when the config changes). */
  #reconcile(): void {
    if (this.#catalogue === undefined) return;
    const cameras = this.#options.devices.list();
    const listed = new Set(cameras.map((camera) => camera.id));
    for (const id of this.#recorders.keys()) if (!listed.has(id)) this.#reconcileCamera(id);
    for (const camera of cameras) this.#reconcileCamera(camera.id);
  }

  /**
   * Brings one camera's recorder in line: started, re-policied or stopped. An inventory change touches only its own
   * camera, so that importing a census of 40,000 cameras costs 40,000 of these, not 40,000 full passes.
   */
  #reconcileCamera(id: string): void {
    if (this.#catalogue === undefined) return;
    const camera = this.#options.devices.tryGet(id);
    const managed = this.#recorders.get(id);
    if (camera === undefined || !camera.enabled) {
      if (managed === undefined) return;
      this.#recorders.delete(id);
      managed.recorder.stop().catch((err: unknown) => this.#logger.error({ err, camera: id }, 'recorder stop failed'));
      return;
    }
    let policy: RecordingPolicy;
    try {
      policy = policyOf(this.#settingsOf(id), this.#timeZone);
    } catch (err) {
      this.#logger.error({ err, camera: id }, 'recording settings unusable; camera not recorded');
      return;
    }
    const key = JSON.stringify(policy);
    if (managed === undefined) {
      if (policy.mode !== 'off') this.#startRecorder(camera, policy);
    } else if (managed.policyKey !== key) {
      managed.policyKey = key;
      managed.recorder.setPolicy(policy);
    }
  }

  #startRecorder(camera: Camera, policy: RecordingPolicy): Managed {
    // The recorder and the writer bind the camera (and their component) themselves.
    const logger = this.#logger;
    const { bus, streams } = this.#options;
    const catalogue = this.catalogue;
    const retention = this.retention;
    const recorder = new CameraRecorder({
      camera: camera.id,
      hub: (stream) => streams.hub(camera.id, stream),
      policy,
      clock: this.#clock,
      bus,
      logger,
      openSink: ({ stream }) =>
        new SegmentWriter({
          camera: camera.id,
          stream,
          catalogue,
          tier: this.#tiers[0] as StorageTier,
          segmentSeconds: this.#settingsOf(camera.id).recording.segmentMinutes * 60,
          clock: this.#clock,
          logger: logger.child({ component: 'writer' }),
          bus,
          freeSpace: () => retention.freeSpace(),
        }),
      onEvent: (mark: EventMark) => {
        catalogue.putMark(mark).catch((err: unknown) => logger.error({ err, camera: camera.id }, 'event mark not catalogued'));
      },
    });
    const managed: Managed = { recorder, policyKey: JSON.stringify(policy) };
    this.#recorders.set(camera.id, managed);
    recorder.start();
    return managed;
  }
}
