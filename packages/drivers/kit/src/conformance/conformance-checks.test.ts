// The suite's checks must be able to fail: each is run against a deliberately defective driver (the real RTSP
// driver with one thing broken) and must reject. The passing side is rtsp.conformance.test.ts.
import { EMPTY, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ArgusError, createDeviceSession, silentLogger, systemClock, type DeviceSession, type Driver, type DriverFactory, type DriverManifest, type LiveMediaCapability } from '@argus/core';
import { rtsp } from '@argus/driver-rtsp';
import { CONFORMANCE_CHECKS, type ConformanceCheck } from './conformance-checks.js';
import { ConformanceContext, type ConformanceTarget } from './conformance-context.js';
import { waitUntil } from './conformance-helpers.js';
import { jsonCamera, JsonCameraEmulator } from './json-camera.test-helper.js';
import { PlainRtspEmulator } from './plain-rtsp-emulator.test-helper.js';

function check(prefix: string): ConformanceCheck {
  const found = CONFORMANCE_CHECKS.find((c) => c.name.startsWith(prefix));
  if (found === undefined) throw new Error(`no check "${prefix}"`);
  return found;
}

interface Defects {
  manifest?: (m: DriverManifest) => DriverManifest;
  session?: (s: DeviceSession) => DeviceSession;
  connect?: (real: Driver['connect']) => Driver['connect'];
  probe?: Driver['probe'];
}

/** The real RTSP driver with the given defects. */
function defective(defects: Defects): DriverFactory {
  return (components) => {
    const real = rtsp()(components);
    const connect: Driver['connect'] = async (config, options) => {
      const session = await real.connect(config, options);
      return defects.session === undefined ? session : defects.session(session);
    };
    return {
      manifest: defects.manifest === undefined ? real.manifest : defects.manifest(real.manifest),
      probe: defects.probe ?? ((endpoint, options) => real.probe(endpoint, options)),
      connect: defects.connect === undefined ? connect : defects.connect(connect),
    };
  };
}

/** The session with its live media replaced. */
function withLiveMedia(session: DeviceSession, openStream: LiveMediaCapability['openStream']): DeviceSession {
  return createDeviceSession({ streams: session.require('streams'), liveMedia: { openStream } }, () => session.close());
}

const base = { emulator: (ctx: Parameters<ConformanceTarget['emulator']>[0]) => new PlainRtspEmulator(ctx), connectOptions: { subPath: '/live/sub' }, cameraType: 26, timeoutMs: 2000 };

async function expectCheckFails(prefix: string, target: ConformanceTarget, message?: RegExp): Promise<void> {
  const ctx = await ConformanceContext.open(target, target.driver({ logger: silentLogger(), clock: systemClock }));
  try {
    const outcome = await check(prefix)
      .run(ctx)
      .then(
        () => undefined,
        (err: unknown) => err as Error,
      );
    expect(outcome, `check "${prefix}" fails`).toBeInstanceOf(Error);
    if (message !== undefined) expect(outcome?.message).toMatch(message);
  } finally {
    await ctx.close();
  }
}

describe('conformance checks fail on defective drivers', () => {
  it('manifest: fails when the certified camera type is not listed', async () => {
    await expectCheckFails('manifest', { ...base, driver: rtsp(), cameraType: 1 }, /camera type 1/);
  });

  it('connect: fails when the session lacks a declared capability', async () => {
    await expectCheckFails('connect', { ...base, driver: defective({ manifest: (m) => ({ ...m, capabilities: [...m.capabilities, 'snapshot'] }) }) }, /snapshot/);
  });

  it('connect: fails when the session has an undeclared capability', async () => {
    await expectCheckFails('connect', { ...base, driver: defective({ manifest: (m) => ({ ...m, capabilities: ['streams'] }) }) }, /liveMedia/);
  });

  it('streams: fails when a profile reports the wrong size', async () => {
    const driver = defective({
      session: (s) =>
        createDeviceSession(
          { streams: { getStreamProfiles: async () => (await s.require('streams').getStreamProfiles()).map((p) => ({ ...p, width: p.width + 2 })) }, liveMedia: s.require('liveMedia') },
          () => s.close(),
        ),
    });
    await expectCheckFails('streams', { ...base, driver }, /size/);
    await expectCheckFails('liveMedia: every stream profile', { ...base, driver }, /declared size/);
  }, 60_000);

  it('liveMedia: fails on timestamps that go backwards', async () => {
    const driver = defective({
      session: (s) => withLiveMedia(s, (id) => s.require('liveMedia').openStream(id).pipe(map((p, i) => ({ ...p, pts: 1_000_000 - i * 3600, dts: undefined })))),
    });
    await expectCheckFails('liveMedia: delivers', { ...base, driver }, /timestamps increase/);
  }, 60_000);

  it('liveMedia: fails when no keyframe comes within one GOP', async () => {
    const driver = defective({ session: (s) => withLiveMedia(s, (id) => s.require('liveMedia').openStream(id).pipe(map((p) => ({ ...p, keyframe: false })))) });
    await expectCheckFails('liveMedia: delivers', { ...base, driver }, /keyframe/);
  }, 60_000);

  it('liveMedia: fails when the stream ends early', async () => {
    const driver = defective({ session: (s) => withLiveMedia(s, () => EMPTY) });
    await expectCheckFails('liveMedia: delivers', { ...base, driver }, /ended after 0/);
  });

  it('probe: fails when the driver does not recognise the device, or scores 0', async () => {
    await expectCheckFails('probe', { ...base, driver: defective({ probe: () => Promise.resolve(null) }) }, /probe matched/);
    await expectCheckFails('probe', { ...base, driver: defective({ probe: () => Promise.resolve({ driver: 'rtsp', score: 0 }) }) }, /score 0/);
  });

  it('errors: fail when a wrong password is not reported as ARGUS_ERR_DRIVER_AUTH', async () => {
    const driver = defective({
      connect: (real) => (config, options) =>
        real(config, options).catch(() => {
          throw new Error('something went wrong');
        }),
    });
    await expectCheckFails('errors: a wrong password', { ...base, driver }, /something went wrong/);
  });

  it('errors: fail when a wrong password is accepted', async () => {
    const driver = defective({ connect: (real) => (config, options) => real({ ...config, password: 'Argus-Demo-1' }, options) });
    await expectCheckFails('errors: a wrong password', { ...base, driver }, /succeeded/);
  });

  it('errors: fail when an unreachable host never settles (bounded by the driver timeout)', async () => {
    const driver = defective({ connect: (real) => (config, options) => (config.port === undefined || config.port === 0 ? real(config, options) : new Promise(() => undefined)) });
    await expectCheckFails("errors: an unreachable host", { ...base, driver, timeoutMs: 500 }, /did not settle/);
  }, 30_000);

  it('errors: fail when broken replies are not reported as protocol errors', async () => {
    // A driver that reports every failure as "unreachable".
    const driver = defective({
      connect: (real) => (config, options) =>
        real(config, options).catch(() => {
          throw new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: config.host, reason: 'bad' });
        }),
    });
    await expectCheckFails('errors: malformed', { ...base, driver }, /protocol error/);
    await expectCheckFails('errors: garbage', { ...base, driver }, /protocol error/);
  }, 60_000);

  it('errors: fail when a driver connects without asking the device and then answers from memory', async () => {
    const driver: DriverFactory = () => ({
      manifest: { id: 'canned', name: 'Canned', vendor: 'none', version: '1.0.0', cameraTypes: [26], protocols: ['rtsp'], capabilities: ['streams'] },
      probe: () => Promise.resolve(null),
      connect: () => Promise.resolve(createDeviceSession({ streams: { getStreamProfiles: () => Promise.resolve([{ id: 'main', name: 'main', codec: 'h264', width: 320, height: 240 }]) } })),
    });
    await expectCheckFails('errors: malformed', { ...base, driver }, /succeeded/);
  });

  it('reconnection: fails when streams do not play after the restart', async () => {
    // The reconnection check opens its stream only after the restart; this driver's streams never deliver.
    const driver = defective({ session: (s) => withLiveMedia(s, () => EMPTY) });
    await expectCheckFails('reconnection', { ...base, driver }, /after the restart/);
  }, 60_000);
});

describe('conformance checks fail on defective drivers of a full family (JSON camera)', () => {
  const json = { emulator: (ctx: Parameters<ConformanceTarget['emulator']>[0]) => new JsonCameraEmulator(ctx), cameraType: 26, timeoutMs: 5000 };

  it('deviceInfo: fails when the identity differs', async () => {
    await expectCheckFails('deviceInfo', { ...json, driver: jsonCamera({ serial: 'OTHER' }) }, /deeply equal/);
  });

  it('snapshot: fails when the image is not a JPEG ffprobe decodes', async () => {
    await expectCheckFails('snapshot', { ...json, driver: jsonCamera({ snapshot: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]) }) }, /ffprobe/);
  });

  it('ptz: fails when a move goes the wrong way, or stop does not stop', async () => {
    await expectCheckFails('ptz: a continuous move moves', { ...json, driver: jsonCamera({ invertPan: true }) }, /pan direction/);
    await expectCheckFails('ptz: a continuous move moves', { ...json, driver: jsonCamera({ noStop: true }) }, /stopped/);
  });

  it('ptz: fails when gotoPreset does not move the head', async () => {
    await expectCheckFails('ptz: presets', { ...json, driver: jsonCamera({ noGotoPreset: true }) }, /reach the preset/);
  }, 30_000);

  it('events: fails when the event is mapped to the wrong kind, or unsubscribing leaves the channel open', async () => {
    await expectCheckFails('events', { ...json, driver: jsonCamera({ eventKind: 'tamper' }) }, /motion start event/);
    await expectCheckFails('events', { ...json, driver: jsonCamera({ leakEventStream: true }) }, /channel to close/);
  }, 60_000);

  it('reconnection: fails when events$ does not survive the device restarting', async () => {
    await expectCheckFails('reconnection', { ...json, driver: jsonCamera({ noReconnect: true }) }, /events\$ (failed|completed)/);
  }, 60_000);
});

describe('ConformanceContext', () => {
  it('releases subscriptions, sessions, the emulator and the farm on close, after a failed check too', async () => {
    const target: ConformanceTarget = { emulator: (ctx) => new JsonCameraEmulator(ctx), driver: jsonCamera({ eventKind: 'tamper' }), cameraType: 26, timeoutMs: 5000 };
    const ctx = await ConformanceContext.open(target, target.driver({ logger: silentLogger(), clock: systemClock }));
    const session = await ctx.session();
    ctx.track(session.require('events').events$.subscribe());
    await waitUntil(() => ctx.emulator.eventSubscribers === 1, 5000, 'the tracked event channel to open');
    await expect(check('events').run(ctx)).rejects.toThrow(/motion start event/);
    // The check closed its own channel; the tracked one stays open until close().
    await waitUntil(() => ctx.emulator.eventSubscribers === 1, 5000, "the check's event channel to close");
    expect(ctx.emulator.running).toBe(true);
    const port = ctx.emulator.connection().port;
    await ctx.close();
    expect(ctx.emulator.running).toBe(false);
    expect(ctx.emulator.eventSubscribers).toBe(0);
    expect(ctx.farm.stats().server).toBeUndefined();
    // The session is closed: its HTTP client refuses new requests.
    await expect(session.require('deviceInfo').getDeviceInfo()).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/api/info`)).rejects.toThrow();
  }, 30_000);
});
