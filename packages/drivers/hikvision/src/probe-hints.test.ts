import { describe, expect, it } from 'vitest';
import { isapiHint } from './probe-hints.js';

describe('isapiHint', () => {
  it('recognises current camera realms', () => {
    expect(isapiHint({ 'www-authenticate': 'Digest qop="auth", realm="IP Camera(E1234)", nonce="4e", stale="FALSE"' }, '')).toEqual({
      score: 60,
      realm: 'IP Camera(E1234)',
      matched: ['realm'],
    });
  });

  it('reports the model when an older firmware uses it as the realm', () => {
    const hint = isapiHint({ 'www-authenticate': 'Digest realm="DS-2CD2142FWD-IS", nonce="1", qop="auth"' }, '');
    expect(hint).toMatchObject({ score: 60, model: 'DS-2CD2142FWD-IS' });
    expect(isapiHint({ 'www-authenticate': 'Digest realm="iDS-7204HUHI-M1/S", nonce="1"' }, '')?.model).toBe('iDS-7204HUHI-M1/S');
  });

  it('adds up independent signs (realm, server header, ISAPI 401 body), up to 70', () => {
    const body = '<?xml version="1.0" encoding="UTF-8"?><userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString></userCheck>';
    const hint = isapiHint({ 'www-authenticate': 'Digest realm="DS-7608NI-K2", nonce="1"', server: 'DNVRS-Webs' }, body);
    expect(hint?.matched).toEqual(['body', 'realm', 'server']);
    expect(hint?.score).toBe(70);
    expect(isapiHint({ server: 'App-webs/' }, '')?.score).toBe(60);
  });

  it('finds nothing in other vendors’ challenges', () => {
    expect(isapiHint({ 'www-authenticate': 'Digest realm="AXIS_ACCC8E012345", nonce="1"' }, '')).toBeUndefined();
    expect(isapiHint({ 'www-authenticate': 'Digest realm="Login to 4L0123456", nonce="1"' }, '')).toBeUndefined();
    expect(isapiHint({ server: 'nginx' }, '<html>401</html>')).toBeUndefined();
    expect(isapiHint({}, '')).toBeUndefined();
  });
});
