import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJpeg } from '@argus/core/media';
import type { CameraFarm } from '@argus/driver-simulated';
import { parseJpegSize } from '../jpeg-size.js';
import { FARM_CAMERA, startFarm } from '../test/farm.test-helper.js';
import { MjpegEmulator, mjpegPart } from './mjpeg-emulator.js';

describe('mjpegPart', () => {
  const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9);
  const text = (bytes: Buffer): string => bytes.toString('latin1');

  it('frames a part with the delimiter, type, length, blank line, bytes and a line end', () => {
    expect(text(mjpegPart(jpeg, { delimiter: '--b', first: true, quirks: new Set() }))).toBe(
      '--b\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n',
    );
  });

  it('applies each quirk', () => {
    expect(text(mjpegPart(jpeg, { delimiter: '--b', first: true, quirks: new Set(['noFirstBoundary', 'noContentLength', 'sizeParam', 'bareLf']) }))).toBe(
      'Content-Type: image/jpeg;size=4\n\n\xff\xd8\xff\xd9\n',
    );
    // Only the first part loses its delimiter.
    expect(text(mjpegPart(jpeg, { delimiter: '--b', first: false, quirks: new Set(['noFirstBoundary']) }))).toMatch(/^--b\r\n/);
  });
});

describe('MjpegEmulator', () => {
  let farm: CameraFarm;
  let emulator: MjpegEmulator;

  beforeAll(async () => {
    farm = await startFarm();
    emulator = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, anonymous: true, width: 160, fps: 10 });
    await emulator.start();
  });
  afterAll(async () => {
    await emulator?.stop();
    await farm?.close();
  });

  it('serves both paths without credentials when anonymous, at the configured width; other paths stay locked', async () => {
    const base = `http://127.0.0.1:${emulator.httpPort}`;
    const still = await fetch(`${base}/snapshot.jpg`);
    expect(still.headers.get('content-type')).toBe('image/jpeg');
    const body = new Uint8Array(await still.arrayBuffer());
    expect(isJpeg(body)).toBe(true);
    expect(parseJpegSize(body)).toMatchObject({ width: 160, height: 120 });

    const controller = new AbortController();
    const stream = await fetch(`${base}/mjpg/video.mjpg`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=argusmjpegframe');
    controller.abort();
    expect((await fetch(`${base}/other`)).status).toBe(401);
  });

  it('rejects unknown quirks, bad rates and relative paths', () => {
    expect(() => emulator.setQuirks(['sometimes' as never])).toThrow(RangeError);
    expect(() => new MjpegEmulator({ farm, cameraId: FARM_CAMERA, fps: 0 })).toThrow(RangeError);
    expect(() => new MjpegEmulator({ farm, cameraId: FARM_CAMERA, streamPath: 'video.mjpg' })).toThrow(TypeError);
  });
});
