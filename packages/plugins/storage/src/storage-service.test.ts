import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernel, ManualClock, type Kernel } from '@argus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentRecord } from './catalogue/records.js';
import { StorageService } from './storage-service.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-21T12:00:00.000Z');

let dir: string;
let kernel: Kernel;
let storage: StorageService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argus-storage-service-'));
  kernel = createKernel({ processMetrics: false, config: { defaults: { retention: { maxAgeDays: 30 } } } });
  await kernel.start();
  storage = new StorageService({
    dataDir: dir,
    devices: kernel.devices,
    streams: kernel.streams,
    config: kernel.config,
    bus: kernel.bus,
    clock: new ManualClock(NOW),
    retentionIntervalMs: DAY,
    statfs: async () => ({ free: 1e12, total: 2e12 }),
  });
  await storage.start();
});

afterEach(async () => {
  await storage.stop();
  await kernel.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Catalogues a finished one-minute segment of `camera` that ended `daysAgo` days before now (no file). */
async function oldSegment(camera: string, daysAgo: number): Promise<void> {
  const start = NOW - daysAgo * DAY - 60_000;
  const segment: SegmentRecord = {
    camera,
    stream: 'main',
    start,
    end: start + 60_000,
    tier: 'fast',
    file: `${camera}/${start}.mp4`,
    size: 1000,
    initSize: 100,
    fragments: [],
    complete: true,
    codec: 'h264',
  };
  await storage.catalogue.putSegment(segment);
}

describe('StorageService retention policies', () => {
  it('applies a retention change of the configuration, or of a camera\'s groups, from the next run on', async () => {
    await kernel.devices.add({ id: 'a', name: 'a', agency: 'police', category: 'security', cameraType: 26, driver: 'rtsp', ptz: false, connection: { host: 'a.local' } });
    await oldSegment('a', 10);
    await oldSegment('b', 10);
    expect((await storage.retention.runOnce()).deleted['max-age'].segments).toBe(0);

    kernel.config.update({ groups: { short: { settings: { retention: { maxAgeDays: 5 } } } } });
    expect((await storage.retention.runOnce()).deleted['max-age'].segments).toBe(0);
    await kernel.devices.update('a', { groups: ['short'] });
    expect((await storage.retention.runOnce()).deleted['max-age']).toMatchObject({ segments: 1 });
    expect(storage.catalogue.usage().map((u) => u.camera)).toEqual(['b']);

    kernel.config.update({ defaults: { retention: { maxAgeDays: 7 } } });
    expect((await storage.retention.runOnce()).deleted['max-age']).toMatchObject({ segments: 1 });
    expect(storage.catalogue.usage()).toEqual([]);
  });
});
