import { describe, expect, it } from 'vitest';
import { fixturesOrSkip, readFixture, readFixtureBytes } from '../fixtures.test-helper.js';
import { styledJson } from './styled-json.js';

const dir = fixturesOrSkip();

describe.skipIf(dir === undefined)('styledJson against the captures', () => {
  const fixtures = dir ?? '';

  it('writes the data of the byte-exact TimeChange and NTPAdjustTime parts byte for byte', () => {
    const capture = readFixtureBytes(fixtures, 'multipart-stream-rs/eventManager_attach_TimeChange_NTPAdjustTime.bin').toString('utf8');
    const timeChange = styledJson({ ModifiedTime: '2019-02-20 13:49:58', BeforeModifyTime: '2019-02-20 13:49:58' });
    const ntp = styledJson({ result: true, Before: '2019-02-20 13:49:57', Address: '192.168.5.254' });
    expect(capture).toContain(`Code=TimeChange;action=Pulse;index=0;data=${timeChange}`);
    expect(capture).toContain(`Code=NTPAdjustTime;action=Pulse;index=0;data=${ntp}`);
  });

  it('writes the VideoMotion data like the captured part', () => {
    const part = readFixture(fixtures, 'rroller-dahua/eventManager_attach_part_VideoMotion_Start.txt');
    expect(part.startsWith(`Code=VideoMotion;action=Start;index=0;data=${styledJson({ RegionName: ['Region1'], Id: [0] })}`)).toBe(true);
  });

  it('round-trips the captured IVS payload', () => {
    const data: unknown = JSON.parse(readFixture(fixtures, 'scrypted-amcrest/eventManager_CrossRegionDetection_data.json'));
    const text = styledJson(data);
    expect(JSON.parse(text)).toEqual(data);
    // Nested coordinate lists go one per line, short scalar lists stay on one line, empty ones are [].
    expect(text).toContain('"DetectRegion" : [\n      [ 455, 260 ],\n      [ 3586, 260 ],');
    expect(text).toContain('"BoundingBox" : [ 2856, 1280, 3880, 4880 ],');
    expect(text).toContain('"Track" : [],');
  });
});

describe('styledJson', () => {
  it('breaks scalar arrays that reach the right margin and keeps empty objects inline', () => {
    const long = Array.from({ length: 30 }, (_, i) => i);
    expect(styledJson({ a: long })).toBe(`{\n   "a" : [\n      ${long.join(',\n      ')}\n   ]\n}\n`);
    expect(styledJson({ a: {}, b: null, c: [{ d: 1 }] })).toBe('{\n   "a" : {},\n   "b" : null,\n   "c" : [\n      {\n         "d" : 1\n      }\n   ]\n}\n');
    expect(styledJson('x')).toBe('"x"\n');
  });
});
