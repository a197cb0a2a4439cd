import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';

function io(stop: Promise<void> = Promise.resolve()) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), stopped: () => stop } };
}

describe('argus-farm', () => {
  it('prints its usage', async () => {
    const { out, io: cli } = io();
    expect(await main(['--help'], cli)).toBe(0);
    expect(out.join('')).toContain('--cameras N');
  });

  it('rejects a bad codec with exit code 1', async () => {
    const { err, io: cli } = io();
    expect(await main(['--codec', 'vp9'], cli)).toBe(1);
    expect(err.join('')).toContain('--codec must be h264 or h265');
  });

  it('serves cameras and prints their URLs until stopped', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'argus-farm-cli-'));
    try {
      const { out, io: cli } = io();
      const args = ['--cameras', '2', '--port', '0', '--width', '160', '--height', '120', '--fps', '5', '--bitrate', '100', '--cache-dir', cacheDir];
      expect(await main(args, cli)).toBe(0);
      const lines = out.join('').trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/cam-01 {2}h264 160x120 5fps$/);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
