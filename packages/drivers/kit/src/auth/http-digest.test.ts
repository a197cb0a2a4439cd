import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureOrSkip } from '../http/shared-fixtures.test-helper.js';
import { HttpAuthenticator } from './http-authenticator.js';
import {
  basicAuthorization,
  constantTimeEqual,
  digestAlgorithm,
  parseAuthChallenges,
  parseAuthorizationHeader,
} from './http-digest.js';

// computeDigestResponse is core's (re-exported); core's rtsp-auth.test.ts checks it against the RFC 7616 and RFC 2617
// worked examples. Here: the kit's client produces the RFC 7616 response from the RFC's challenge.
describe('HttpAuthenticator against the RFC 7616 worked example', () => {
  // RFC 7616 section 3.9.1: the client nonce of the example.
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';


  it('the client signs the RFC 7616 challenge with the RFC response', () => {
    const auth = new HttpAuthenticator('Mufasa', 'Circle of Life', { cnonce: () => cnonce });
    const challenge =
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    expect(auth.accept(challenge, false)).toBe('retry');
    const header = auth.authorization('GET', '/dir/index.html');
    const parsed = parseAuthorizationHeader(header);
    expect(parsed?.params).toMatchObject({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      uri: '/dir/index.html',
      algorithm: 'SHA-256',
      qop: 'auth',
      nc: '00000001',
      cnonce,
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    });
    expect(parseAuthorizationHeader(auth.authorization('GET', '/dir/index.html'))?.params['nc']).toBe('00000002');
  });
});

describe('parseAuthChallenges', () => {
  it('splits several challenges in one value, with quoted commas and escapes', () => {
    expect(
      parseAuthChallenges('Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int", Basic realm="x"'),
    ).toEqual([
      { scheme: 'digest', params: { realm: 'a, b', nonce: 'n"1', qop: 'auth,auth-int' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('takes a list of header values and skips token68 schemes', () => {
    expect(parseAuthChallenges(['Bearer abc==', 'Basic realm="r"'])).toEqual([
      { scheme: 'bearer', params: {} },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parseAuthChallenges(undefined)).toEqual([]);
  });

  it('normalises algorithms and Basic headers', () => {
    expect(digestAlgorithm(undefined)).toBe('MD5');
    expect(digestAlgorithm('sha-256-SESS')).toBe('SHA-256-sess');
    expect(digestAlgorithm('SHA-512-256')).toBeUndefined();
    expect(parseAuthorizationHeader(basicAuthorization('admin', 'pä:ss'))).toEqual({
      scheme: 'basic',
      params: { token: Buffer.from('admin:pä:ss').toString('base64') },
    });
    expect(parseAuthorizationHeader('')).toBeUndefined();
  });

  it('compares in constant time without throwing on different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

/** Header values of a captured response, with obsolete line folding undone. */
function headerValues(text: string, name: string): string[] {
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ').replace(/,\s*\r?\n(?=\w+=)/g, ', ');
  return unfolded
    .split(/\r?\n/)
    .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((line) => line.slice(name.length + 1).trim());
}

const onvifExamples = fixtureOrSkip('onvif', 'onvif-spec-examples');
describe.skipIf(onvifExamples === undefined)('ONVIF Core spec Digest examples (fixtures)', () => {
  const read = (file: string): string => readFileSync(join(onvifExamples ?? '', file), 'utf8');

  it('parses the MD5 + SHA-256 401 and picks SHA-256, echoing realm, nonce and opaque', () => {
    const values = headerValues(read('core_L2406_http_digest_401_md5_and_sha256.txt'), 'WWW-Authenticate');
    expect(values).toHaveLength(2);
    const challenges = parseAuthChallenges(values);
    expect(challenges.map((c) => c.params['algorithm'])).toEqual(['MD5', 'SHA-256']);
    expect(challenges[0]?.params).toMatchObject({ realm: 'Silvan_http_digest', qop: 'auth', nonce: '62d82aa9ca59e3a04cd1', opaque: '5b6ea228' });

    const request = read('core_L2394_http_digest_request.txt');
    const [method = '', uri = ''] = request.split(/\r?\n/)[0]?.split(' ') ?? [];
    expect([method, uri]).toEqual(['POST', '/onvif/device_service']);
    const auth = new HttpAuthenticator('admin', 'password', { cnonce: () => '0a4f113b' });
    expect(auth.accept(values, false)).toBe('retry');
    const params = parseAuthorizationHeader(auth.authorization(method, uri))?.params ?? {};
    expect(params).toMatchObject({ algorithm: 'SHA-256', realm: 'Silvan_http_digest', nonce: '62d82aa9ca59e3a04cd1', opaque: '5b6ea228', nc: '00000001', qop: 'auth', uri });
    // The response is the RFC 7616 formula, spelt out independently here.
    const h = (s: string): string => createHash('sha256').update(s).digest('hex');
    const expected = h(`${h('admin:Silvan_http_digest:password')}:62d82aa9ca59e3a04cd1:00000001:0a4f113b:auth:${h('POST:/onvif/device_service')}`);
    expect(params['response']).toBe(expected);
  });

  it.each([
    ['core_L2413_http_digest_401_sha256.txt', 'SHA-256'],
    ['core_L2418_http_digest_401_md5.txt', 'MD5'],
  ])('%s -> answers with %s', (file, algorithm) => {
    const auth = new HttpAuthenticator('admin', 'password');
    expect(auth.accept(headerValues(read(file), 'WWW-Authenticate'), false)).toBe('retry');
    expect(auth.algorithm).toBe(algorithm);
    expect(parseAuthorizationHeader(auth.authorization('POST', '/onvif/device_service'))?.params['algorithm']).toBe(algorithm);
  });
});

const axisRtsp = fixtureOrSkip('axis-vapix', 'rtsp', 'axis_rtsp_metadata_session_server_responses.txt');
describe.skipIf(axisRtsp === undefined)('Axis RTSP handshake with Digest (fixture)', () => {
  it('answers the qop-less challenge in the RFC 2069 form and treats a repeat as a rejection', () => {
    const values = headerValues(readFileSync(axisRtsp ?? '', 'utf8'), 'WWW-Authenticate');
    expect(values).toEqual(['Digest realm="AXIS_ACCC8E012345", nonce="0000eb57Y1462133062b37999f0cd530f02755fa37b8df1", stale=FALSE']);
    const auth = new HttpAuthenticator('root', 'pass');
    expect(auth.accept(values, false)).toBe('retry');
    const params = parseAuthorizationHeader(auth.authorization('DESCRIBE', 'rtsp://127.0.0.1/axis-media/media.amp'))?.params ?? {};
    expect(params['qop']).toBeUndefined();
    expect(params['nc']).toBeUndefined();
    const h = (s: string): string => createHash('md5').update(s).digest('hex');
    const nonce = '0000eb57Y1462133062b37999f0cd530f02755fa37b8df1';
    expect(params['response']).toBe(
      h(`${h('root:AXIS_ACCC8E012345:pass')}:${nonce}:${h('DESCRIBE:rtsp://127.0.0.1/axis-media/media.amp')}`),
    );
    // stale=FALSE and the same nonce again: the credentials were wrong.
    expect(auth.accept(values, true)).toBe('rejected');
  });
});
