import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { silentLogger, systemClock } from '@argus/core';
import type { Clock, Logger } from '@argus/core';
import { RtspServer, snapshotJpeg } from '@argus/core/media';
import type { RtspMountSource, RtspServerStats, SnapshotOptions } from '@argus/core/media';
import { loopSpecOf, type FarmCameraConfig, type LoopSpec } from './farm-camera-config.js';
import { defaultCacheDir, ensureLoopFile, FarmLoop, loopFileName } from './farm-loop.js';
import { FarmTicker, type FarmTimers } from './farm-ticker.js';
import { SimulatedCamera, type FarmCameraState } from './simulated-camera.js';

/** Options of a {@link CameraFarm}. */
export interface CameraFarmOptions {
  /** The cameras to serve (ids unique). */
  readonly cameras: readonly FarmCameraConfig[];
  /** Listen address; default `127.0.0.1`. */
  readonly host?: string;
  /** Listen port; default 0 (any free port). */
  readonly port?: number;
  /** Where encoded loops are cached; default `ARGUS_FARM_CACHE` or `<os tmpdir>/argus-farm-cache`. */
  readonly cacheDir?: string;
  /** Where the farm and its RTSP server log; default silent. */
  readonly logger?: Logger;
  /** Time source of the cameras' timelines; default the system clock. */
  readonly clock?: Clock;
  /** Period of the farm's single delivery timer; default 10 ms. */
  readonly tickMs?: number;
  /** Timer functions; default the global ones. */
  readonly timers?: FarmTimers;
  /** ffmpeg binary used to encode loops; default `ffmpegPath()`. */
  readonly ffmpeg?: string;
}

/** One camera's figures in {@link CameraFarmStats}. */
export interface FarmCameraStats {
  /** The camera id. */
  readonly id: string;
  /** Its RTSP URL (without credentials); empty before `start()`. */
  readonly url: string;
  /** Codec of its loop. */
  readonly codec: 'h264' | 'h265';
  /** Picture width in pixels. */
  readonly width: number;
  /** Picture height in pixels. */
  readonly height: number;
  /** Frames per second. */
  readonly fps: number;
  /** Running, stalled or down (restarting, or not started). */
  readonly state: FarmCameraState;
  /** Viewers (playing RTSP sessions) subscribed now. */
  readonly clients: number;
  /** Frames delivered, summed over viewers. */
  readonly framesSent: number;
}

/** What {@link CameraFarm.stats} reports. */
export interface CameraFarmStats {
  /** One entry per camera, in configuration order. */
  readonly cameras: readonly FarmCameraStats[];
  /** Distinct loops held in memory. */
  readonly loops: number;
  /** Bytes of encoded video those loops hold. */
  readonly loopBytes: number;
  /** Loops encoded by ffmpeg during `start()` (the rest came from the cache). */
  readonly loopsGenerated: number;
  /** The RTSP server's sessions and traffic (after `start()`). */
  readonly server?: RtspServerStats;
}

interface Entry {
  readonly config: FarmCameraConfig;
  readonly spec: LoopSpec;
  camera?: SimulatedCamera;
  unmount?: () => void;
  restartTimer?: ReturnType<typeof setTimeout>;
  /** Resolves the pending `restart()` promise. */
  restarted?: () => void;
}

/** Runs `tasks` with at most `limit` at a time. */
async function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * A farm of simulated RTSP cameras (in the manner of Milestone's StableFPS) for demos and load tests: each camera
 * plays an H.264/H.265 test-pattern loop with its name and clock burned in, at a steady frame rate, from one RTSP
 * server. Loops are encoded once by ffmpeg, cached on disk and held in memory once however many cameras share them;
 * one timer drives every camera. Faults (`drop`, `stall`, `restart`) exercise clients' recovery.
 *
 * @example
 * ```ts
 * const farm = new CameraFarm({ cameras: cameraFarmPreset(16), port: 8554 });
 * await farm.start();
 * console.log(farm.url('cam-01')); // rtsp://127.0.0.1:8554/cam-01
 * farm.stall('cam-01', 3000);
 * await farm.close();
 * ```
 */
export class CameraFarm {
  readonly #entries = new Map<string, Entry>();
  readonly #host: string;
  readonly #port: number;
  readonly #cacheDir: string;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #ticker: FarmTicker;
  readonly #ffmpeg: string | undefined;
  readonly #loops = new Map<string, FarmLoop>();
  #server: RtspServer | undefined;
  #loopsGenerated = 0;
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  constructor(options: CameraFarmOptions) {
    if (!Array.isArray(options.cameras)) throw new TypeError('cameras must be an array');
    for (const config of options.cameras) {
      const spec = loopSpecOf(config);
      if (this.#entries.has(config.id)) throw new TypeError(`duplicate camera id "${config.id}"`);
      this.#entries.set(config.id, { config, spec });
    }
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    if (!Number.isInteger(this.#port) || this.#port < 0 || this.#port > 65535) throw new RangeError(`port must be 0-65535, got ${this.#port}`);
    this.#cacheDir = options.cacheDir ?? defaultCacheDir();
    this.#log = options.logger ?? silentLogger();
    this.#clock = options.clock ?? systemClock;
    this.#ticker = new FarmTicker(this.#clock, options.tickMs ?? 10, options.timers);
    this.#ffmpeg = options.ffmpeg;
  }

  /** Encodes or loads the loops, mounts every camera at `/<id>` and listens; resolves to the bound port. */
  async start(): Promise<number> {
    if (this.#state !== 'new') throw new Error(`CameraFarm.start() called twice (state ${this.#state})`);
    this.#state = 'starting';
    try {
      await this.#loadLoops();
      const server = new RtspServer({ host: this.#host, port: this.#port, logger: this.#log });
      this.#server = server;
      const epoch = this.#clock.now();
      for (const entry of this.#entries.values()) {
        const loop = this.#loops.get(loopFileName(entry.spec)) as FarmLoop;
        entry.camera = new SimulatedCamera(entry.config.id, loop, this.#clock, this.#ticker, epoch);
        this.#mount(entry);
      }
      const port = await server.listen();
      this.#state = 'started';
      this.#log.info({ port, cameras: this.#entries.size, loops: this.#loops.size }, 'camera farm listening');
      return port;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The bound port (after `start()`). */
  get port(): number {
    return this.#requireServer().port;
  }

  /** The RTSP URL of camera `id`, never with credentials. */
  url(id: string): string {
    this.#entry(id);
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    return `rtsp://${host}:${this.port}/${id}`;
  }

  /** The camera configs, in the order given. */
  cameras(): readonly FarmCameraConfig[] {
    return [...this.#entries.values()].map((entry) => entry.config);
  }

  /** Per-camera state, viewers and frames sent, and the loops held. */
  stats(): CameraFarmStats {
    const cameras: FarmCameraStats[] = [];
    for (const entry of this.#entries.values()) {
      const { codec, width, height, fps } = entry.spec;
      const camera = entry.camera?.toJSON();
      cameras.push({
        id: entry.config.id,
        url: this.#server === undefined ? '' : this.url(entry.config.id),
        codec,
        width,
        height,
        fps,
        state: camera?.state ?? 'down',
        clients: camera?.clients ?? 0,
        framesSent: camera?.framesSent ?? 0,
      });
    }
    let loopBytes = 0;
    for (const loop of this.#loops.values()) loopBytes += loop.byteLength;
    const server = this.#server?.stats();
    return { cameras, loops: this.#loops.size, loopBytes, loopsGenerated: this.#loopsGenerated, ...(server === undefined ? {} : { server }) };
  }

  /**
   * Camera `id` as a media source, for device emulators that serve its video at their own vendor paths (on their own
   * RTSP server, with their own credentials). The source follows the camera: a stall or restart shows there too.
   */
  source(id: string): RtspMountSource {
    return this.#camera(id);
  }

  /**
   * A JPEG of camera `id`'s current picture (the keyframe of the GOP playing now), decoded by ffmpeg; what device
   * emulators answer to snapshot requests.
   *
   * @example
   * ```ts
   * const jpeg = await farm.snapshot('cam-01', { width: 320 });
   * ```
   */
  snapshot(id: string, options: SnapshotOptions = {}): Promise<Uint8Array> {
    const camera = this.#camera(id);
    const frame = camera.frameAt(this.#clock.now());
    const keyframe = frame - (frame % camera.loop.spec.gopFrames);
    const packet = camera.packetAt(keyframe);
    const codec = packet.track.codec === 'h265' ? 'h265' : 'h264';
    return snapshotJpeg({ codec, units: packet.units, parameterSets: packet.track.parameterSets ?? [] }, options);
  }

  /** Fault: closes the connections of camera `id`'s sessions; returns how many were dropped. */
  drop(id: string): number {
    this.#entry(id);
    return this.#requireServer().dropSessions(`/${id}`);
  }

  /** Fault: camera `id` keeps its connections open but sends nothing for `ms`, then resumes at a keyframe. */
  stall(id: string, ms: number): void {
    this.#camera(id).stall(ms);
  }

  /**
   * Fault: camera `id` drops its connections and is unmounted (the server answers 404) for `downMs`, then serves
   * again. Resolves when it is back (or the farm closed meanwhile).
   */
  restart(id: string, downMs: number): Promise<void> {
    if (!(downMs >= 0)) throw new RangeError(`downMs must be non-negative, got ${downMs}`);
    const entry = this.#entry(id);
    const camera = this.#camera(id);
    const server = this.#requireServer();
    this.#cancelRestart(entry);
    server.dropSessions(`/${id}`);
    entry.unmount?.();
    entry.unmount = undefined;
    camera.setDown(true);
    this.#log.info({ camera: id, downMs }, 'simulated camera restarting');
    return new Promise((resolve) => {
      entry.restarted = resolve;
      entry.restartTimer = setTimeout(() => {
        entry.restartTimer = undefined;
        if (this.#state === 'started' && entry.unmount === undefined) {
          camera.setDown(false);
          this.#mount(entry);
          this.#log.info({ camera: id }, 'simulated camera back');
        }
        this.#cancelRestart(entry);
      }, downMs);
    });
  }

  /** Stops every camera and the server. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const entry of this.#entries.values()) {
      this.#cancelRestart(entry);
      entry.unmount?.();
      entry.unmount = undefined;
      entry.camera?.complete();
    }
    this.#ticker.stop();
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }

  async #loadLoops(): Promise<void> {
    const specs = new Map<string, LoopSpec>();
    for (const entry of this.#entries.values()) specs.set(loopFileName(entry.spec), entry.spec);
    const limit = Math.max(1, Math.min(4, Math.floor(cpus().length / 2)));
    const tasks = [...specs].map(([name, spec]) => async () => {
      this.#loops.set(name, await this.#loadLoop(spec));
    });
    await limited(tasks, limit);
  }

  async #loadLoop(spec: LoopSpec): Promise<FarmLoop> {
    const found = await ensureLoopFile(spec, this.#cacheDir, this.#ffmpeg);
    if (found.generated) {
      this.#loopsGenerated += 1;
      this.#log.info({ file: found.file }, 'encoded simulated camera loop');
      return FarmLoop.load(found.file, spec);
    }
    try {
      return await FarmLoop.load(found.file, spec);
    } catch (err) {
      // A damaged cache file (e.g. from an older ffmpeg): encode it again once.
      this.#log.warn({ file: found.file, err }, 'cached loop unusable; encoding it again');
      await rm(found.file, { force: true });
      const again = await ensureLoopFile(spec, this.#cacheDir, this.#ffmpeg);
      this.#loopsGenerated += 1;
      return FarmLoop.load(again.file, spec);
    }
  }

  /** Stops a pending restart's timer and settles its promise. */
  #cancelRestart(entry: Entry): void {
    if (entry.restartTimer !== undefined) clearTimeout(entry.restartTimer);
    entry.restartTimer = undefined;
    const restarted = entry.restarted;
    entry.restarted = undefined;
    restarted?.();
  }

  #mount(entry: Entry): void {
    const credentials = entry.config.credentials;
    entry.unmount = this.#requireServer().mount(`/${entry.config.id}`, entry.camera as SimulatedCamera, credentials === undefined ? {} : { credentials });
  }

  #entry(id: string): Entry {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new RangeError(`no simulated camera "${id}"`);
    return entry;
  }

  #camera(id: string): SimulatedCamera {
    const camera = this.#entry(id).camera;
    if (camera === undefined) throw new Error('CameraFarm is not started');
    return camera;
  }

  #requireServer(): RtspServer {
    if (this.#server === undefined) throw new Error('CameraFarm is not started');
    return this.#server;
  }
}
