import { randomBytes } from 'node:crypto';
import {
  CAMERA_TYPES,
  CONFIG_STORE,
  DEVICE_REGISTRY,
  definePlugin,
  type ArgusPlugin,
  type CameraCategory,
  type CameraConnection,
  type Logger,
} from '@argus/core';
import type { DeviceEmulator, EmulatorOptions } from '@argus/driver-kit/emulator';
import { AxisEmulator } from '@argus/driver-axis/emulator';
import { DahuaEmulator } from '@argus/driver-dahua/emulator';
import { HikvisionEmulator } from '@argus/driver-hikvision/emulator';
import { HlsEmulator } from '@argus/driver-hls/emulator';
import { MjpegEmulator } from '@argus/driver-mjpeg/emulator';
import { OnvifEmulator } from '@argus/driver-onvif/emulator';
import { CameraFarm, cameraFarmPreset } from '@argus/driver-simulated';

/** Options of {@link demoFarmPlugin}. */
export interface DemoFarmOptions {
  /** Number of simulated cameras; default 16. */
  cameras?: number;
  /** RTSP port of the farm on loopback; default 8554 (0 picks a free one). */
  port?: number;
  /** Where encoded loops are cached; default the farm's own default. */
  cacheDir?: string;
  /**
   * Record the demo cameras continuously (with the storage plugin), keeping at most a day and 256 MiB of each;
   * default true.
   */
  record?: boolean;
  /**
   * Every this many seconds one of the demo devices that report events sees 10 s of motion, in turn; default 60,
   * 0 for never.
   */
  motionEverySeconds?: number;
  /**
   * Called once the farm and the emulators run, with the emulators by camera id: for tests and tools that drive the
   * simulated devices (trigger events, read a PTZ head, inject faults).
   */
  onStarted?: (demo: { readonly farm: CameraFarm; readonly emulators: ReadonlyMap<string, DeviceEmulator> }) => void;
}

/** One demo camera: which device the farm camera is dressed as, and how the server reaches it. */
interface DemoDevice {
  readonly cameraType: number;
  readonly driver: string;
  readonly ptz?: boolean;
  readonly model?: string;
  /** The device emulator in front of the farm camera; none for a plain RTSP camera (served by the farm itself). */
  readonly emulator?: (options: EmulatorOptions) => DeviceEmulator;
  /** Path and driver options of the camera record, from the running emulator. */
  readonly connection?: (emulator: DeviceEmulator) => Pick<CameraConnection, 'path' | 'options'>;
}

/**
 * The first ten demo cameras are devices of the families Argus has drivers for, two of them PTZ; the rest are plain
 * RTSP cameras served by the farm.
 */
const DEVICES: readonly DemoDevice[] = [
  { cameraType: 23, driver: 'onvif', ptz: true, model: 'ONVIF PTZ dome', emulator: (o) => new OnvifEmulator({ ...o, ptz: true }) },
  { cameraType: 1, driver: 'hikvision', ptz: true, model: 'DS-2DE4425IW-DE', emulator: (o) => new HikvisionEmulator({ ...o, ptz: true, identity: { ...o.identity, model: 'DS-2DE4425IW-DE' } }) },
  { cameraType: 1, driver: 'hikvision', model: 'DS-2CD2143G2-I', emulator: (o) => new HikvisionEmulator(o) },
  { cameraType: 5, driver: 'dahua', model: 'IPC-HFW2431S-S-S2', emulator: (o) => new DahuaEmulator(o) },
  { cameraType: 9, driver: 'axis', model: 'P1455-LE', emulator: (o) => new AxisEmulator(o) },
  { cameraType: 20, driver: 'onvif', model: 'MS-C2963-PB', emulator: (o) => new OnvifEmulator({ ...o, identity: { ...o.identity, manufacturer: 'Milesight', model: 'MS-C2963-PB' } }) },
  { cameraType: 5, driver: 'dahua', model: 'IPC-HDW2431T', emulator: (o) => new DahuaEmulator(o) },
  {
    cameraType: 27,
    driver: 'mjpeg',
    emulator: (o) => new MjpegEmulator(o),
    connection: (e) => ({ path: (e as MjpegEmulator).streamPath }),
  },
  {
    cameraType: 28,
    driver: 'jpeg',
    emulator: (o) => new MjpegEmulator(o),
    connection: (e) => ({ path: (e as MjpegEmulator).snapshotPath }),
  },
  { cameraType: 30, driver: 'hls', emulator: (o) => new HlsEmulator(o) },
];
const PLAIN_RTSP: DemoDevice = { cameraType: 26, driver: 'rtsp' };

const AGENCIES = ['police', 'transport', 'environment', 'district-1'] as const;
const CATEGORIES: readonly CameraCategory[] = ['security', 'traffic', 'environment', 'urbanOrder'];
const DISTRICTS = ['Hoan Kiem', 'Ba Dinh', 'Dong Da', 'Cau Giay'] as const;

/**
 * The demo as a plugin: a simulated camera farm on 127.0.0.1 (mixed H.264/H.265, 640x360/1280x720, 25/15 fps),
 * with the first ten cameras dressed as real devices by the drivers' emulators (an ONVIF PTZ dome, a Hikvision PTZ
 * dome and camera, Dahua and Axis cameras, a Milesight ONVIF camera, an MJPEG camera, a JPEG snapshot source and an
 * HLS feed) and the rest plain RTSP. Every camera goes into the inventory with its real type and driver, so the server
 * reaches it exactly as it reaches a real device: device APIs, Digest auth, RTSP, event channels, PTZ.
 *
 * Cameras are `demo-cam-NN`, tagged `demo`, recorded continuously (a day and 256 MiB each at most) unless
 * `record: false`, with their event channels open; every `motionEverySeconds` one device sees 10 s of motion.
 * The emulators' passwords are random on each start (stored encrypted in the inventory like any camera's).
 * Stopping the plugin stops the farm and the emulators (the inventory entries stay and go offline).
 *
 * @example
 * ```ts
 * await kernel.use(demoFarmPlugin({ cameras: 16 }));
 * ```
 */
export function demoFarmPlugin(options: DemoFarmOptions = {}): ArgusPlugin {
  let farm: CameraFarm | undefined;
  let emulators: DeviceEmulator[] = [];
  let motion: ReturnType<typeof setInterval> | undefined;
  return definePlugin({
    name: 'demo-farm',
    version: '0.2.0',
    core: '^0.1.0',
    async start(ctx) {
      const configs = cameraFarmPreset(options.cameras ?? 16);
      farm = new CameraFarm({
        cameras: configs,
        port: options.port ?? 8554,
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
        logger: ctx.logger,
      });
      ctx.logger.info({ cameras: configs.length }, 'starting the demo camera farm (the first run encodes its loops)');
      await farm.start();
      const farmPort = farm.port;
      const password = `Demo-${randomBytes(9).toString('base64url')}`;
      const devices = ctx.container.resolve(DEVICE_REGISTRY);
      const settings = {
        events: { subscribe: true },
        ...(options.record ?? true ? { recording: { mode: 'continuous' as const }, retention: { maxAgeDays: 1, maxSizeGb: 0.25 } } : {}),
      };
      ctx.container.resolve(CONFIG_STORE).update({ cameras: Object.fromEntries(configs.map((c) => [`demo-${c.id}`, { settings }])) });
      emulators = [];
      const byCamera = new Map<string, DeviceEmulator>();
      for (const [i, config] of configs.entries()) {
        const device = DEVICES[i] ?? PLAIN_RTSP;
        let connection: CameraConnection;
        if (device.emulator === undefined) {
          connection = { host: '127.0.0.1', port: farmPort, path: `/${config.id}` };
        } else {
          // A serial and MAC of its own per device, as in a real estate of cameras.
          const n = i + 1;
          const identity = { serial: `ARGUS-DEMO-${String(n).padStart(4, '0')}`, mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}` };
          const emulator = device.emulator({ farm, cameraId: config.id, username: 'admin', password, identity, logger: ctx.logger.child({ emulator: config.id }) });
          await emulator.start();
          emulators.push(emulator);
          byCamera.set(`demo-${config.id}`, emulator);
          connection = { ...emulator.connection(), ...device.connection?.(emulator) };
        }
        const type = CAMERA_TYPES[device.cameraType - 1]!;
        await devices.upsert({
          id: `demo-${config.id}`,
          name: `Demo ${i + 1}: ${device.model ?? type.name} (${(config.codec ?? 'h264').toUpperCase()} ${config.width}x${config.height})`,
          agency: AGENCIES[i % AGENCIES.length]!,
          category: CATEGORIES[i % CATEGORIES.length]!,
          cameraType: device.cameraType,
          driver: device.driver,
          ptz: device.ptz ?? false,
          ...(device.model === undefined ? {} : { model: device.model }),
          location: { district: DISTRICTS[i % DISTRICTS.length]!, address: `Demo street ${i + 1}` },
          connection,
          tags: ['demo'],
          groups: [],
        });
      }
      motion = startMotion(emulators, options.motionEverySeconds ?? 60, ctx.logger);
      options.onStarted?.({ farm, emulators: byCamera });
      ctx.logger.info({ cameras: configs.length, devices: emulators.length, url: farm.url(configs[0]?.id ?? 'cam-01') }, 'demo camera farm running');
    },
    async stop() {
      if (motion !== undefined) clearInterval(motion);
      motion = undefined;
      await Promise.allSettled(emulators.map((emulator) => emulator.stop()));
      emulators = [];
      await farm?.close();
      farm = undefined;
    },
  });
}

/** Simulated motion: every `everySeconds`, the next emulator in turn sees motion for 10 s. */
function startMotion(emulators: readonly DeviceEmulator[], everySeconds: number, logger: Logger): ReturnType<typeof setInterval> | undefined {
  if (!(everySeconds > 0) || emulators.length === 0) return undefined;
  let next = 0;
  const timer = setInterval(() => {
    const emulator = emulators[next++ % emulators.length]!;
    try {
      emulator.triggerEvent({ kind: 'motion', state: 'start' });
      setTimeout(() => emulator.triggerEvent({ kind: 'motion', state: 'stop' }), 10_000).unref();
    } catch (err) {
      logger.debug({ err }, 'simulated motion not delivered');
    }
  }, everySeconds * 1000);
  timer.unref();
  return timer;
}
