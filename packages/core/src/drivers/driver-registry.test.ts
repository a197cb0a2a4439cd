import { describe, expect, it, vi } from 'vitest';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { EventBus } from '../events/event-bus.js';
import { silentLogger } from '../logging/logger.js';
import { ManualClock } from '../time/clock.js';
import type { CapabilityName } from './capabilities.js';
import { createDeviceSession } from './device-session.js';
import type { Driver, DriverComponents, DriverFactory, DriverManifest, ProbeEndpoint, ProbeMatch, ProbeOptions } from './driver.js';
import { DriverRegistry } from './driver-registry.js';

const components: DriverComponents = { logger: silentLogger(), clock: new ManualClock(0) };

function manifest(id: string, overrides: Partial<DriverManifest> = {}): DriverManifest {
  return {
    id,
    name: `${id} driver`,
    vendor: id,
    version: '1.0.0',
    cameraTypes: [23],
    protocols: ['fake'],
    capabilities: ['deviceInfo'],
    ...overrides,
  };
}

/** A fake driver whose probe answers with a fixed behaviour. */
class FakeDriver implements Driver {
  readonly manifest: DriverManifest;
  readonly seenSignals: AbortSignal[] = [];
  readonly connected: unknown[] = [];

  constructor(
    id: string,
    private readonly behaviour: (endpoint: ProbeEndpoint, options: ProbeOptions) => Promise<ProbeMatch | null>,
    overrides: Partial<DriverManifest> = {},
  ) {
    this.manifest = manifest(id, overrides);
  }

  probe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    this.seenSignals.push(options.signal);
    return this.behaviour(endpoint, options);
  }

  async connect(config: { host: string }) {
    this.connected.push(config);
    return createDeviceSession({ deviceInfo: { getDeviceInfo: async () => ({ manufacturer: this.manifest.vendor, model: 'M', firmware: '1', serial: 'S' }) } });
  }
}

const scoring = (id: string, score: number) => new FakeDriver(id, async () => ({ driver: 'ignored', score }));
const endpoint: ProbeEndpoint = { host: '127.0.0.1', port: 8080, username: 'admin', password: 'secret-pw' };

describe('DriverRegistry registration', () => {
  it('registers factories with the host components and built drivers, and lists manifests by id', () => {
    const registry = new DriverRegistry({ components });
    let received: DriverComponents | undefined;
    const factory: DriverFactory = (c) => {
      received = c;
      return scoring('zeta', 1);
    };
    registry.register(factory);
    registry.register(scoring('alpha', 1));
    expect(received).toBe(components);
    expect(registry.list().map((m) => m.id)).toEqual(['alpha', 'zeta']);
    expect(registry.get('alpha').manifest.id).toBe('alpha');
  });

  it('rejects a duplicate id with ARGUS_ERR_DRIVER_DUPLICATE', () => {
    const registry = new DriverRegistry({ components });
    registry.register(scoring('onvif', 1));
    expect(() => registry.register(scoring('onvif', 2))).toThrow(
      expect.objectContaining({ code: 'ARGUS_ERR_DRIVER_DUPLICATE', details: { driver: 'onvif' } }),
    );
  });

  it('throws ARGUS_ERR_DRIVER_NOT_FOUND for an unknown driver, in get, connect and probe', async () => {
    const registry = new DriverRegistry({ components });
    const caught = (() => {
      try {
        registry.get('nope');
      } catch (err) {
        return err;
      }
    })();
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_NOT_FOUND')).toBe(true);
    await expect(registry.connect('nope', { host: 'x' })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_NOT_FOUND' });
    await expect(registry.probe(endpoint, { drivers: ['nope'] })).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_NOT_FOUND' });
  });

  it('validates manifests: empty id, camera types outside 1..33, unknown capabilities', () => {
    const registry = new DriverRegistry({ components });
    const bad = (overrides: Partial<DriverManifest>, id = 'bad') => () => registry.register(new FakeDriver(id, async () => null, overrides));
    expect(bad({}, '')).toThrow(TypeError);
    expect(bad({ cameraTypes: [0] })).toThrow(/camera type 0/);
    expect(bad({ cameraTypes: [34] })).toThrow(/camera type 34/);
    expect(bad({ cameraTypes: [1.5] })).toThrow(/camera type 1.5/);
    expect(bad({ capabilities: ['teleport' as CapabilityName] })).toThrow(/unknown capability "teleport"/);
    expect(registry.list()).toEqual([]);
  });

  it('finds drivers by camera type and unregisters', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(['driverRegistered', 'driverUnregistered'], (e) => seen.push(`${e.type}:${e.payload.driver}`));
    const registry = new DriverRegistry({ components, bus });
    registry.register(new FakeDriver('hikvision', async () => null, { cameraTypes: [1, 2, 3] }));
    registry.register(new FakeDriver('onvif', async () => null, { cameraTypes: [3, 23, 24] }));
    expect(registry.forCameraType(3).map((m) => m.id)).toEqual(['hikvision', 'onvif']);
    expect(registry.forCameraType(1).map((m) => m.id)).toEqual(['hikvision']);
    expect(registry.forCameraType(33)).toEqual([]);
    expect(() => registry.forCameraType(34)).toThrow(RangeError);
    expect(registry.unregister('hikvision')).toBe(true);
    expect(registry.unregister('hikvision')).toBe(false);
    expect(registry.has('hikvision')).toBe(false);
    expect(seen).toEqual(['driverRegistered:hikvision', 'driverRegistered:onvif', 'driverUnregistered:hikvision']);
  });

  it('connects through the named driver', async () => {
    const registry = new DriverRegistry({ components });
    const driver = scoring('hikvision', 1);
    registry.register(driver);
    const session = await registry.connect('hikvision', { host: '127.0.0.1', password: 'pw' });
    expect(driver.connected).toEqual([{ host: '127.0.0.1', password: 'pw' }]);
    expect((await session.require('deviceInfo').getDeviceInfo()).manufacturer).toBe('hikvision');
  });
});

describe('DriverRegistry.probe', () => {
  it('orders matches by score, ties by driver id, and stamps the driver id on each match', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(scoring('rtsp', 20));
    registry.register(scoring('onvif', 80));
    registry.register(scoring('hikvision', 95));
    registry.register(scoring('axis', 80));
    registry.register(new FakeDriver('dahua', async () => null));
    const { matches, failures } = await registry.probe(endpoint);
    expect(matches.map((m) => [m.driver, m.score])).toEqual([
      ['hikvision', 95],
      ['axis', 80],
      ['onvif', 80],
      ['rtsp', 20],
    ]);
    expect(failures).toEqual([]);
    await expect(registry.probeBest(endpoint)).resolves.toMatchObject({ driver: 'hikvision', score: 95 });
  });

  it('probes only the named drivers', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(scoring('a', 10));
    registry.register(scoring('b', 90));
    const { matches } = await registry.probe(endpoint, { drivers: ['a'] });
    expect(matches.map((m) => m.driver)).toEqual(['a']);
  });

  it('bounds a hanging probe by the timeout, aborts its signal, and still returns the others', async () => {
    vi.useFakeTimers();
    try {
      const registry = new DriverRegistry({ components, probeTimeoutMs: 1_000 });
      const hanging = new FakeDriver('hangs', () => new Promise<never>(() => undefined));
      registry.register(hanging);
      registry.register(scoring('quick', 60));
      const pending = registry.probe(endpoint);
      await vi.advanceTimersByTimeAsync(1_000);
      const { matches, failures } = await pending;
      expect(matches.map((m) => m.driver)).toEqual(['quick']);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ driver: 'hangs', code: 'ARGUS_ERR_DRIVER_TIMEOUT' });
      expect(failures[0]?.message).toContain('127.0.0.1:8080');
      expect(hanging.seenSignals[0]?.aborted).toBe(true);
      expect(hasErrorCode(hanging.seenSignals[0]?.reason, 'ARGUS_ERR_DRIVER_TIMEOUT')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes the per-call timeout to probes that honour the signal', async () => {
    const registry = new DriverRegistry({ components });
    let givenTimeout = 0;
    registry.register(
      new FakeDriver('polite', (_endpoint, { signal, timeoutMs }) => {
        givenTimeout = timeoutMs;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      }),
    );
    const { failures } = await registry.probe(endpoint, { timeoutMs: 5 });
    expect(givenTimeout).toBe(5);
    expect(failures).toEqual([expect.objectContaining({ driver: 'polite', code: 'ARGUS_ERR_DRIVER_TIMEOUT' })]);
  });

  it('reports an auth failure as a failure carrying ARGUS_ERR_DRIVER_AUTH', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(
      new FakeDriver('hikvision', async (e) => {
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: e.host });
      }),
    );
    registry.register(scoring('rtsp', 10));
    const { matches, failures } = await registry.probe(endpoint);
    expect(matches.map((m) => m.driver)).toEqual(['rtsp']);
    expect(failures).toEqual([
      { driver: 'hikvision', code: 'ARGUS_ERR_DRIVER_AUTH', message: 'The device at 127.0.0.1 rejected the credentials' },
    ]);
  });

  it('maps network errors and records uncoded errors without a code; never leaks the password', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(
      new FakeDriver('refused', async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
      }),
    );
    registry.register(
      new FakeDriver('buggy', async () => {
        throw new Error('boom');
      }),
    );
    registry.register(new FakeDriver('wild', async () => ({ driver: 'wild', score: 140 })));
    const { matches, failures } = await registry.probe(endpoint);
    expect(matches).toEqual([]);
    expect(failures).toEqual([
      { driver: 'buggy', message: 'boom' },
      { driver: 'refused', code: 'ARGUS_ERR_DRIVER_UNREACHABLE', message: 'The device at 127.0.0.1:8080 is unreachable: ECONNREFUSED' },
      { driver: 'wild', message: 'Probe returned an invalid score: 140' },
    ]);
    expect(JSON.stringify(failures)).not.toContain('secret-pw');
  });

  it('probeBest throws ARGUS_ERR_DRIVER_NO_MATCH with the failures in its details', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(new FakeDriver('none', async () => null));
    registry.register(
      new FakeDriver('auth', async () => {
        throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: 'x' });
      }),
    );
    const err = await registry.probeBest(endpoint).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_NO_MATCH')).toBe(true);
    expect((err as ArgusError).details['endpoint']).toBe('127.0.0.1:8080');
    expect((err as ArgusError).details['failures']).toEqual([expect.objectContaining({ driver: 'auth', code: 'ARGUS_ERR_DRIVER_AUTH' })]);
  });

  it('rejects with the reason when the caller aborts', async () => {
    const registry = new DriverRegistry({ components });
    registry.register(new FakeDriver('hangs', () => new Promise<never>(() => undefined)));
    const controller = new AbortController();
    const pending = registry.probe(endpoint, { signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
  });
});
