import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  RtspAuthenticator,
  computeDigestResponse,
  digestAlgorithm,
  digestChallenge,
  parseAuthorization,
  parseWwwAuthenticate,
  verifyBasicAuthorization,
  verifyDigestAuthorization,
} from './rtsp-auth.js';

const axisFile = fileURLToPath(
  new URL('../../../../../../shared/fixtures/axis-vapix/rtsp/axis_rtsp_metadata_session_server_responses.txt', import.meta.url),
);

describe('parseWwwAuthenticate', () => {
  it.skipIf(!existsSync(axisFile))('reads the challenge captured from an Axis camera (no credentials are given)', () => {
    const line = /^WWW-Authenticate: (.*)\r$/m.exec(readFileSync(axisFile, 'latin1'))?.[1] ?? '';
    expect(parseWwwAuthenticate(line)).toEqual([
      {
        scheme: 'digest',
        params: { realm: 'AXIS_ACCC8E012345', nonce: '0000eb57Y1462133062b37999f0cd530f02755fa37b8df1', stale: 'FALSE' },
      },
    ]);
  });

  it('splits several challenges in one value and across values; handles quoted commas and escapes', () => {
    const challenges = parseWwwAuthenticate([
      'Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int", algorithm=SHA-256, Digest realm="a, b", nonce="n2"',
      'Basic realm="cam"',
    ]);
    expect(challenges).toEqual([
      { scheme: 'digest', params: { realm: 'a, b', nonce: 'n"1', qop: 'auth,auth-int', algorithm: 'SHA-256' } },
      { scheme: 'digest', params: { realm: 'a, b', nonce: 'n2' } },
      { scheme: 'basic', params: { realm: 'cam' } },
    ]);
  });

  it('reads HTTP challenges as the driver kit gets them: token68 schemes, values joined by line breaks, none at all', () => {
    expect(parseWwwAuthenticate(['Bearer abc==', 'Basic realm="r"'])).toEqual([
      { scheme: 'bearer', params: {} },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parseWwwAuthenticate('Digest realm="a", nonce="n1",\r\n Basic realm="a"')).toEqual([
      { scheme: 'digest', params: { realm: 'a', nonce: 'n1' } },
      { scheme: 'basic', params: { realm: 'a' } },
    ]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});

describe('computeDigestResponse', () => {
  it('matches RFC 2617 3.5 (MD5, qop=auth)', () => {
    expect(
      computeDigestResponse({
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  // RFC 7616 section 3.9.1; it has no -sess or qop-less examples: the formulas of section 3.4.2 and RFC 2069 are
  // spelt out below.
  const rfc7616 = {
    username: 'Mufasa',
    password: 'Circle of Life',
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    method: 'GET',
    uri: '/dir/index.html',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  const hex = (hash: 'md5' | 'sha256', text: string): string => createHash(hash).update(text, 'utf8').digest('hex');

  it('matches RFC 7616 3.9.1 (SHA-256 and MD5, qop=auth)', () => {
    expect(computeDigestResponse({ ...rfc7616, qop: 'auth', algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    expect(computeDigestResponse({ ...rfc7616, qop: 'auth', algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it.each([
    ['MD5-sess', 'md5'],
    ['SHA-256-sess', 'sha256'],
  ] as const)('%s hashes HA1 again with the nonce and cnonce', (algorithm, hash) => {
    const { username, password, realm, nonce, method, uri, nc, cnonce } = rfc7616;
    const ha1 = hex(hash, `${hex(hash, `${username}:${realm}:${password}`)}:${nonce}:${cnonce}`);
    const expected = hex(hash, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${hex(hash, `${method}:${uri}`)}`);
    expect(computeDigestResponse({ ...rfc7616, algorithm, qop: 'auth' })).toBe(expected);
  });

  it('answers without qop in the RFC 2069 form (no nc, no cnonce)', () => {
    const { username, password, realm, nonce, method, uri } = rfc7616;
    const expected = hex('md5', `${hex('md5', `${username}:${realm}:${password}`)}:${nonce}:${hex('md5', `${method}:${uri}`)}`);
    expect(computeDigestResponse({ username, password, realm, nonce, method, uri })).toBe(expected);
  });
});

describe('digestAlgorithm', () => {
  it('defaults to MD5, ignores case and surrounding spaces, and refuses what it cannot compute', () => {
    expect(digestAlgorithm(undefined)).toBe('MD5');
    expect(digestAlgorithm('sha-256-SESS')).toBe('SHA-256-sess');
    expect(digestAlgorithm(' MD5-sess ')).toBe('MD5-sess');
    expect(digestAlgorithm('SHA-512-256')).toBeUndefined();
  });
});

describe('RtspAuthenticator', () => {
  const credentials = { username: 'admin', password: 'p@ss:word' };

  it('signs with Digest, increments nc, and the server-side verifier accepts it', () => {
    const auth = new RtspAuthenticator(credentials, { cnonce: () => 'c0ffee' });
    expect(auth.authorization('DESCRIBE', 'rtsp://h/s')).toBeUndefined();
    const challenge = digestChallenge({ realm: 'cam', nonce: 'n1', algorithm: 'SHA-256', qop: 'auth', opaque: 'o' });
    expect(auth.accept([challenge, 'Basic realm="cam"'])).toBe(true);
    const first = auth.authorization('DESCRIBE', 'rtsp://h/s') ?? '';
    const second = auth.authorization('SETUP', 'rtsp://h/s/trackID=0') ?? '';
    expect(parseAuthorization(first)).toMatchObject({ scheme: 'digest', params: { nc: '00000001', opaque: 'o', algorithm: 'SHA-256' } });
    expect(parseAuthorization(second)).toMatchObject({ scheme: 'digest', params: { nc: '00000002' } });
    const password = (u: string): string | undefined => (u === 'admin' ? 'p@ss:word' : undefined);
    expect(verifyDigestAuthorization(second, { method: 'SETUP', realm: 'cam', nonce: 'n1', password })).toBe('admin');
    expect(verifyDigestAuthorization(second, { method: 'PLAY', realm: 'cam', nonce: 'n1', password })).toBeUndefined();
    expect(verifyDigestAuthorization(second, { method: 'SETUP', realm: 'cam', nonce: 'n2', password })).toBeUndefined();
    expect(verifyDigestAuthorization(second, { method: 'SETUP', realm: 'cam', nonce: 'n1', password: () => 'x' })).toBeUndefined();
  });

  it('prefers SHA-256 over MD5 over Basic, and gives up on a repeated challenge', () => {
    const auth = new RtspAuthenticator(credentials);
    expect(auth.accept(['Basic realm="x"', 'Digest realm="x", nonce="a"', 'Digest realm="x", nonce="b", algorithm=SHA-256'])).toBe(true);
    expect(parseAuthorization(auth.authorization('OPTIONS', '*') ?? '')).toMatchObject({ params: { nonce: 'b' } });
    expect(auth.accept('Digest realm="x", nonce="b", algorithm=SHA-256')).toBe(false);
    expect(auth.accept('Digest realm="x", nonce="c", algorithm=SHA-256')).toBe(true);
    expect(auth.accept('Digest realm="x", nonce="c", algorithm=SHA-256, stale=TRUE')).toBe(true);
    expect(auth.accept('Negotiate abc')).toBe(false);
  });

  it('RFC 2069 Digest without qop and Basic both verify', () => {
    const auth = new RtspAuthenticator(credentials);
    auth.accept('Digest realm="r", nonce="n"');
    const value = auth.authorization('PLAY', 'rtsp://h/s') ?? '';
    expect(value).not.toContain('qop=');
    expect(verifyDigestAuthorization(value, { method: 'PLAY', realm: 'r', nonce: 'n', password: () => 'p@ss:word' })).toBe('admin');
    const basic = new RtspAuthenticator(credentials);
    expect(basic.accept('Basic realm="r"')).toBe(true);
    expect(basic.accept('Basic realm="r"')).toBe(false);
    expect(verifyBasicAuthorization(basic.authorization('PLAY', 'x'), () => 'p@ss:word')).toBe('admin');
    expect(verifyBasicAuthorization(basic.authorization('PLAY', 'x'), () => 'other')).toBeUndefined();
  });
});
