import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { DeviceHttpClient } from '@argus/driver-kit';
import type { CameraFarm } from '@argus/driver-simulated';
import { MJPEG_QUIRKS, MjpegEmulator, mjpegPart, type MjpegQuirk } from './emulator/index.js';
import { inspectImagePath } from './inspect-image-path.js';
import { parseJpegSize } from './jpeg-size.js';
import { jpegOfPart, openMjpegFrames, type JpegFrame } from './mjpeg-frames.js';
import { FARM_CAMERA, startFarm } from './test/farm.test-helper.js';
import { fixturePath } from './test/fixtures.test-helper.js';
import { testJpeg } from './test/jpeg.test-helper.js';
import { ffprobeDecode } from './test/media.test-helper.js';
import { rawHttpServer, rawTcpServer, type RawServer } from './test/raw-server.test-helper.js';

const NO_CAPTURE_NOTE =
  'No licensed byte-level MJPEG camera capture exists (shared/fixtures/mjpeg/SOURCES.md): the quirks below are ' +
  'reproduced by MjpegEmulator from the documented issue threads, and the real multipart framing of the Hikvision ' +
  'and Dahua event-stream captures is checked separately.';

/** Reads up to `count` frames and closes the stream. */
async function readFrames(http: DeviceHttpClient, path: string, count: number): Promise<JpegFrame[]> {
  const frames: JpegFrame[] = [];
  for await (const frame of openMjpegFrames(http, path)) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  return frames;
}

/** The error reading a stream fails with. */
async function readError(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the read to fail');
}

function reasonOf(err: unknown): string {
  return String((err as { details?: { reason?: unknown } }).details?.reason ?? (err as Error).message);
}

/** The raw start of a stream as the emulator sends it: the Content-Type and enough bytes for three parts. */
async function rawStart(http: DeviceHttpClient, path: string): Promise<{ contentType: string; text: string }> {
  const response = await http.stream({ path });
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response.body) {
      chunks.push(Buffer.from(chunk));
      // Three SOI markers mean three parts have started.
      const soi = Buffer.concat(chunks).toString('latin1').split('\xff\xd8').length - 1;
      if (soi >= 3) break;
    }
  } finally {
    response.close();
  }
  return { contentType: response.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString('latin1') };
}

describe('MJPEG framing quirks through the real HTTP path', () => {
  let farm: CameraFarm;
  let emulator: MjpegEmulator;
  let http: DeviceHttpClient;

  beforeAll(async () => {
    console.info(NO_CAPTURE_NOTE);
    farm = await startFarm();
    emulator = new MjpegEmulator({ farm, cameraId: FARM_CAMERA, fps: 10 });
    await emulator.start();
    const c = emulator.connection();
    http = new DeviceHttpClient({ baseUrl: `http://${c.host}:${c.port}`, username: c.username, password: c.password });
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.stop();
    await farm?.close();
  });

  const visible: Record<MjpegQuirk, (raw: { contentType: string; text: string }) => void> = {
    dashedBoundary: ({ contentType, text }) => {
      expect(contentType).toMatch(/boundary=--argusmjpegframe$/);
      expect(text).toContain('\r\n--argusmjpegframe\r\n');
      expect(text).not.toContain('----argusmjpegframe');
    },
    noFirstBoundary: ({ text }) => {
      expect(text.startsWith('Content-Type: image/jpeg')).toBe(true);
      expect(text).toContain('--argusmjpegframe');
    },
    noContentLength: ({ text }) => expect(text).not.toMatch(/content-length/i),
    sizeParam: ({ text }) => expect(text).toMatch(/Content-Type: image\/jpeg;size=\d+\r\n/),
    bareLf: ({ text }) => {
      expect(text).toMatch(/--argusmjpegframe\nContent-Type: image\/jpeg\nContent-Length: \d+\n\n\xff\xd8/);
      expect(text.slice(0, 40)).not.toContain('\r');
    },
  };

  const cases: (readonly MjpegQuirk[])[] = [[], ...MJPEG_QUIRKS.map((q) => [q]), [...MJPEG_QUIRKS]];
  for (const quirks of cases) {
    it(`reads whole JPEGs with ${quirks.length === 0 ? 'standard framing' : quirks.join(' + ')}`, async () => {
      emulator.setQuirks(quirks);
      const raw = await rawStart(http, emulator.streamPath);
      // The emulator really sends the quirk (checked on its raw bytes), so the reader is tested on it.
      if (quirks.length === 1) visible[quirks[0]!](raw);
      if (quirks.length === MJPEG_QUIRKS.length) {
        expect(raw.contentType).toMatch(/boundary=--argusmjpegframe$/);
        expect(raw.text.startsWith('Content-Type: image/jpeg;size=')).toBe(true);
        expect(raw.text).toMatch(/\n--argusmjpegframe\nContent-Type: image\/jpeg;size=\d+\n\n\xff\xd8/);
        expect(raw.text).not.toMatch(/content-length/i);
      }
      const frames = await readFrames(http, emulator.streamPath, 4);
      expect(frames).toHaveLength(4);
      for (const [i, frame] of frames.entries()) {
        expect(isJpeg(frame.jpeg), `frame ${i} is SOI..EOI`).toBe(true);
        expect(parseJpegSize(frame.jpeg)).toMatchObject({ width: 320, height: 240 });
        if (i > 0) expect(frame.capturedAt).toBeGreaterThanOrEqual(frames[i - 1]!.capturedAt);
      }
    });
  }

  it('hands out JPEGs that ffmpeg decodes', async () => {
    emulator.setQuirks(['noContentLength', 'dashedBoundary']);
    const [frame] = await readFrames(http, emulator.streamPath, 1);
    expect(await ffprobeDecode(frame!.jpeg)).toMatchObject({ codec: 'mjpeg', width: 320, height: 240, frames: 1 });
  });

  it('fails with ARGUS_ERR_DRIVER_PROTOCOL when every part is a truncated JPEG (the malformed fault)', async () => {
    emulator.setQuirks([]);
    emulator.setFault('malformed');
    try {
      const err = await readError(() => readFrames(http, emulator.streamPath, 1));
      expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
      expect(reasonOf(err)).toMatch(/truncated \(no EOI marker\); 5 corrupt parts in a row/);
    } finally {
      emulator.setFault('none');
    }
    // The emulator and the reader carry on once the stream is clean again.
    expect(await readFrames(http, emulator.streamPath, 2)).toHaveLength(2);
  });

  it('fails with ARGUS_ERR_DRIVER_AUTH on a wrong password, through Digest', async () => {
    const c = emulator.connection();
    const wrong = new DeviceHttpClient({ baseUrl: `http://${c.host}:${c.port}`, username: c.username, password: 'nope' });
    try {
      expect(hasErrorCode(await readError(() => readFrames(wrong, emulator.streamPath, 1)), 'ARGUS_ERR_DRIVER_AUTH')).toBe(true);
    } finally {
      await wrong.close();
    }
  });
});

describe('MJPEG replies that are broken or not MJPEG (raw servers)', () => {
  let jpeg: Uint8Array;
  let server: RawServer;
  let http: DeviceHttpClient;
  const routes = new Map<string, (res: ServerResponse) => void>();

  beforeAll(async () => {
    jpeg = await testJpeg(160, 120);
    server = await rawHttpServer((req, res) => {
      const route = routes.get(req.url ?? '');
      if (route === undefined) res.writeHead(404).end();
      else route(res);
    });
    http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${server.port}` });
    const part = (body: Uint8Array, first = false): Buffer => mjpegPart(body, { delimiter: '--b', first, quirks: new Set() });
    routes.set('/cut-inside-part', (res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=b' });
      // Content-Length promises the whole JPEG, the connection ends half-way.
      res.end(Buffer.concat([Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`), jpeg.subarray(0, 100)]));
    });
    routes.set('/no-boundary', (res) => res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace' }).end(part(jpeg)));
    routes.set('/html', (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>camera</html>'));
    routes.set('/one-glitch', (res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=b' });
      res.end(Buffer.concat([part(jpeg), part(jpeg.subarray(0, 200)), part(jpeg), Buffer.from('--b--\r\n')]));
    });
    routes.set('/oversize', (res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=b' });
      res.end(Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`));
    });
  });
  afterAll(async () => {
    await http?.close();
    await server?.close();
  });

  it('a stream cut inside a part -> ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const err = await readError(() => readFrames(http, '/cut-inside-part', 1));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(reasonOf(err)).toMatch(/ended inside a part/);
  });

  it('a part larger than any camera JPEG -> ARGUS_ERR_DRIVER_PROTOCOL before buffering it', async () => {
    const err = await readError(() => readFrames(http, '/oversize', 1));
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(reasonOf(err)).toMatch(/exceeds/);
  });

  it('multipart without a boundary, or not multipart at all -> ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const noBoundary = await readError(() => readFrames(http, '/no-boundary', 1));
    expect(hasErrorCode(noBoundary, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(reasonOf(noBoundary)).toMatch(/no boundary/);
    const html = await readError(() => readFrames(http, '/html', 1));
    expect(hasErrorCode(html, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(reasonOf(html)).toMatch(/expected a multipart\/x-mixed-replace stream, got "text\/html"/);
  });

  it('skips one corrupt JPEG between good ones', async () => {
    const skipped: string[] = [];
    const frames: JpegFrame[] = [];
    for await (const frame of openMjpegFrames(http, '/one-glitch', { onSkipped: (reason) => skipped.push(reason) })) frames.push(frame);
    expect(frames).toHaveLength(2);
    expect(skipped).toEqual(['a JPEG part is truncated (no EOI marker)']);
  });

  it('bytes that are not HTTP -> ARGUS_ERR_DRIVER_PROTOCOL', async () => {
    const garbage = await rawTcpServer(Buffer.from('\u0000\u00ffMJPEG?\r\n\r\n\u0001', 'latin1'));
    const client = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${garbage.port}` });
    try {
      expect(hasErrorCode(await readError(() => readFrames(client, '/video.mjpg', 1)), 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    } finally {
      await client.close();
      await garbage.close();
    }
  });
});

describe('jpegOfPart', () => {
  it('drops line ends and NUL padding after EOI, and rejects a JPEG without EOI', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9);
    const padded = Uint8Array.of(...jpeg, 0x0d, 0x0a, 0x00, 0x00);
    expect(jpegOfPart(padded)).toEqual({ jpeg });
    expect(jpegOfPart(Uint8Array.of(0xff, 0xd8, 0x00, 0x11, 0x22))).toEqual({ bad: 'a JPEG part is truncated (no EOI marker)' });
    expect(jpegOfPart(Uint8Array.of(0x3c, 0x68))).toEqual({ bad: 'a part does not start with the JPEG SOI marker' });
  });
});

// Real camera multipart framing: the byte-exact Hikvision and Dahua event-stream captures.
const hikvisionCapture = fixturePath('hikvision-isapi', 'multipart-stream-rs', 'alertStream_two_parts_videoloss.bin');
const dahuaCapture = fixturePath('dahua-cgi', 'multipart-stream-rs', 'eventManager_attach_TimeChange_NTPAdjustTime.bin');
const fixturesMissing = hikvisionCapture === undefined || dahuaCapture === undefined;
if (fixturesMissing) console.warn('shared/fixtures not found beside the repository: the capture-based multipart tests are skipped');

describe.skipIf(fixturesMissing)('captured camera multipart framing (shared/fixtures)', () => {
  let server: RawServer;
  let http: DeviceHttpClient;
  let jpeg: Uint8Array;
  const bodies = new Map<string, { contentType: string; body: Uint8Array }>();

  /**
   * The Dahua capture's framing with each text body swapped for a JPEG: its `Content-Length:NNN` without a space,
   * LF-only bodies inside CRLF framing and trailing blank lines are kept byte for byte; only the part type and
   * lengths change.
   */
  function dahuaFramingWithJpegs(capture: Buffer, picture: Uint8Array): Buffer {
    const out: Buffer[] = [];
    let at = 0;
    const lengthHeader = /Content-Length:(\d+)\r\n\r\n/g;
    let match: RegExpExecArray | null;
    while ((match = lengthHeader.exec(capture.toString('latin1'))) !== null) {
      const headerEnd = match.index + match[0].length;
      const head = capture.subarray(at, match.index).toString('latin1').replace(/Content-Type: text\/plain/, 'Content-Type: image/jpeg');
      out.push(Buffer.from(`${head}Content-Length:${picture.byteLength}\r\n\r\n`, 'latin1'), Buffer.from(picture));
      at = headerEnd + Number(match[1]);
      lengthHeader.lastIndex = at;
    }
    out.push(capture.subarray(at));
    return Buffer.concat(out);
  }

  beforeAll(async () => {
    jpeg = await testJpeg(160, 120);
    const dahua = readFileSync(dahuaCapture!);
    bodies.set('/dahua-events', { contentType: 'multipart/x-mixed-replace; boundary=myboundary', body: dahua });
    bodies.set('/hikvision-events', { contentType: 'multipart/mixed; boundary=boundary', body: readFileSync(hikvisionCapture!) });
    bodies.set('/dahua-framing-jpeg', { contentType: 'multipart/x-mixed-replace; boundary=myboundary', body: dahuaFramingWithJpegs(dahua, jpeg) });
    server = await rawHttpServer((req, res) => {
      const found = bodies.get(req.url ?? '');
      if (found === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': found.contentType }).end(found.body);
    });
    http = new DeviceHttpClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  });
  afterAll(async () => {
    await http?.close();
    await server?.close();
  });

  it('reads JPEGs framed exactly like the Dahua capture (Content-Length without a space, trailing blank lines)', async () => {
    const frames: JpegFrame[] = [];
    for await (const frame of openMjpegFrames(http, '/dahua-framing-jpeg')) frames.push(frame);
    expect(frames).toHaveLength(2);
    for (const frame of frames) expect(Buffer.from(frame.jpeg).equals(Buffer.from(jpeg))).toBe(true);
  });

  it('refuses real event streams (text/plain, application/xml parts) as not MJPEG, with the part type', async () => {
    for (const [path, type] of [['/dahua-events', 'text/plain'], ['/hikvision-events', 'application/xml']] as const) {
      const err = await readError(() => readFrames(http, path, 1));
      expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL'), path).toBe(true);
      expect((err as { details: { partType?: string } }).details.partType).toBe(type);
      // To a probe they are "something else", not a broken camera.
      expect(await inspectImagePath(http, path)).toMatchObject({ kind: 'other' });
    }
  });
});
