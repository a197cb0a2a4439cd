import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '@argus/core';
import { CameraFarm } from '@argus/driver-simulated';
import { discoverOnvif, onvif, parseProbeMatches, probeEnvelope } from './index.js';
import { OnvifEmulator, probeMatchesEnvelope } from './emulator/index.js';

let farm: CameraFarm;
let emulator: OnvifEmulator;

beforeAll(async () => {
  farm = new CameraFarm({
    cameras: [{ id: 'cam', codec: 'h264', width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 }],
    cacheDir: join(tmpdir(), 'argus-test-loops'),
  });
  await farm.start();
  // Multicast: the group 239.255.255.250:3702 joined on the loopback interface only.
  emulator = new OnvifEmulator({ farm, cameraId: 'cam', identity: { serial: 'DISCOVERY-TEST-1', model: 'Disco 1' }, discovery: { multicast: true } });
  await emulator.start();
}, 180_000);

afterAll(async () => {
  await emulator?.stop();
  await farm?.close();
});

describe('WS-Discovery on the loopback interface', () => {
  it('finds the emulator by multicast sent from 127.0.0.1, and the driver connects to the XAddr it announced', async () => {
    const devices = await discoverOnvif({ interface: '127.0.0.1', timeoutMs: 1500 });
    const mine = devices.find((d) => d.hardware === 'Disco 1');
    expect(mine?.xaddrs).toEqual([`http://127.0.0.1:${emulator.httpPort}/onvif/device_service`]);
    expect(mine?.address).toBe('127.0.0.1');
    const url = new URL(mine?.xaddrs[0] ?? '');
    const session = await onvif()({ logger: silentLogger(), clock: systemClock }).connect({
      host: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      username: emulator.username,
      password: emulator.password,
    });
    try {
      expect((await session.require('deviceInfo').getDeviceInfo()).serial).toBe('DISCOVERY-TEST-1');
    } finally {
      await session.close();
    }
  });

  it('finds the emulator by unicast probe, once per endpoint although the probe is repeated; junk does not stop it', async () => {
    const junk = createSocket('udp4');
    await new Promise<void>((resolve) => junk.bind(0, '127.0.0.1', resolve));
    for (const bytes of ['\u0000\u00ff not xml', '<s:Envelope><s:Body><d:Probe>', '<a/>']) {
      await new Promise<void>((resolve) => junk.send(Buffer.from(bytes), emulator.discoveryPort, '127.0.0.1', () => resolve()));
    }
    junk.close();
    const devices = await discoverOnvif({ address: '127.0.0.1', port: emulator.discoveryPort, timeoutMs: 1000, repeats: 3 });
    expect(devices.map((d) => d.hardware)).toEqual(['Disco 1']);
  });

  it('ignores answers that are not ProbeMatches XML, and stops early when aborted', async () => {
    const junk = createSocket('udp4');
    junk.on('message', (_msg, remote) => {
      junk.send(Buffer.from('\u0000\u0001 not xml'), remote.port, remote.address);
      junk.send(Buffer.from('<a><b></a>'), remote.port, remote.address);
      junk.send(Buffer.from(probeMatchesEnvelope({ endpoint: 'urn:uuid:1', xaddrs: ['not a url', 'http://127.0.0.1:1/onvif/device_service'], scopes: [] }, 'x', 1)), remote.port, remote.address);
    });
    await new Promise<void>((resolve) => junk.bind(0, '127.0.0.1', resolve));
    try {
      const found = await discoverOnvif({ address: '127.0.0.1', port: junk.address().port, timeoutMs: 800 });
      expect(found.map((d) => [d.endpoint, d.xaddrs])).toEqual([['urn:uuid:1', ['http://127.0.0.1:1/onvif/device_service']]]);
      const controller = new AbortController();
      const pending = discoverOnvif({ address: '127.0.0.1', port: junk.address().port, timeoutMs: 60_000, signal: controller.signal });
      controller.abort(new Error('enough'));
      await expect(pending).rejects.toThrow('enough');
    } finally {
      junk.close();
    }
  });

  it('writes a Probe for NetworkVideoTransmitter, parses ProbeMatches, refuses a zero wait', async () => {
    expect(probeEnvelope('uuid:1')).toContain('<d:Types>dn:NetworkVideoTransmitter</d:Types>');
    expect(parseProbeMatches(probeMatchesEnvelope({ endpoint: 'urn:uuid:2', xaddrs: ['http://127.0.0.1:80/onvif/device_service'], scopes: ['onvif://www.onvif.org/name/A%20B'] }, 'uuid:1', 1))).toEqual([
      {
        endpoint: 'urn:uuid:2',
        xaddrs: ['http://127.0.0.1:80/onvif/device_service'],
        scopes: ['onvif://www.onvif.org/name/A%20B'],
        types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
        name: 'A B',
        address: '',
      },
    ]);
    await expect(discoverOnvif({ timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});
