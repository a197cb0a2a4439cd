import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { silentLogger, systemClock, type CapabilityName, type ConnectConfig, type DeviceSession, type Driver, type DriverFactory } from '@argus/core';
import { CameraFarm } from '@argus/driver-simulated';
import type { DeviceEmulator } from '../emulator/device-emulator.js';
import { describeError } from './conformance-helpers.js';

/**
 * What a driver's conformance test certifies: the driver, the emulator of its family, and how to connect.
 *
 * @example
 * ```ts
 * describeConformance('hikvision', { driver: hikvision(), emulator: (ctx) => new HikvisionEmulator(ctx), cameraType: 1 });
 * ```
 */
export interface ConformanceTarget {
  /** The driver under test (its factory; the suite builds it with a silent logger and the system clock). */
  readonly driver: DriverFactory;
  /** Builds the family's emulator on the suite's farm; the suite starts and stops it. */
  readonly emulator: (ctx: { farm: CameraFarm; cameraId: string; subCameraId: string; ptz: boolean }) => DeviceEmulator;
  /** `ConnectConfig.options` for every connect. */
  readonly connectOptions?: Readonly<Record<string, unknown>>;
  /** The camera type (1..33) being certified; the manifest must list it. */
  readonly cameraType: number;
  /** Frames per GOP of the driver's live stream when it differs from the farm's (10); the first keyframe must come within it. */
  readonly gopFrames?: number;
  /** The driver's own request timeout (its default), for the bounded waits of failure checks; default 10 000 ms. */
  readonly timeoutMs?: number;
  /**
   * The capabilities devices of the certified type have, when they have fewer than the manifest declares (an Ezviz
   * camera has no event channel); each must be in the manifest. Default: the manifest's. The session must have
   * exactly these, and the checks of the others are skipped.
   */
  readonly capabilities?: readonly CapabilityName[];
}

/** Farm camera ids of the suite's two cameras. */
export const CONFORMANCE_MAIN_CAMERA = 'conformance-main';
/** Farm camera of the sub stream: H.264 at a different size. */
export const CONFORMANCE_SUB_CAMERA = 'conformance-sub';
/** Sizes of the two cameras. */
export const CONFORMANCE_SIZES = { main: { width: 320, height: 240 }, sub: { width: 160, height: 120 } } as const;
/** Frames per GOP of the farm cameras (10 fps, 1 s GOP). */
export const CONFORMANCE_GOP_FRAMES = 10;

/**
 * Everything the checks share: one farm, one started emulator, the driver, a lazily opened session, and the
 * resources to release at the end (sessions, subscriptions), whatever happened.
 */
export class ConformanceContext {
  /** The target being certified. */
  readonly target: ConformanceTarget;
  /** The driver under test. */
  readonly driver: Driver;
  /** The farm serving the video. */
  readonly farm: CameraFarm;
  /** The started emulator. */
  readonly emulator: DeviceEmulator;
  readonly #sessions = new Set<DeviceSession>();
  readonly #subscriptions = new Set<Subscription>();
  #session: Promise<DeviceSession> | undefined;

  private constructor(target: ConformanceTarget, driver: Driver, farm: CameraFarm, emulator: DeviceEmulator) {
    this.target = target;
    this.driver = driver;
    this.farm = farm;
    this.emulator = emulator;
  }

  /** Starts a farm and the target's emulator; releases what it started when something fails. */
  static async open(target: ConformanceTarget, driver: Driver): Promise<ConformanceContext> {
    const farm = new CameraFarm({
      cameras: [
        { id: CONFORMANCE_MAIN_CAMERA, codec: 'h264', ...CONFORMANCE_SIZES.main, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 },
        { id: CONFORMANCE_SUB_CAMERA, codec: 'h264', ...CONFORMANCE_SIZES.sub, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 150 },
      ],
      cacheDir: join(tmpdir(), 'argus-test-loops'),
    });
    let emulator: DeviceEmulator | undefined;
    try {
      await farm.start();
      emulator = target.emulator({
        farm,
        cameraId: CONFORMANCE_MAIN_CAMERA,
        subCameraId: CONFORMANCE_SUB_CAMERA,
        ptz: (target.capabilities ?? driver.manifest.capabilities).includes('ptz'),
      });
      await emulator.start();
      return new ConformanceContext(target, driver, farm, emulator);
    } catch (err) {
      await emulator?.stop().catch(() => undefined);
      await farm.close().catch(() => undefined);
      throw err;
    }
  }

  /** The capabilities the certified type must have: the target's, else the manifest's. */
  get capabilities(): readonly CapabilityName[] {
    return this.target.capabilities ?? this.driver.manifest.capabilities;
  }

  /** The driver's request timeout the failure checks allow for. */
  get timeoutMs(): number {
    return this.target.timeoutMs ?? 10_000;
  }

  /** The connect settings of the emulator (overrides applied), with the target's options. */
  connectConfig(overrides: Partial<ConnectConfig> = {}): ConnectConfig {
    const c = this.emulator.connection();
    return {
      host: c.host,
      port: c.port,
      username: c.username,
      password: c.password,
      ...(c.path === undefined ? {} : { path: c.path }),
      ...(this.target.connectOptions === undefined ? {} : { options: this.target.connectOptions }),
      ...overrides,
    };
  }

  /** Connects a new session, tracked so it is closed at the end even if the check fails. */
  async connect(overrides: Partial<ConnectConfig> = {}): Promise<DeviceSession> {
    const session = await this.driver.connect(this.connectConfig(overrides));
    this.#sessions.add(session);
    return session;
  }

  /** Closes a session opened with {@link ConformanceContext.connect}. */
  async release(session: DeviceSession): Promise<void> {
    this.#sessions.delete(session);
    await session.close();
  }

  /** The shared session, connected on first use (a failed connect is retried by the next check). */
  session(): Promise<DeviceSession> {
    if (this.#session === undefined) {
      const opening = this.connect();
      this.#session = opening;
      opening.catch(() => {
        if (this.#session === opening) this.#session = undefined;
      });
    }
    return this.#session;
  }

  /** Tracks a subscription so it ends at the end even if the check fails; returns it. */
  track(subscription: Subscription): Subscription {
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Ends a tracked subscription. */
  untrack(subscription: Subscription): void {
    subscription.unsubscribe();
    this.#subscriptions.delete(subscription);
  }

  /** Unsubscribes, closes every session, stops the emulator and closes the farm; every step runs. */
  async close(): Promise<void> {
    const failures: string[] = [];
    const step = async (what: string, run: () => Promise<void> | void): Promise<void> => {
      try {
        await run();
      } catch (err) {
        failures.push(`${what}: ${describeError(err)}`);
      }
    };
    for (const subscription of this.#subscriptions) await step('unsubscribe', () => subscription.unsubscribe());
    this.#subscriptions.clear();
    for (const session of this.#sessions) await step('session.close', () => session.close());
    this.#sessions.clear();
    this.#session = undefined;
    await step('emulator.stop', () => this.emulator.stop());
    await step('farm.close', () => this.farm.close());
    if (failures.length > 0) throw new Error(`conformance cleanup failed: ${failures.join('; ')}`);
  }
}

/** Builds the driver of a target with silent host services. */
export function conformanceDriver(target: ConformanceTarget): Driver {
  return target.driver({ logger: silentLogger(), clock: systemClock });
}
