// `argus probe` against the device emulators of every driver family on loopback: a bare host:port is identified by
// scored probing across all drivers, a scheme picks one driver, and refusals are typed.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxisEmulator } from '@argus/driver-axis/emulator';
import { DahuaEmulator } from '@argus/driver-dahua/emulator';
import { HikvisionEmulator } from '@argus/driver-hikvision/emulator';
import { HlsEmulator } from '@argus/driver-hls/emulator';
import type { DeviceEmulator, EmulatorOptions } from '@argus/driver-kit/emulator';
import { MjpegEmulator } from '@argus/driver-mjpeg/emulator';
import { OnvifEmulator } from '@argus/driver-onvif/emulator';
import { CameraFarm } from '@argus/driver-simulated';
import { unusedPort } from '@argus/core/testing';
import { main, type CliIo, type DeviceProbeReport } from '@argus/server';

const small = { width: 320, height: 240, fps: 10, gopSeconds: 1, loopSeconds: 2, bitrateKbps: 300 } as const;
const PASSWORD = 'Probe#Pass1';
const farm = new CameraFarm({ cameras: [{ id: 'cam', ...small }], cacheDir: join(tmpdir(), 'argus-farm-cache-tests') });

const FAMILIES: readonly { name: string; driver: string; cameraType: number; make: (o: EmulatorOptions) => DeviceEmulator }[] = [
  { name: 'ONVIF Profile T', driver: 'onvif', cameraType: 24, make: (o) => new OnvifEmulator(o) },
  { name: 'Hikvision', driver: 'hikvision', cameraType: 1, make: (o) => new HikvisionEmulator(o) },
  { name: 'Hikvision NVR', driver: 'hikvision', cameraType: 3, make: (o) => new HikvisionEmulator({ ...o, deviceType: 'NVR', identity: { model: 'DS-7608NI-K2' } }) },
  { name: 'Dahua', driver: 'dahua', cameraType: 5, make: (o) => new DahuaEmulator(o) },
  { name: 'Axis', driver: 'axis', cameraType: 9, make: (o) => new AxisEmulator(o) },
  { name: 'MJPEG', driver: 'mjpeg', cameraType: 27, make: (o) => new MjpegEmulator(o) },
  { name: 'JPEG snapshots', driver: 'jpeg', cameraType: 28, make: (o) => new MjpegEmulator({ ...o, streamPath: '/private/live.mjpg' }) },
  { name: 'HLS', driver: 'hls', cameraType: 30, make: (o) => new HlsEmulator(o) },
];
const running = new Map<string, DeviceEmulator>();

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {} };
  return { code: await main(args, io), out, err };
}

beforeAll(async () => {
  await farm.start();
  for (const family of FAMILIES) {
    const emulator = family.make({ farm, cameraId: 'cam', username: 'admin', password: PASSWORD });
    await emulator.start();
    running.set(family.name, emulator);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([...running.values()].map((e) => e.stop()));
  await farm.close();
});

describe('argus probe <host:port> (auto-detection)', () => {
  it.each(FAMILIES.map((f) => [f.name, f.driver, f.cameraType] as const))('identifies the %s emulator as driver %s, type %i', async (name, driver, cameraType) => {
    const { host, port } = running.get(name)!.connection();
    const { code, out, err } = await cli(['probe', `${host}:${port}`, '--user', 'admin', '--pass', PASSWORD, '--json']);
    expect(err, name).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as DeviceProbeReport;
    expect(report).toMatchObject({ endpoint: `${host}:${port}`, driver, cameraType });
    expect(report.capabilities.length).toBeGreaterThan(0);
    expect(report.sessionError).toBeUndefined();
    // The winner beat every other candidate.
    expect(report.candidates[0]).toMatchObject({ driver, score: report.score });
    expect(report.candidates.slice(1).every((c) => c.score < report.score)).toBe(true);
    expect(out).not.toContain(PASSWORD);
  });

  it('prints the device info and the capabilities as text', async () => {
    const { host, port } = running.get('Hikvision')!.connection();
    const { code, out } = await cli(['probe', `${host}:${port}`, '--user', 'admin', '--pass', PASSWORD]);
    expect(code).toBe(0);
    expect(out).toMatch(/^driver: +hikvision \(score \d+\)$/m);
    expect(out).toMatch(/^type: +1 hikvision-ip/m);
    expect(out).toMatch(/^info: +Hikvision /m);
    expect(out).toMatch(/^caps: +.*ptz|^caps: +.*events/m);
    expect(out).toMatch(/^stream: +main h264 320x240/m);
  });
});

describe('argus probe <driver>://user:pass@host:port', () => {
  it('asks only the named driver', async () => {
    const { host, port } = running.get('Dahua')!.connection();
    const { code, out } = await cli(['probe', `dahua://admin:${encodeURIComponent(PASSWORD)}@${host}:${port}`, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as DeviceProbeReport;
    expect(report.driver).toBe('dahua');
    expect(report.candidates.map((c) => c.driver)).toEqual(['dahua']);
    expect(report.deviceInfo?.serial).toBe(running.get('Dahua')!.identity.serial);
  });

  it('says a recognised device refused the credentials', async () => {
    const { host, port } = running.get('Axis')!.connection();
    const named = await cli(['probe', `axis://admin:wrong@${host}:${port}`]);
    expect(named.code).toBe(1);
    expect(named.err).toMatch(/^argus: ARGUS_ERR_DRIVER_AUTH: /);
    expect(named.err).not.toContain('wrong');
    const bare = await cli(['probe', `${host}:${port}`, '--user', 'admin', '--pass', 'wrong']);
    expect(bare.code).toBe(1);
    expect(bare.err).toMatch(/ARGUS_ERR_DRIVER_AUTH/);
  });

  it('refuses an unknown scheme, a bad address, and finds nothing where nothing listens', async () => {
    expect((await cli(['probe', 'nosuch://127.0.0.1:80'])).err).toMatch(/ARGUS_ERR_DRIVER_NOT_FOUND/);
    expect((await cli(['probe', 'not an address'])).err).toMatch(/Not a device address/);
    const port = await unusedPort();
    const nothing = await cli(['probe', `127.0.0.1:${port}`, '--timeout-ms', '2000']);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/ARGUS_ERR_DRIVER_NO_MATCH/);
  });
});
