import { expect } from 'vitest';
import { CAPABILITIES, hasErrorCode, isVideoKeyframe, type CapabilityName, type DeviceEvent, type DeviceSession, type MediaPacket, type PtzVector, type StreamProfile } from '@argus/core';
import { unusedPort } from '@argus/core/testing';
import type { PtzModel } from '../emulator/ptz-model.js';
import { CONFORMANCE_GOP_FRAMES, CONFORMANCE_SIZES, type ConformanceContext } from './conformance-context.js';
import { collectVideo, describeError, expectRejection, PROTOCOL_ERROR_CODES, probeImage, sleep, waitUntil, within } from './conformance-helpers.js';

/** One check of the suite: run as its own test when the manifest declares every capability in `needs`. */
export interface ConformanceCheck {
  /** Test name. */
  readonly name: string;
  /** Capabilities the manifest must declare for the check to apply. */
  readonly needs: readonly CapabilityName[];
  /** Test timeout, from the context (the driver's timeout plus margins). */
  timeout(ctx: { readonly timeoutMs: number }): number;
  /** Throws (an assertion error) when the driver does not conform. */
  run(ctx: ConformanceContext): Promise<void>;
}

/** Frames the live-media check collects. */
const LIVE_FRAMES = 50;
/** The motion event must arrive within this long of being triggered. */
const EVENT_WAIT_MS = 2000;
/** How long a driver may take to open (or reopen) its event channel. */
const CHANNEL_OPEN_MS = 10_000;
const CHANNEL_REOPEN_MS = 30_000;
/** Margin over the driver's timeout for failures to surface. */
const MARGIN_MS = 5000;

function closeTo(a: PtzVector, b: PtzVector, digits = 3): boolean {
  const eps = 10 ** -digits;
  return Math.abs(a.pan - b.pan) < eps && Math.abs(a.tilt - b.tilt) < eps && Math.abs(a.zoom - b.zoom) < eps;
}

function requirePtzModel(ctx: ConformanceContext): PtzModel {
  const model = ctx.emulator.ptz;
  if (model === undefined) throw new Error('the manifest declares ptz but the emulator was built without a PtzModel (pass ctx.ptz to the emulator)');
  return model;
}

/** The profile of the main camera: the one with its size, else `main`, else the first. */
async function mainProfileId(session: DeviceSession): Promise<string> {
  const streams = session.capability('streams');
  if (streams === undefined) return 'main';
  const profiles = await streams.getStreamProfiles();
  const { width, height } = CONFORMANCE_SIZES.main;
  return (profiles.find((p) => p.width === width && p.height === height) ?? profiles.find((p) => p.id === 'main') ?? profiles[0])?.id ?? 'main';
}

function checkLivePackets(packets: readonly MediaPacket[], gopFrames: number): void {
  const lastTime = new Map<number, number>();
  for (const [index, packet] of packets.entries()) {
    const time = packet.dts ?? packet.pts;
    expect(Number.isFinite(time), `frame ${index} has a finite timestamp`).toBe(true);
    const previous = lastTime.get(packet.track.id);
    if (previous !== undefined) expect(time, `frame ${index}: timestamps increase (${previous} -> ${time})`).toBeGreaterThan(previous);
    lastTime.set(packet.track.id, time);
    expect(packet.units.length, `frame ${index} carries data`).toBeGreaterThan(0);
  }
  const firstKeyframe = packets.findIndex((p) => isVideoKeyframe(p));
  expect(firstKeyframe, 'a keyframe arrives').toBeGreaterThanOrEqual(0);
  expect(firstKeyframe, `the first keyframe comes within one GOP (${gopFrames} frames)`).toBeLessThan(gopFrames);
}

function sameMac(a: string, b: string): boolean {
  const norm = (mac: string): string => mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  return norm(a) === norm(b);
}

/** Opens an event subscription that records events and a failure (error or completion of events$). */
function listen(ctx: ConformanceContext, session: DeviceSession): { events: DeviceEvent[]; failed: () => void; stop: () => void } {
  const events: DeviceEvent[] = [];
  let failure: Error | undefined;
  const subscription = ctx.track(
    session.require('events').events$.subscribe({
      next: (event) => events.push(event),
      error: (err: unknown) => {
        failure = new Error(`events$ failed: ${describeError(err)}`, { cause: err });
      },
      complete: () => {
        failure = new Error('events$ completed while subscribed');
      },
    }),
  );
  return {
    events,
    failed: () => {
      if (failure !== undefined) throw failure;
    },
    stop: () => ctx.untrack(subscription),
  };
}

async function waitForEvent(listener: ReturnType<typeof listen>, from: number, state: 'start' | 'stop', what: string): Promise<void> {
  await waitUntil(
    () => {
      listener.failed();
      return listener.events.slice(from).some((e) => e.kind === 'motion' && e.state === state);
    },
    EVENT_WAIT_MS,
    what,
  );
}

async function expectFaultRejected(ctx: ConformanceContext, fault: 'malformed' | 'garbage'): Promise<void> {
  const what = `with the emulator's '${fault}' fault, the driver`;
  ctx.emulator.setFault(fault);
  try {
    let session: DeviceSession | undefined;
    let connectError: unknown;
    try {
      session = await within(ctx.connect(), ctx.timeoutMs + MARGIN_MS, `connect under the '${fault}' fault`);
    } catch (err) {
      connectError = err;
    }
    if (session === undefined) {
      expect(PROTOCOL_ERROR_CODES.some((code) => hasErrorCode(connectError, code)), `${what} fails connect with a protocol error (${PROTOCOL_ERROR_CODES.join(', ')}), not ${describeError(connectError)}`).toBe(true);
      return;
    }
    // A driver that connects without asking the device anything must fail on its first device call.
    const first: Promise<unknown> | undefined = session.capability('deviceInfo')?.getDeviceInfo() ?? session.capability('streams')?.getStreamProfiles();
    try {
      if (first === undefined) throw new Error(`${what} connected although every reply was broken, and has no deviceInfo or streams call to try`);
      await expectRejection(first, PROTOCOL_ERROR_CODES, ctx.timeoutMs + MARGIN_MS, `${what}'s first device call after connecting`);
    } finally {
      await ctx.release(session);
    }
  } finally {
    ctx.emulator.setFault('none');
  }
  // No crash, and the emulator serves again: a fresh session works.
  const again = await within(ctx.connect(), ctx.timeoutMs + MARGIN_MS, `connect after clearing the '${fault}' fault`);
  try {
    const info = again.capability('deviceInfo');
    if (info !== undefined) expect((await info.getDeviceInfo()).serial).toBe(ctx.emulator.identity.serial);
  } finally {
    await ctx.release(again);
  }
}

/** The suite's checks, in the order they run (state-changing ones last). */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  {
    name: 'manifest: declares the certified camera type and known capabilities',
    needs: [],
    timeout: () => 5000,
    run: async (ctx) => {
      const manifest = ctx.driver.manifest;
      expect(manifest.id, 'manifest.id').toMatch(/^[a-z][a-z0-9-]*$/);
      expect(manifest.version, 'manifest.version is semver').toMatch(/^\d+\.\d+\.\d+/);
      expect(manifest.cameraTypes, `manifest.cameraTypes lists camera type ${ctx.target.cameraType}`).toContain(ctx.target.cameraType);
      for (const type of manifest.cameraTypes) expect(Number.isInteger(type) && type >= 1 && type <= 33, `camera type ${type} is in 1..33`).toBe(true);
      for (const capability of manifest.capabilities) expect(CAPABILITIES, `capability "${capability}" is known`).toContain(capability);
      for (const capability of ctx.capabilities) expect(manifest.capabilities, `the certified capability "${capability}" is declared`).toContain(capability);
      expect(manifest.protocols.length, 'manifest.protocols is not empty').toBeGreaterThan(0);
    },
  },
  {
    name: 'connect: the session has every capability certified (the manifest\'s unless the target names fewer), and no undeclared one',
    needs: [],
    timeout: (ctx) => ctx.timeoutMs * 2 + MARGIN_MS,
    run: async (ctx) => {
      const session = await within(ctx.session(), ctx.timeoutMs * 2, 'connect');
      for (const capability of ctx.capabilities) {
        expect(session.capabilities.has(capability), `the session has "${capability}", which the certified type has`).toBe(true);
      }
      for (const capability of session.capabilities) {
        expect(ctx.driver.manifest.capabilities, `the manifest declares "${capability}", which the session has`).toContain(capability);
      }
    },
  },
  {
    name: 'deviceInfo: reports the emulator identity',
    needs: ['deviceInfo'],
    timeout: (ctx) => ctx.timeoutMs * 2 + MARGIN_MS,
    run: async (ctx) => {
      const session = await ctx.session();
      const info = await within(session.require('deviceInfo').getDeviceInfo(), ctx.timeoutMs, 'getDeviceInfo');
      const id = ctx.emulator.identity;
      expect({ manufacturer: info.manufacturer, model: info.model, firmware: info.firmware, serial: info.serial }).toEqual({
        manufacturer: id.manufacturer,
        model: id.model,
        firmware: id.firmware,
        serial: id.serial,
      });
      if (info.mac !== undefined) expect(sameMac(info.mac, id.mac), `mac ${info.mac} is ${id.mac}`).toBe(true);
      if (info.hardwareId !== undefined && id.hardwareId !== undefined) expect(info.hardwareId).toBe(id.hardwareId);
    },
  },
  {
    name: 'streams: lists profiles matching the emulated cameras',
    needs: ['streams'],
    timeout: (ctx) => ctx.timeoutMs * 3 + MARGIN_MS,
    run: async (ctx) => {
      const session = await ctx.session();
      const profiles = await within(session.require('streams').getStreamProfiles(), ctx.timeoutMs * 2, 'getStreamProfiles');
      expect(profiles.length, 'at least one profile').toBeGreaterThan(0);
      expect(new Set(profiles.map((p) => p.id)).size, 'profile ids are unique').toBe(profiles.length);
      for (const p of profiles) {
        expect(p.codec, `profile ${p.id} codec`).toBe('h264');
        expect(p.width > 0 && p.height > 0, `profile ${p.id} has a size`).toBe(true);
        if (p.uri !== undefined) expect(p.uri, `profile ${p.id} URI carries no credentials`).not.toMatch(/\/\/[^/]*@/);
      }
      const has = (size: { width: number; height: number }): boolean => profiles.some((p) => p.width === size.width && p.height === size.height);
      expect(has(CONFORMANCE_SIZES.main), `a profile of the main camera's size ${CONFORMANCE_SIZES.main.width}x${CONFORMANCE_SIZES.main.height}`).toBe(true);
      if (profiles.length > 1) expect(has(CONFORMANCE_SIZES.sub), `a profile of the sub camera's size ${CONFORMANCE_SIZES.sub.width}x${CONFORMANCE_SIZES.sub.height}`).toBe(true);
    },
  },
  {
    name: `liveMedia: delivers ${LIVE_FRAMES} frames with increasing timestamps and a keyframe within one GOP`,
    needs: ['liveMedia'],
    timeout: (ctx) => ctx.timeoutMs * 2 + 30_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const profile = await mainProfileId(session);
      const packets = await collectVideo(session.require('liveMedia').openStream(profile), LIVE_FRAMES, ctx.timeoutMs + 20_000, `openStream('${profile}')`);
      checkLivePackets(packets, ctx.target.gopFrames ?? CONFORMANCE_GOP_FRAMES);
      const first = packets[0];
      expect(first?.track.codec).toBe('h264');
    },
  },
  {
    name: 'liveMedia: every stream profile plays at its declared codec and size',
    needs: ['streams', 'liveMedia'],
    timeout: (ctx) => ctx.timeoutMs * 4 + 40_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const profiles: StreamProfile[] = await session.require('streams').getStreamProfiles();
      for (const profile of profiles) {
        const packets = await collectVideo(session.require('liveMedia').openStream(profile.id), 12, ctx.timeoutMs + 10_000, `openStream('${profile.id}')`);
        const keyframe = packets.find((p) => isVideoKeyframe(p));
        expect(keyframe, `profile ${profile.id} delivers a keyframe`).toBeDefined();
        expect(keyframe?.track.codec, `profile ${profile.id} codec`).toBe(profile.codec);
        if (keyframe?.track.width !== undefined) {
          expect([keyframe.track.width, keyframe.track.height], `profile ${profile.id} plays at its declared size`).toEqual([profile.width, profile.height]);
        }
      }
    },
  },
  {
    name: 'snapshot: returns a JPEG that ffprobe decodes',
    needs: ['snapshot'],
    timeout: (ctx) => ctx.timeoutMs * 2 + 20_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const snapshot = await within(session.require('snapshot').snapshot(), ctx.timeoutMs + 10_000, 'snapshot()');
      expect(snapshot.contentType.toLowerCase()).toMatch(/^image\/jpeg/);
      expect([snapshot.data[0], snapshot.data[1]], 'JPEG SOI marker').toEqual([0xff, 0xd8]);
      const probed = await probeImage(snapshot.data);
      expect(probed.codec).toBe('mjpeg');
      expect(probed.frames, 'ffprobe decoded the picture').toBe(1);
      expect(probed.width > 0 && probed.height > 0).toBe(true);
    },
  },
  {
    name: 'ptz: a continuous move moves the head the right way and stop freezes it',
    needs: ['ptz'],
    timeout: (ctx) => ctx.timeoutMs * 3 + 15_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const ptz = session.require('ptz');
      const model = requirePtzModel(ctx);
      model.absoluteMove({ pan: 0, tilt: 0, zoom: 0.2 });
      const moves = model.moves;
      await within(ptz.continuousMove({ pan: 0.5, tilt: -0.5, zoom: 0.5 }), ctx.timeoutMs, 'continuousMove');
      expect(model.moves, 'the emulator received a continuous move').toBeGreaterThan(moves);
      const velocity = model.velocity;
      expect(velocity, 'the head is moving').not.toBeNull();
      expect(Math.sign(velocity?.pan ?? 0), 'pan direction').toBe(1);
      expect(Math.sign(velocity?.tilt ?? 0), 'tilt direction').toBe(-1);
      expect(Math.sign(velocity?.zoom ?? 0), 'zoom direction').toBe(1);
      await waitUntil(() => model.position.pan > 0.05 && model.position.tilt < -0.05, 5000, 'the head to move');
      await within(ptz.stop(), ctx.timeoutMs, 'stop');
      expect(model.velocity, 'the head stopped').toBeNull();
      const stoppedAt = model.position;
      await sleep(300);
      expect(model.position, 'the head stays where it stopped').toEqual(stoppedAt);
    },
  },
  {
    name: 'ptz: a continuous move with a timeout ends by itself',
    needs: ['ptz'],
    timeout: (ctx) => ctx.timeoutMs * 2 + 15_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const ptz = session.require('ptz');
      const model = requirePtzModel(ctx);
      model.absoluteMove({ pan: 0, tilt: 0, zoom: 0 });
      await within(ptz.continuousMove({ pan: -0.5, tilt: 0, zoom: 0 }, 500), ctx.timeoutMs, 'continuousMove with a timeout');
      expect(model.velocity, 'the head is moving').not.toBeNull();
      await waitUntil(() => model.velocity === null, 5000, 'the move to end after its 500 ms timeout');
      expect(model.position.pan, 'the head moved left before stopping').toBeLessThan(0);
    },
  },
  {
    name: 'ptz: presets are set, listed, recalled and removed; home is recalled',
    needs: ['ptz'],
    timeout: (ctx) => ctx.timeoutMs * 8 + MARGIN_MS,
    run: async (ctx) => {
      const session = await ctx.session();
      const ptz = session.require('ptz');
      const model = requirePtzModel(ctx);
      expect(ptz.ptzFeatures.presets, 'ptzFeatures.presets (the emulated head stores presets)').toBe(true);
      const stored: PtzVector = { pan: 0.25, tilt: -0.25, zoom: 0.5 };
      model.absoluteMove(stored);
      const before = model.presets().length;
      const id = await within(ptz.setPreset('argus-conformance'), ctx.timeoutMs, 'setPreset');
      expect(typeof id === 'string' && id !== '', 'setPreset resolves to an id').toBe(true);
      expect(model.presets().length, 'the emulator stored a preset').toBe(before + 1);
      expect(model.presets().some((p) => closeTo(p.position, stored)), 'the preset holds the position').toBe(true);
      expect((await within(ptz.getPresets(), ctx.timeoutMs, 'getPresets')).map((p) => p.id), 'getPresets lists it').toContain(id);
      model.absoluteMove({ pan: -0.75, tilt: 0.75, zoom: 0 });
      await within(ptz.gotoPreset(id), ctx.timeoutMs, 'gotoPreset');
      await waitUntil(() => closeTo(model.position, stored), 5000, 'the head to reach the preset');
      await within(ptz.removePreset(id), ctx.timeoutMs, 'removePreset');
      expect(model.presets().length, 'the emulator removed the preset').toBe(before);
      expect((await ptz.getPresets()).map((p) => p.id), 'getPresets no longer lists it').not.toContain(id);
      if (ptz.ptzFeatures.home) {
        model.absoluteMove({ pan: 0.6, tilt: 0.6, zoom: 0.6 });
        await within(ptz.gotoHome(), ctx.timeoutMs, 'gotoHome');
        await waitUntil(() => closeTo(model.position, model.home), 5000, 'the head to reach home');
      }
    },
  },
  {
    name: `events: a motion event triggered on the device arrives within ${EVENT_WAIT_MS} ms; unsubscribing closes the channel`,
    needs: ['events'],
    timeout: () => CHANNEL_OPEN_MS * 2 + EVENT_WAIT_MS * 2 + MARGIN_MS,
    run: async (ctx) => {
      const session = await ctx.session();
      const before = ctx.emulator.eventSubscribers;
      const listener = listen(ctx, session);
      try {
        await waitUntil(
          () => {
            listener.failed();
            return ctx.emulator.eventSubscribers > before;
          },
          CHANNEL_OPEN_MS,
          'the driver to open its event channel (the emulator subscribes events$ when a channel opens)',
        );
        let from = listener.events.length;
        ctx.emulator.triggerEvent({ kind: 'motion', state: 'start' });
        await waitForEvent(listener, from, 'start', 'a motion start event on events$');
        const started = listener.events.slice(from).find((e) => e.kind === 'motion' && e.state === 'start');
        expect(Number.isFinite(started?.at), 'the event has a time').toBe(true);
        from = listener.events.length;
        ctx.emulator.triggerEvent({ kind: 'motion', state: 'stop' });
        await waitForEvent(listener, from, 'stop', 'a motion stop event on events$');
      } finally {
        listener.stop();
      }
      await waitUntil(() => ctx.emulator.eventSubscribers <= before, CHANNEL_OPEN_MS, 'the event channel to close after unsubscribing');
    },
  },
  {
    name: 'probe: recognises the emulator at host:port without a scheme, as the certified camera type',
    needs: [],
    timeout: (ctx) => ctx.timeoutMs * 2 + MARGIN_MS,
    run: async (ctx) => {
      const c = ctx.emulator.connection();
      const endpoint = { host: c.host, port: c.port, username: c.username, password: c.password, ...(c.path === undefined ? {} : { path: c.path }) };
      const limit = ctx.timeoutMs * 2;
      const match = await within(ctx.driver.probe(endpoint, { signal: AbortSignal.timeout(limit), timeoutMs: limit }), limit + MARGIN_MS, 'probe');
      expect(match, 'probe matched').not.toBeNull();
      expect(match?.driver).toBe(ctx.driver.manifest.id);
      expect((match?.score ?? 0) > 0 && (match?.score ?? 0) <= 100, `score ${String(match?.score)} is in 1..100`).toBe(true);
      // A driver that tells the type must tell the certified one: that is what auto-detection files the camera under.
      if (match?.cameraType !== undefined) expect(match.cameraType, 'the camera type the probe identified').toBe(ctx.target.cameraType);
    },
  },
  {
    name: 'errors: a wrong password fails with ARGUS_ERR_DRIVER_AUTH',
    needs: [],
    timeout: (ctx) => ctx.timeoutMs + MARGIN_MS * 2,
    run: async (ctx) => {
      await expectRejection(
        ctx.connect({ password: `${ctx.emulator.password}-wrong` }),
        ['ARGUS_ERR_DRIVER_AUTH'],
        ctx.timeoutMs + MARGIN_MS,
        'connect with a wrong password',
        (session) => ctx.release(session),
      );
    },
  },
  {
    name: "errors: an unreachable host fails with ARGUS_ERR_DRIVER_UNREACHABLE within the driver's timeout",
    needs: [],
    timeout: (ctx) => ctx.timeoutMs + MARGIN_MS * 2,
    run: async (ctx) => {
      await expectRejection(
        ctx.connect({ host: '127.0.0.1', port: await unusedPort() }),
        ['ARGUS_ERR_DRIVER_UNREACHABLE'],
        ctx.timeoutMs + MARGIN_MS,
        'connect to a closed port',
        (session) => ctx.release(session),
      );
    },
  },
  {
    name: 'errors: malformed device replies give a typed protocol error, and the driver works again afterwards',
    needs: [],
    timeout: (ctx) => ctx.timeoutMs * 4 + MARGIN_MS * 2,
    run: (ctx) => expectFaultRejected(ctx, 'malformed'),
  },
  {
    name: 'errors: garbage instead of protocol replies gives a typed protocol error, and the driver works again afterwards',
    needs: [],
    timeout: (ctx) => ctx.timeoutMs * 4 + MARGIN_MS * 2,
    run: (ctx) => expectFaultRejected(ctx, 'garbage'),
  },
  {
    name: 'reconnection: after the device restarts, events$ (kept subscribed) delivers, streams play and requests answer',
    needs: [],
    timeout: (ctx) => CHANNEL_OPEN_MS + CHANNEL_REOPEN_MS + ctx.timeoutMs * 4 + 40_000,
    run: async (ctx) => {
      const session = await ctx.session();
      const caps = ctx.capabilities;
      const before = ctx.emulator.eventSubscribers;
      const listener = caps.includes('events') ? listen(ctx, session) : undefined;
      try {
        if (listener !== undefined) {
          await waitUntil(
            () => {
              listener.failed();
              return ctx.emulator.eventSubscribers > before;
            },
            CHANNEL_OPEN_MS,
            'the driver to open its event channel',
          );
        }
        await ctx.emulator.restart(1000);
        if (listener !== undefined) {
          await waitUntil(
            () => {
              listener.failed();
              return ctx.emulator.eventSubscribers > before;
            },
            CHANNEL_REOPEN_MS,
            'the driver to reopen its event channel after the restart',
          );
          const from = listener.events.length;
          ctx.emulator.triggerEvent({ kind: 'motion', state: 'start' });
          await waitForEvent(listener, from, 'start', 'a motion event after the restart');
          ctx.emulator.triggerEvent({ kind: 'motion', state: 'stop' });
        }
      } finally {
        listener?.stop();
      }
      if (caps.includes('liveMedia')) {
        const profile = await mainProfileId(session);
        const packets = await collectVideo(session.require('liveMedia').openStream(profile), 12, ctx.timeoutMs + 20_000, `openStream('${profile}') after the restart`);
        expect(packets.some((p) => isVideoKeyframe(p)), 'a keyframe after the restart').toBe(true);
      }
      if (caps.includes('deviceInfo')) {
        const info = await within(session.require('deviceInfo').getDeviceInfo(), ctx.timeoutMs + MARGIN_MS, 'getDeviceInfo after the restart');
        expect(info.serial).toBe(ctx.emulator.identity.serial);
      }
      const fresh = await within(ctx.connect(), ctx.timeoutMs + MARGIN_MS, 'a new connect after the restart');
      await ctx.release(fresh);
    },
  },
];
