import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, silentLogger, systemClock, type ConnectConfig, type DeviceSession } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import type { CameraFarm } from '@argus/driver-simulated';
import { MjpegEmulator } from './emulator/index.js';
import { jpeg } from './index.js';
import { FARM_CAMERA, startFarm } from './test/farm.test-helper.js';
import { annexB, failure, ffprobeDecode, firstPackets } from './test/media.test-helper.js';

const components = { logger: silentLogger(), clock: systemClock };

describe('jpeg driver against MjpegEmulator', () => {
  let farm: CameraFarm;
  let digest: MjpegEmulator;
  let basic: MjpegEmulator;
  const driver = jpeg()(components);
  const sessions: DeviceSession[] = [];
  const connect = async (config: Partial<ConnectConfig> = {}, from = digest): Promise<DeviceSession> => {
    const session = await driver.connect({ ...from.connection(), ...config });
    sessions.push(session);
    return session;
  };
  const snapshots = (emulator: MjpegEmulator): number => emulator.requests.filter((r) => r.path === emulator.snapshotPath && r.status === 200).length;

  beforeAll(async () => {
    farm = await startFarm();
    digest = new MjpegEmulator({ farm, cameraId: FARM_CAMERA });
    basic = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, authSchemes: ['basic'], snapshotPath: '/cgi-bin/snapshot.cgi', width: 160 });
    await Promise.all([digest.start(), basic.start()]);
  });
  afterAll(async () => {
    for (const session of sessions) await session.close();
    await Promise.all([digest?.stop(), basic?.stop()]);
    await farm?.close();
  });

  it('finds the snapshot at a default path; the profile gives the JPEG size and the poll rate', async () => {
    const session = await connect({ options: { fps: 4 } });
    expect([...session.capabilities].sort()).toEqual(['liveMedia', 'snapshot', 'streams']);
    expect(await session.require('streams').getStreamProfiles()).toEqual([{ id: 'main', name: 'JPEG snapshots', codec: 'h264', width: 320, height: 240, fps: 4 }]);
    const defaultRate = await connect();
    expect((await defaultRate.require('streams').getStreamProfiles())[0]!.fps).toBe(1);
  });

  it('polls through Digest and encodes the stills to H.264 that ffprobe decodes', async () => {
    const session = await connect({ options: { fps: 10 } });
    const before = snapshots(digest);
    const packets = await firstPackets(session.require('liveMedia').openStream('main'), 8);
    expect(snapshots(digest) - before).toBeGreaterThanOrEqual(8);
    expect(packets[0]!.keyframe).toBe(true);
    for (let i = 1; i < packets.length; i++) expect(packets[i]!.pts).toBeGreaterThan(packets[i - 1]!.pts);
    expect(await ffprobeDecode(annexB(packets), 'h264')).toMatchObject({ codec: 'h264', width: 320, height: 240, frames: 8 });
  });

  it('works with Basic authentication, another default path and another size', async () => {
    const session = await connect({ options: { fps: 10 } }, basic);
    expect((await session.require('streams').getStreamProfiles())[0]).toMatchObject({ width: 160, height: 120 });
    const snapshot = await session.require('snapshot').snapshot();
    expect(await ffprobeDecode(snapshot.data)).toMatchObject({ codec: 'mjpeg', width: 160, height: 120, frames: 1 });
    const packets = await firstPackets(session.require('liveMedia').openStream('main'), 3);
    expect(packets[0]!.track).toMatchObject({ codec: 'h264', width: 160, height: 120 });
  });

  it('a wrong password fails connect, and a live stream, with ARGUS_ERR_DRIVER_AUTH', async () => {
    expect(hasErrorCode(await failure(connect({ password: 'wrong' })), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    const session = await connect({ options: { fps: 10 } });
    digest.setPassword('changed-on-the-device');
    try {
      expect(hasErrorCode(await failure(firstPackets(session.require('liveMedia').openStream('main'), 1)), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    } finally {
      digest.setPassword('Argus-Demo-1');
    }
  });

  it('a truncated JPEG fails connect and snapshot with ARGUS_ERR_DRIVER_PROTOCOL; the driver works again afterwards', async () => {
    const session = await connect();
    digest.setFault('malformed');
    try {
      expect(hasErrorCode(await failure(connect()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(hasErrorCode(await failure(connect({ path: digest.snapshotPath })), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(hasErrorCode(await failure(session.require('snapshot').snapshot()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    } finally {
      digest.setFault('none');
    }
    expect(isJpeg((await session.require('snapshot').snapshot()).data)).toBe(true);
  });

  it('garbage instead of HTTP -> ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    digest.setFault('garbage');
    try {
      expect(hasErrorCode(await failure(connect()), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    } finally {
      digest.setFault('none');
    }
  });
});
