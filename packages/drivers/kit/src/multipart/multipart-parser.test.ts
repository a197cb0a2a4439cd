import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasErrorCode } from '@argus/core';
import { ffmpegPath, ffprobePath } from '@argus/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrSkip } from '../http/shared-fixtures.test-helper.js';
import { parseXml, xmlString } from '../xml/parse-xml.js';
import { multipartBoundary } from './multipart-boundary.js';
import { MultipartParser, type MultipartParserOptions, type MultipartPart } from './multipart-parser.js';
import { multipartParts } from './multipart-parts.js';

const run = promisify(execFile);

/** Feeds `data` in chunks of `size` bytes, then ends; returns the parts and the stats. */
function parseChunked(data: Uint8Array, size: number, options: MultipartParserOptions): { parts: MultipartPart[]; stats: ReturnType<MultipartParser['toJSON']> } {
  const parser = new MultipartParser(options);
  const parts: MultipartPart[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(...parser.push(data.subarray(i, Math.min(data.length, i + size))));
  parts.push(...parser.end());
  return { parts, stats: parser.toJSON() };
}

/** Same parts for every chunk size; returns them. */
function parseAllSizes(data: Uint8Array, options: MultipartParserOptions, sizes?: number[]): MultipartPart[] {
  const whole = parseChunked(data, data.length, options);
  const list = sizes ?? Array.from({ length: data.length }, (_, i) => i + 1);
  for (const size of list) {
    const chunked = parseChunked(data, size, options);
    expect(chunked.parts.length, `chunk size ${size}`).toBe(whole.parts.length);
    chunked.parts.forEach((part, i) => {
      expect(part.headers, `part ${i} headers at chunk size ${size}`).toEqual(whole.parts[i]?.headers);
      expect(Buffer.from(part.body).equals(Buffer.from(whole.parts[i]?.body ?? [])), `part ${i} body at chunk size ${size}`).toBe(true);
    });
    expect(chunked.stats).toEqual(whole.stats);
  }
  return whole.parts;
}

const text = (body: Uint8Array): string => Buffer.from(body).toString('utf8');

const hikvision = fixtureOrSkip('hikvision-isapi', 'multipart-stream-rs', 'alertStream_two_parts_videoloss.bin');
describe.skipIf(hikvision === undefined)('Hikvision alertStream capture (fixture)', () => {
  const data = readFileSync(hikvision ?? '/dev/null');

  it('gives the two 480-byte EventNotificationAlert parts for every chunk size 1..N', () => {
    const parts = parseAllSizes(data, { boundary: 'boundary' });
    expect(parts).toHaveLength(2);
    for (const part of parts) {
      expect(part.headers).toEqual({ 'content-type': 'application/xml; charset="UTF-8"', 'content-length': '480' });
      expect(part.body.byteLength).toBe(480);
      const alert = parseXml(text(part.body));
      expect(xmlString(alert, 'EventNotificationAlert', 'eventType')).toBe('videoloss');
      expect(xmlString(alert, 'EventNotificationAlert', 'eventState')).toBe('inactive');
      expect(xmlString(alert, 'EventNotificationAlert', 'channelID')).toBe('1');
    }
  });
});

const dahua = fixtureOrSkip('dahua-cgi', 'multipart-stream-rs');
describe.skipIf(dahua === undefined)('Dahua eventManager captures (fixture)', () => {
  const heartbeat = readFileSync(join(dahua ?? '', 'eventManager_attach_Heartbeat.bin'));
  const events = readFileSync(join(dahua ?? '', 'eventManager_attach_TimeChange_NTPAdjustTime.bin'));

  it('TimeChange + NTPAdjustTime: Content-Length without a space, LF-only JSON, trailing blank lines, all chunk sizes', () => {
    for (const boundary of ['myboundary', '--myboundary']) {
      const parts = parseAllSizes(events, { boundary });
      expect(parts.map((p) => [p.headers['content-length'], p.body.byteLength])).toEqual([
        ['135', 135],
        ['137', 137],
      ]);
      expect(text(parts[0]?.body ?? new Uint8Array())).toMatch(/^Code=TimeChange;action=Pulse;index=0;data=\{\n {3}"BeforeModifyTime"/);
      expect(text(parts[1]?.body ?? new Uint8Array())).toMatch(/^Code=NTPAdjustTime;action=Pulse;index=0;data=\{[\s\S]*"result" : true\n\}\n$/);
    }
  });

  it('Heartbeat (leading CRLF, body glued to the next delimiter): skipped by default, kept on request', () => {
    const skipped = parseChunked(heartbeat, 7, { boundary: 'myboundary' });
    expect(skipped.parts).toEqual([]);
    expect(skipped.stats).toMatchObject({ parts: 0, skipped: 1, bytes: heartbeat.length });
    const kept = parseAllSizes(heartbeat, { boundary: 'myboundary', keepHeartbeats: true });
    expect(kept.map((p) => [p.headers['content-type'], text(p.body)])).toEqual([['text/plain', 'Heartbeat']]);
  });

  it('the heartbeat capture followed by the events capture parses as one stream', () => {
    const joined = Buffer.concat([heartbeat, events]);
    const parts = parseAllSizes(joined, { boundary: 'myboundary' }, [1, 7, 64, 200]);
    expect(parts.map((p) => text(p.body).split(';')[0])).toEqual(['Code=TimeChange', 'Code=NTPAdjustTime']);
  });
});

describe('MJPEG quirks with real JPEGs from ffmpeg', () => {
  let dir = '';
  let jpegs: Buffer[] = [];
  let exifJpeg = Buffer.alloc(0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'argus-kit-mjpeg-'));
    await run(ffmpegPath(), [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10',
      '-frames:v', '3', '-q:v', '4', join(dir, 'frame%d.jpg'),
    ]);
    jpegs = await Promise.all([1, 2, 3].map((i) => readFile(join(dir, `frame${i}.jpg`))));
    // A JPEG with an APP1 segment that holds FFD9 (as an EXIF thumbnail does): only a marker walk finds the real end.
    const app1Payload = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from([0xff, 0xd8, 0x01, 0x02, 0xff, 0xd9, 0x00])]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, app1Payload.length + 2]), app1Payload]);
    exifJpeg = Buffer.concat([jpegs[0]?.subarray(0, 2) ?? Buffer.alloc(0), app1, jpegs[0]?.subarray(2) ?? Buffer.alloc(0)]);
    await writeFile(join(dir, 'exif.jpg'), exifJpeg);
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const sizes = [1, 7, 64, 1000, 4096];

  function frames(parts: MultipartPart[]): Buffer[] {
    return parts.map((p) => Buffer.from(p.body));
  }

  it('produced real, decodable JPEGs (the APP1 variant too)', async () => {
    expect(jpegs).toHaveLength(3);
    const { stdout } = await run(ffprobePath(), ['-v', 'error', '-show_entries', 'stream=codec_name,width', '-of', 'csv=p=0', join(dir, 'exif.jpg')]);
    expect(stdout.trim()).toBe('mjpeg,160');
    expect(exifJpeg.includes(Buffer.from([0xff, 0xd9]))).toBe(true);
    expect(exifJpeg.indexOf(Buffer.from([0xff, 0xd9]))).toBeLessThan(exifJpeg.length - 2);
  });

  it('standard framing with Content-Length and CRLF', () => {
    const stream = Buffer.concat(
      jpegs.flatMap((j) => [Buffer.from(`--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${j.length}\r\n\r\n`), j, Buffer.from('\r\n')]),
    );
    expect(frames(parseAllSizes(stream, { boundary: 'myboundary' }, sizes))).toEqual(jpegs);
  });

  it("a boundary parameter that already starts with '--' (Sony, Panasonic)", () => {
    const boundary = multipartBoundary('multipart/x-mixed-replace; boundary=--myboundary') ?? '';
    expect(boundary).toBe('--myboundary');
    const stream = Buffer.concat(
      jpegs.flatMap((j) => [Buffer.from(`--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${j.length}\r\n\r\n`), j, Buffer.from('\r\n')]),
    );
    expect(frames(parseAllSizes(stream, { boundary }, sizes))).toEqual(jpegs);
  });

  it('a missing first boundary (Tasmota) and preamble junk', () => {
    const [a, b, c] = jpegs as [Buffer, Buffer, Buffer];
    const missing = Buffer.concat([
      Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${a.length}\r\n\r\n`), a,
      Buffer.from(`\r\n--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${b.length}\r\n\r\n`), b, Buffer.from('\r\n'),
    ]);
    expect(frames(parseAllSizes(missing, { boundary: 'frame' }, sizes))).toEqual([a, b]);
    const junk = Buffer.concat([
      Buffer.from('\r\nServer junk line\r\n\u0000\u0001binary?\r\n\r\n'),
      Buffer.from(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${c.length}\r\n\r\n`), c, Buffer.from('\r\n--frame--\r\nepilogue'),
    ]);
    const parsed = parseChunked(junk, 5, { boundary: 'frame' });
    expect(frames(parsed.parts)).toEqual([c]);
    expect(parsed.stats.skipped).toBe(2);
  });

  it('parts without Content-Length: JPEG end found by its markers, even glued to the next delimiter', () => {
    const stream = Buffer.concat([
      ...jpegs.flatMap((j, i) => [Buffer.from(`--ipcamera\r\nContent-Type: image/jpeg\r\n\r\n`), j, Buffer.from(i === 1 ? '' : '\r\n')]),
      Buffer.from('--ipcamera\r\nContent-Type: image/jpeg\r\n\r\n'), exifJpeg, Buffer.from('\r\n'),
    ]);
    // The last JPEG is emitted as soon as its EOI arrives, without waiting for another delimiter.
    expect(frames(parseAllSizes(stream, { boundary: 'ipcamera' }, sizes))).toEqual([...jpegs, exifJpeg]);
    const parser = new MultipartParser({ boundary: 'ipcamera' });
    const first = parser.push(Buffer.concat([Buffer.from('--ipcamera\r\nContent-Type: image/jpeg\r\n\r\n'), exifJpeg]));
    expect(frames(first)).toEqual([exifJpeg]);
  });

  it("'image/jpeg;size=...' without Content-Length (Trendnet) and bare LF line ends", () => {
    const stream = Buffer.concat(
      jpegs.flatMap((j) => [Buffer.from(`--video boundary--\nContent-Type: image/jpeg;size=${j.length}\n\n`), j, Buffer.from('\n')]),
    );
    const parts = parseAllSizes(stream, { boundary: 'video boundary--' }, sizes);
    expect(frames(parts)).toEqual(jpegs);
    expect(parts[0]?.headers['content-type']).toBe(`image/jpeg;size=${jpegs[0]?.length}`);
  });

  it('heartbeat parts, doubled delimiter lines and stray -- lines between frames (Foscam)', () => {
    const [a, b] = jpegs as [Buffer, Buffer];
    const stream = Buffer.concat([
      Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${a.length}\r\n\r\n`), a,
      Buffer.from('\r\n--b\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n'),
      Buffer.from('\r\n--b\r\n--b\r\n--\r\n'),
      Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${b.length}\r\n\r\n`), b,
      Buffer.from('\r\n----b\r\nContent-Type: text/plain\r\n\r\nHeartbeat\r\n--b--\r\n'),
    ]);
    const parsed = parseChunked(stream, 3, { boundary: 'b' });
    expect(frames(parsed.parts)).toEqual([a, b]);
    expect(parsed.stats.parts).toBe(2);
    expect(parsed.stats.skipped).toBeGreaterThanOrEqual(3);
    expect(frames(parseAllSizes(stream, { boundary: 'b' }, sizes))).toEqual([a, b]);
  });

  it('a JPEG-typed part that is not a JPEG falls back to the next delimiter', () => {
    const stream = Buffer.from('--b\r\nContent-Type: image/jpeg\r\n\r\nnot a jpeg at all\r\n--b\r\nContent-Type: text/plain\r\n\r\nnext\r\n--b--');
    expect(parseAllSizes(stream, { boundary: 'b' }).map((p) => text(p.body))).toEqual(['not a jpeg at all', 'next']);
  });
});

describe('MultipartParser text parts and edge cases', () => {
  it('parts without Content-Length end at the next delimiter line, not at the boundary text inside a body', () => {
    const stream = Buffer.from(
      '--b\r\nContent-Type: text/plain\r\n\r\nline with --b inside\r\nand --bx at a line start is not one\r\n--bx\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n',
    );
    expect(parseAllSizes(stream, { boundary: 'b' }).map((p) => text(p.body))).toEqual([
      'line with --b inside\r\nand --bx at a line start is not one\r\n--bx',
      'second',
    ]);
  });

  it('end() returns a trailing part without Content-Length and no closing delimiter', () => {
    const parser = new MultipartParser({ boundary: 'b' });
    expect(parser.push(Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nCode=VideoMotion;action=Start;index=0\r\n'))).toEqual([]);
    expect(parser.end().map((p) => text(p.body))).toEqual(['Code=VideoMotion;action=Start;index=0']);
    expect(() => parser.push(Buffer.from('x'))).toThrow(TypeError);
  });

  it('joins repeated headers and lower-cases names', () => {
    const [part] = parseChunked(Buffer.from('--b\nX-A: 1\nx-a:2\nCONTENT-LENGTH:  3 \n\nabc\n'), 2, { boundary: 'b' }).parts;
    expect(part?.headers).toEqual({ 'x-a': '1, 2', 'content-length': '3' });
  });

  it.each([
    ['inside a Content-Length body', '--b\r\nContent-Length: 100\r\n\r\nonly a few bytes'],
    ['inside a JPEG', '--b\r\nContent-Type: image/jpeg\r\n\r\n\u00ff\u00d8\u00ff\u00e0\u0000\u0010JFIF'],
    ['inside the part headers', '--b\r\nContent-Type: text/pl'],
  ])('a stream truncated %s -> ARGUS_ERR_DRIVER_PROTOCOL from end()', (_where, data) => {
    const parser = new MultipartParser({ boundary: 'b', endpoint: 'http://127.0.0.1:9' });
    parser.push(Buffer.from(data, 'latin1'));
    let caught: unknown;
    try {
      parser.end();
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect((caught as Error).message).toContain('http://127.0.0.1:9');
  });

  it('a stream that ends cleanly after a delimiter or inside junk is not an error', () => {
    const parser = new MultipartParser({ boundary: 'b' });
    parser.push(Buffer.from('--b\r\nContent-Length: 1\r\n\r\nx\r\n--b\r\n'));
    expect(parser.end()).toEqual([]);
  });

  it('oversize parts -> ARGUS_ERR_DRIVER_PROTOCOL: declared, scanned, JPEG and header blocks', () => {
    const cases: [string, Buffer][] = [
      ['declared', Buffer.from('--b\r\nContent-Length: 5000\r\n\r\n')],
      ['scanned', Buffer.concat([Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\n'), Buffer.alloc(3000, 0x61)])],
      ['jpeg', Buffer.concat([Buffer.from('--b\r\nContent-Type: image/jpeg\r\n\r\n'), Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), Buffer.alloc(3000, 0x11)])],
      ['headers', Buffer.from(`--b\r\n${'X-Long: y\r\n'.repeat(2000)}`)],
    ];
    for (const [name, data] of cases) {
      const parser = new MultipartParser({ boundary: 'b', maxPartBytes: 1000 });
      let caught: unknown;
      try {
        for (let i = 0; i < data.length; i += 256) parser.push(data.subarray(i, i + 256));
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL'), name).toBe(true);
      // A failed parser keeps failing with the same error.
      expect(() => parser.push(Buffer.from('x'))).toThrow(caught as Error);
    }
  });

  it('long junk without line breaks stays bounded and parsing resumes at the next delimiter', () => {
    const parser = new MultipartParser({ boundary: 'b', maxPartBytes: 1000 });
    for (let i = 0; i < 200; i++) expect(parser.push(Buffer.alloc(5000, 0x7a))).toEqual([]);
    const parts = parser.push(Buffer.from('\r\n--b\r\nContent-Length: 2\r\n\r\nok\r\n'));
    expect(parts.map((p) => text(p.body))).toEqual(['ok']);
    expect(parser.toJSON().skipped).toBeGreaterThan(0);
  });

  it('rejects an unusable boundary with TypeError', () => {
    expect(() => new MultipartParser({ boundary: '--' })).toThrow(TypeError);
    expect(() => new MultipartParser({ boundary: '' })).toThrow(TypeError);
  });
});

describe('multipartBoundary', () => {
  it.each([
    ['multipart/x-mixed-replace; boundary=boundary', 'boundary'],
    ['multipart/x-mixed-replace;boundary=--myboundary', '--myboundary'],
    ['multipart/mixed; charset=utf-8; BOUNDARY="a \\"b\\" c"', 'a "b" c'],
    ['multipart/x-mixed-replace; boundary=ipcamera; foo=bar', 'ipcamera'],
    ['image/jpeg', undefined],
    ['multipart/x-mixed-replace; boundary=', undefined],
    [undefined, undefined],
  ])('%s -> %s', (contentType, expected) => {
    expect(multipartBoundary(contentType)).toBe(expected);
  });
});

describe('multipartParts', () => {
  it('yields parts across chunks and throws the typed error of a truncated stream', async () => {
    async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
      for (const p of parts) yield Buffer.from(p);
    }
    const got: string[] = [];
    for await (const part of multipartParts(chunks(['--b\r\nContent-Le', 'ngth: 2\r\n\r\nhi\r\n--b\r\nContent-Type: text/plain\r\n\r\ntail']), 'b')) {
      got.push(text(part.body));
    }
    expect(got).toEqual(['hi', 'tail']);
    const truncated = async (): Promise<void> => {
      for await (const _part of multipartParts(chunks(['--b\r\nContent-Length: 10\r\n\r\nhi']), 'b')) {
        // nothing complete
      }
    };
    await expect(truncated()).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' });
  });
});
