import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { silentLogger } from '../logging/logger.js';
import { ManualClock } from '../time/clock.js';
import { BaseDriver } from './base-driver.js';
import { createDeviceSession, type DeviceSession } from './device-session.js';
import type { ConnectConfig, DriverManifest, ProbeEndpoint, ProbeMatch } from './driver.js';

/** A fake driver: probe and connect fail with what the test sets, or succeed. */
class FakeDriver extends BaseDriver {
  readonly manifest: DriverManifest = {
    id: 'fake',
    name: 'Fake',
    vendor: 'test',
    version: '0.0.1',
    cameraTypes: [26],
    protocols: ['rtsp'],
    capabilities: ['snapshot'],
  };
  protected override readonly optionsSchema = Type.Object({
    channel: Type.Integer({ minimum: 1, default: 1 }),
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
  });
  failure: unknown;
  lastConfig: ConnectConfig | undefined;

  protected async doProbe(endpoint: ProbeEndpoint): Promise<ProbeMatch | null> {
    if (this.failure !== undefined) throw this.failure;
    return { driver: 'fake', score: 50, details: { host: endpoint.host } };
  }

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    if (this.failure !== undefined) throw this.failure;
    this.lastConfig = config;
    return createDeviceSession({
      snapshot: { snapshot: async () => ({ contentType: 'image/jpeg', data: new Uint8Array([0xff, 0xd8]) }) },
    });
  }
}

const components = { logger: silentLogger(), clock: new ManualClock(0) };
const probeOptions = { signal: new AbortController().signal, timeoutMs: 1_000 };

describe('BaseDriver', () => {
  it('connects with option defaults applied', async () => {
    const driver = new FakeDriver(components);
    const session = await driver.connect({ host: '127.0.0.1', options: { transport: 'tcp' } });
    expect(driver.lastConfig).toEqual({ host: '127.0.0.1', options: { channel: 1, transport: 'tcp' } });
    expect([...session.capabilities]).toEqual(['snapshot']);
  });

  it('rejects bad settings with ARGUS_ERR_DRIVER_CONFIG_INVALID listing each failing path', async () => {
    const driver = new FakeDriver(components);
    const err = await driver
      .connect({ host: '', port: 70_000, options: { channel: 0, transport: 'quic' } })
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_CONFIG_INVALID')).toBe(true);
    const paths = ((err as ArgusError).details['errors'] as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/host', '/port']));
    const optionErr = await driver.connect({ host: 'h', options: { channel: 0, transport: 'quic' } }).catch((e: unknown) => e);
    const optionPaths = ((optionErr as ArgusError).details['errors'] as { path: string }[]).map((e) => e.path);
    expect(optionPaths).toEqual(expect.arrayContaining(['/options/channel', '/options/transport']));
    expect(driver.lastConfig).toBeUndefined();
  });

  it('maps network failures of connect and probe to typed errors', async () => {
    const driver = new FakeDriver(components);
    driver.failure = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' });
    await expect(driver.connect({ host: '127.0.0.1', port: 80 })).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_UNREACHABLE',
      details: { endpoint: '127.0.0.1:80', reason: 'EHOSTUNREACH' },
    });
    driver.failure = Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' });
    await expect(driver.probe({ host: '127.0.0.1' }, probeOptions)).rejects.toMatchObject({
      code: 'ARGUS_ERR_DRIVER_TIMEOUT',
      details: { timeoutMs: 1_000 },
    });
  });

  it('passes auth errors through and refuses an already aborted call', async () => {
    const driver = new FakeDriver(components);
    driver.failure = new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: '127.0.0.1' });
    await expect(driver.probe({ host: '127.0.0.1' }, probeOptions)).rejects.toBe(driver.failure);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(driver.connect({ host: 'h' }, { signal: controller.signal })).rejects.toThrow('gone');
  });
});
