import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/argus-error.js';
import {
  RtspHeaders,
  RtspMessageParser,
  serializeInterleavedFrame,
  serializeRtspRequest,
  serializeRtspResponse,
  type RtspMessage,
} from './rtsp-message.js';

const axisFile = fileURLToPath(
  new URL('../../../../../../shared/fixtures/axis-vapix/rtsp/axis_rtsp_metadata_session_server_responses.txt', import.meta.url),
);
const haveAxis = existsSync(axisFile);
if (!haveAxis) console.warn(`Axis RTSP fixture missing at ${axisFile}: fixture tests skipped`);

/** The captured responses, split on the separator lines the fixture's curator added. */
function axisResponses(): string[] {
  return readFileSync(axisFile, 'latin1')
    .split(/^#### server response \d+: .*\n/m)
    .filter((part) => part.trim() !== '')
    .map((part) => part.replace(/\n$/, ''));
}

function expectMalformed(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(hasErrorCode(caught, 'ARGUS_ERR_RTSP_MALFORMED'), String(caught)).toBe(true);
}

function feedBytewise(parser: RtspMessageParser, bytes: Uint8Array): RtspMessage[] {
  const out: RtspMessage[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...parser.process(bytes.subarray(i, i + 1)));
  return out;
}

describe('RtspMessageParser', () => {
  it.skipIf(!haveAxis)('parses the captured Axis responses, including the folded header and the Digest challenge', () => {
    const [options, challenge, describeReply, play] = axisResponses();
    const parser = new RtspMessageParser();
    const [o] = parser.process(Buffer.from(options ?? '', 'latin1'));
    expect(o).toMatchObject({ kind: 'response', status: 200, reason: 'OK' });
    if (o?.kind !== 'response') throw new Error('not a response');
    expect(o.headers.get('public')).toContain('GET_PARAMETER');
    expect(o.headers.get('CSEQ')).toBe('0');

    const [c] = parser.process(Buffer.from(challenge ?? '', 'latin1'));
    if (c?.kind !== 'response') throw new Error('not a response');
    expect(c.status).toBe(401);
    expect(c.headers.get('www-authenticate')).toBe(
      'Digest realm="AXIS_ACCC8E012345", nonce="0000eb57Y1462133062b37999f0cd530f02755fa37b8df1", stale=FALSE',
    );
    // " Date: ..." begins with a space: a folded continuation of the previous header.
    expect(c.headers.get('server')).toBe('GStreamer RTSP server Date: Sat, 12 Dec 2020 10:44:25 GMT');

    // The capture says Content-Length: 440 but holds 435 body bytes: the parser waits for the rest, bounded.
    const d = Buffer.from(describeReply ?? '', 'latin1');
    expect(parser.process(d)).toEqual([]);
    expect(parser.bufferedBytes).toBe(d.length);
    const [described] = parser.process(Buffer.from('\r\n\r\n\r'));
    if (described?.kind !== 'response') throw new Error('not a response');
    expect(described.headers.get('content-base')).toBe('rtsp://127.0.0.1/axis-media/media.amp/');
    expect(Buffer.from(described.body).toString('latin1')).toMatch(/^v=0\r\n[\s\S]*event=on\r\n\r\n\r\n\r$/);

    const [p] = parser.process(Buffer.from(play ?? '', 'latin1'));
    if (p?.kind !== 'response') throw new Error('not a response');
    expect(p.headers.get('session')).toBe('ghLlkf_I9pCBP24t;timeout=60');
    expect(p.headers.get('rtp-info')).toContain('seq=13114;rtptime=3803548519');
  });

  it('parses requests with bodies, responses and interleaved frames split at every byte', () => {
    const rtp = Uint8Array.of(0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x65);
    const stream = Buffer.concat([
      serializeRtspRequest({
        method: 'GET_PARAMETER',
        url: 'rtsp://127.0.0.1/stream',
        headers: { CSeq: 4, Session: '15405670', 'Content-Type': 'text/parameters' },
        body: 'mikey\r\n',
      }),
      serializeInterleavedFrame(0, rtp),
      Buffer.from('\r\n'),
      serializeRtspResponse({ status: 200, headers: { CSeq: 4 }, body: 'mikey: AQAF\r\n' }),
      serializeInterleavedFrame(1, new Uint8Array(0)),
      Buffer.from('SETUP rtsp://h/s/trackID=0 RTSP/1.0\nCSeq: 5\nTransport: RTP/AVP;unicast;\n client_port=8002-8003\n\n'),
    ]);
    for (const messages of [new RtspMessageParser().process(stream), feedBytewise(new RtspMessageParser(), stream)]) {
      expect(messages.map((m) => m.kind)).toEqual(['request', 'interleaved', 'response', 'interleaved', 'request']);
      const [request, frame, response, empty, setup] = messages;
      if (request?.kind !== 'request' || frame?.kind !== 'interleaved' || response?.kind !== 'response') throw new Error('order');
      expect(request.method).toBe('GET_PARAMETER');
      expect(request.headers.get('content-type')).toBe('text/parameters');
      expect(Buffer.from(request.body).toString()).toBe('mikey\r\n');
      expect(frame.channel).toBe(0);
      expect(Array.from(frame.data)).toEqual(Array.from(rtp));
      expect(Buffer.from(response.body).toString()).toBe('mikey: AQAF\r\n');
      expect(empty).toMatchObject({ kind: 'interleaved', channel: 1 });
      if (setup?.kind !== 'request') throw new Error('order');
      expect(setup.headers.get('transport')).toBe('RTP/AVP;unicast; client_port=8002-8003');
    }
  });

  it('hands interleaved payloads out as views of the received chunk (no copy)', () => {
    const chunk = serializeInterleavedFrame(2, Uint8Array.of(1, 2, 3));
    const [frame] = new RtspMessageParser().process(chunk);
    if (frame?.kind !== 'interleaved') throw new Error('not a frame');
    expect(frame.data.buffer).toBe(chunk.buffer);
  });

  it('copies only a frame that spans chunks; frames after it stay views of their chunk, and chunks are never written', () => {
    const payload = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
    const frames = [payload(1400, 1), payload(1400, 2), payload(1400, 3), payload(300, 4), payload(2000, 5)];
    const stream = Buffer.concat(frames.map((f, i) => serializeInterleavedFrame(i % 2, f)));
    // Cut inside frame 2's header, inside frame 2's payload, and inside frame 5, so one frame spans three chunks.
    const cuts = [1404 + 2, 1404 + 700, 3 * 1404 + 304 + 10, 3 * 1404 + 304 + 1500, stream.length];
    const chunks: Buffer[] = [];
    let at = 0;
    for (const cut of cuts) {
      chunks.push(Buffer.from(stream.subarray(at, cut))); // each chunk its own ArrayBuffer, like socket reads
      at = cut;
    }
    const before = chunks.map((c) => Buffer.from(c));
    const parser = new RtspMessageParser();
    const got: { data: Uint8Array; chunk: number }[] = [];
    chunks.forEach((chunk, index) => {
      for (const m of parser.process(chunk)) if (m.kind === 'interleaved') got.push({ data: m.data, chunk: index });
    });
    expect(got.map((g) => Array.from(g.data))).toEqual(frames.map((f) => Array.from(f)));
    expect(parser.bufferedBytes).toBe(0);
    const [first, second, third, fourth, fifth] = got;
    expect(first?.data.buffer).toBe(chunks[0]?.buffer); // whole in chunk 0: a view
    for (const spanning of [second, fifth]) expect(chunks.some((c) => c.buffer === spanning?.data.buffer)).toBe(false); // copied
    expect(third?.data.buffer).toBe(chunks[2]?.buffer); // after a spanning frame, parsed in place: a view
    expect(fourth?.data.buffer).toBe(chunks[2]?.buffer);
    chunks.forEach((chunk, i) => expect(chunk.equals(before[i] ?? Buffer.alloc(0))).toBe(true));
  });

  it('throws ARGUS_ERR_RTSP_MALFORMED, not a TypeError, on a bare CR inside a header line (found by fuzzing)', () => {
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('RTSP/1.0 200 OK\r\nSession: 12345678\r-\r\n\r\n', 'latin1')));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\n\tfolded\rvalue\r\n\r\n', 'latin1')));
  });

  it('throws ARGUS_ERR_RTSP_MALFORMED on garbage, huge headers and bad Content-Length, never a plain error', () => {
    expectMalformed(() => new RtspMessageParser().process(Buffer.from([0x00, 0xff, 0x13, 0x37])));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('<html>\r\n\r\n')));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('HELLO WORLD\r\n\r\n')));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('RTSP/1.0 200 OK\r\nno colon here\r\n\r\n')));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: -5\r\n\r\n')));
    expectMalformed(() => new RtspMessageParser().process(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 12abc\r\n\r\n')));
    expectMalformed(() =>
      new RtspMessageParser({ maxBodyBytes: 1000 }).process(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 1001\r\n\r\n')),
    );
    const parser = new RtspMessageParser({ maxHeaderBytes: 1024 });
    expect(parser.process(Buffer.from('RTSP/1.0 200 OK\r\nX-Pad: '))).toEqual([]);
    expectMalformed(() => {
      for (let i = 0; i < 100; i++) parser.process(Buffer.from('a'.repeat(100)));
    });
  });
});

describe('RtspHeaders and serializers', () => {
  it('is case-insensitive and keeps repeated headers', () => {
    const headers = new RtspHeaders([
      ['WWW-Authenticate', 'Digest realm="a"'],
      ['www-authenticate', 'Basic realm="a"'],
    ]);
    expect(headers.getAll('Www-Authenticate')).toEqual(['Digest realm="a"', 'Basic realm="a"']);
    headers.set('CSeq', 3);
    expect(headers.toJSON()).toMatchObject({ cseq: '3' });
    expect(() => headers.set('X', 'a\r\nInjected: 1')).toThrow(TypeError);
  });

  it('writes Content-Length from the body and rejects misuse', () => {
    const text = serializeRtspResponse({ status: 200, headers: { CSeq: 1, 'Content-Length': 99 }, body: 'v=0\r\n' }).toString();
    expect(text).toBe('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    expect(() => serializeRtspRequest({ method: 'get x', url: 'rtsp://h/' })).toThrow(TypeError);
    expect(() => serializeInterleavedFrame(0, new Uint8Array(70_000))).toThrow(RangeError);
  });
});
