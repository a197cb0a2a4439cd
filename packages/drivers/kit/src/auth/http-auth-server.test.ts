import { ManualClock } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { HttpAuthServer } from './http-auth-server.js';
import { HttpAuthenticator } from './http-authenticator.js';
import { basicAuthorization, digestAuthorization, parseAuthChallenges } from './http-digest.js';

const OPTIONS = { realm: 'Login to 4L0123', username: 'admin', password: 'pa55word' } as const;

/** A client that answered the server's first challenge. */
function signedClient(server: HttpAuthServer, password: string = OPTIONS.password): HttpAuthenticator {
  const client = new HttpAuthenticator('admin', password);
  const first = server.check('GET', '/', undefined);
  if (first.ok) throw new Error('expected a challenge');
  expect(client.accept(first.challenges, false)).toBe('retry');
  return client;
}

describe('HttpAuthServer', () => {
  it('challenges with one Digest header per algorithm sharing a nonce, qop=auth and an opaque', () => {
    const server = new HttpAuthServer(OPTIONS);
    const result = server.check('GET', '/', undefined);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.stale).toBe(false);
    const challenges = parseAuthChallenges(result.challenges);
    expect(challenges.map((c) => [c.scheme, c.params['algorithm'], c.params['qop'], c.params['realm']])).toEqual([
      ['digest', 'SHA-256', 'auth', 'Login to 4L0123'],
      ['digest', 'MD5', 'auth', 'Login to 4L0123'],
    ]);
    expect(challenges[0]?.params['nonce']).toBe(challenges[1]?.params['nonce']);
    expect(challenges[0]?.params['opaque']).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([['MD5'], ['SHA-256'], ['MD5-sess'], ['SHA-256-sess']] as const)('verifies Digest %s', (algorithm) => {
    const server = new HttpAuthServer({ ...OPTIONS, algorithms: [algorithm] });
    const client = signedClient(server);
    expect(server.check('GET', '/cgi-bin/magicBox.cgi?action=getSystemInfo', client.authorization('GET', '/cgi-bin/magicBox.cgi?action=getSystemInfo'))).toEqual({
      ok: true,
      username: 'admin',
      scheme: 'digest',
    });
  });

  it('rejects a wrong password, a wrong user, a different URI or method, and a forged nonce', () => {
    const server = new HttpAuthServer(OPTIONS);
    expect(server.check('GET', '/a', signedClient(server, 'nope').authorization('GET', '/a')).ok).toBe(false);
    const other = new HttpAuthenticator('root', OPTIONS.password);
    const first = server.check('GET', '/', undefined);
    if (!first.ok) other.accept(first.challenges, false);
    expect(server.check('GET', '/a', other.authorization('GET', '/a')).ok).toBe(false);
    const client = signedClient(server);
    expect(server.check('GET', '/b', client.authorization('GET', '/a')).ok).toBe(false);
    expect(server.check('POST', '/a', client.authorization('GET', '/a')).ok).toBe(false);
    const forged = digestAuthorization({
      username: 'admin',
      password: OPTIONS.password,
      realm: OPTIONS.realm,
      nonce: `${Date.now().toString(16)}${'A'.repeat(32)}`,
      method: 'GET',
      uri: '/a',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'x',
    });
    expect(server.check('GET', '/a', forged).ok).toBe(false);
  });

  it('accepts the absolute-URL form of the Digest uri', () => {
    const server = new HttpAuthServer(OPTIONS);
    const client = signedClient(server);
    expect(server.check('GET', '/a?b=1', client.authorization('GET', 'http://127.0.0.1:8080/a?b=1')).ok).toBe(true);
  });

  it('rejects a replayed nonce count but accepts counts arriving out of order', () => {
    const server = new HttpAuthServer(OPTIONS);
    const client = signedClient(server);
    const one = client.authorization('GET', '/x');
    const two = client.authorization('GET', '/x');
    expect(server.check('GET', '/x', two).ok).toBe(true);
    expect(server.check('GET', '/x', one).ok).toBe(true);
    expect(server.check('GET', '/x', one).ok).toBe(false);
  });

  it('gives clients challenged in the same millisecond different nonces, so both are accepted', () => {
    const server = new HttpAuthServer({ ...OPTIONS, clock: new ManualClock(1_800_000_000_000) });
    const a = signedClient(server);
    const b = signedClient(server);
    const first = a.authorization('GET', '/x') ?? '';
    const second = b.authorization('GET', '/x') ?? '';
    const nonceOf = (header: string) => /nonce="([^"]+)"/.exec(header)?.[1];
    expect(nonceOf(first)).toBeDefined();
    expect(nonceOf(first)).not.toBe(nonceOf(second));
    expect(server.check('GET', '/x', first).ok).toBe(true);
    expect(server.check('GET', '/x', second).ok).toBe(true);
  });

  it('requires qop=auth with nc and cnonce (no RFC 2069 downgrade)', () => {
    const server = new HttpAuthServer({ ...OPTIONS, algorithms: ['MD5'] });
    const first = server.check('GET', '/', undefined);
    if (first.ok) throw new Error('expected a challenge');
    const nonce = parseAuthChallenges(first.challenges)[0]?.params['nonce'] ?? '';
    const opaque = parseAuthChallenges(first.challenges)[0]?.params['opaque'];
    const legacy = digestAuthorization({ ...OPTIONS, nonce, method: 'GET', uri: '/', algorithm: 'MD5', ...(opaque ? { opaque } : {}) });
    expect(server.check('GET', '/', legacy).ok).toBe(false);
  });

  it('answers an expired nonce with stale=true, only when the credentials were right', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const server = new HttpAuthServer({ ...OPTIONS, clock, nonceTtlMs: 30_000 });
    const good = signedClient(server);
    const bad = signedClient(server, 'wrong');
    clock.advance(30_001);
    const expired = server.check('GET', '/', good.authorization('GET', '/'));
    expect(expired).toMatchObject({ ok: false, stale: true });
    if (!expired.ok) expect(expired.challenges.every((c) => c.endsWith('stale=true'))).toBe(true);
    expect(server.check('GET', '/', bad.authorization('GET', '/'))).toMatchObject({ ok: false, stale: false });
    if (!expired.ok) expect(good.accept(expired.challenges, true)).toBe('retry');
    expect(server.check('GET', '/', good.authorization('GET', '/')).ok).toBe(true);
  });

  it('offers and accepts Basic only when configured, and follows setPassword', () => {
    const digestOnly = new HttpAuthServer(OPTIONS);
    expect(digestOnly.check('GET', '/', basicAuthorization('admin', OPTIONS.password)).ok).toBe(false);
    const basic = new HttpAuthServer({ ...OPTIONS, schemes: ['basic'] });
    const challenge = basic.check('GET', '/', undefined);
    expect(challenge.ok === false && challenge.challenges).toEqual(['Basic realm="Login to 4L0123", charset="UTF-8"']);
    expect(basic.check('GET', '/', basicAuthorization('admin', OPTIONS.password))).toEqual({ ok: true, username: 'admin', scheme: 'basic' });
    expect(basic.check('GET', '/', basicAuthorization('admin', 'x')).ok).toBe(false);
    expect(basic.check('GET', '/', 'Basic !!!not-base64').ok).toBe(false);
    basic.setPassword('new');
    expect(basic.check('GET', '/', basicAuthorization('admin', OPTIONS.password)).ok).toBe(false);
    expect(basic.check('GET', '/', basicAuthorization('admin', 'new')).ok).toBe(true);
  });

  it('rejects misuse with TypeError/RangeError', () => {
    expect(() => new HttpAuthServer({ ...OPTIONS, realm: 'a"b' })).toThrow(TypeError);
    expect(() => new HttpAuthServer({ ...OPTIONS, schemes: [] })).toThrow(RangeError);
    expect(() => new HttpAuthServer({ ...OPTIONS, algorithms: [] })).toThrow(RangeError);
  });
});
