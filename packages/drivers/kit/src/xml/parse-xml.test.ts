import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrorCode } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { fixtureOrSkip } from '../http/shared-fixtures.test-helper.js';
import { buildXml, parseXml, xmlArray, xmlEscape, xmlPath, xmlString } from './parse-xml.js';

describe('parseXml', () => {
  it('removes prefixes, keeps attributes under @_, text under #text and all values as strings', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><a:Root xmlns:a="urn:a" a:version="2.0"><a:Count>007</a:Count><a:Flag>true</a:Flag>' +
        '<a:Item id="1">one</a:Item><a:Item id="2">two</a:Item><a:Empty/><a:Mixed>x<a:b>y</a:b></a:Mixed></a:Root>',
    );
    expect(doc).toEqual({
      Root: {
        '@_version': '2.0',
        Count: '007',
        Flag: 'true',
        Item: [
          { '@_id': '1', '#text': 'one' },
          { '@_id': '2', '#text': 'two' },
        ],
        Empty: '',
        Mixed: { '#text': 'x', b: 'y' },
      },
    });
  });

  it('makes arrays where isArray says so, with the dotted local-name path', () => {
    const paths: string[] = [];
    const doc = parseXml('<s:Envelope xmlns:s="urn:s"><s:Body><Profiles token="p1"><Name>main</Name></Profiles></s:Body></s:Envelope>', {
      isArray: (name, path) => {
        paths.push(path);
        return name === 'Profiles';
      },
    });
    expect(xmlArray(doc, 'Envelope', 'Body', 'Profiles')).toHaveLength(1);
    expect(Array.isArray(xmlPath(doc, 'Envelope', 'Body', 'Profiles'))).toBe(true);
    expect(paths).toContain('Envelope.Body.Profiles');
  });

  it('decodes entities and keeps text containing markup characters', () => {
    const doc = parseXml('<Uri>rtsp://h/cam?channel=1&amp;subtype=0 &lt;x&gt;</Uri>');
    expect(xmlString(doc, 'Uri')).toBe('rtsp://h/cam?channel=1&subtype=0 <x>');
  });

  it.each([
    ['empty', ''],
    ['whitespace', '  \r\n '],
    ['truncated', '<DeviceInfo><model>DS-2CD'],
    ['unclosed', '<a><b></a>'],
    ['not XML', '{"json": true}'],
    ['HTML error page', '<html><body><p>401<br></body></html>'],
    ['two roots', '<a/><b/>'],
  ])('%s input -> ARGUS_ERR_DRIVER_PROTOCOL', (_name, text) => {
    let caught: unknown;
    try {
      parseXml(text, { endpoint: 'http://127.0.0.1:1' });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect((caught as Error).message).toContain('http://127.0.0.1:1');
  });

  it('rejects a non-string with TypeError', () => {
    expect(() => parseXml(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('xmlPath, xmlString, xmlArray', () => {
  const doc = parseXml('<r><list><i>a</i><i>b</i></list><one><i k="v">c</i></one><attrs only="1"/><node><child>x</child></node></r>');

  it('walks names, numeric indexes and the first of repeated elements', () => {
    expect(xmlString(doc, 'r', 'list', 'i', '1')).toBe('b');
    expect(xmlString(doc, 'r', 'list', 'i')).toBe('a');
    expect(xmlPath(doc, 'r', 'missing', 'x')).toBeUndefined();
    expect(xmlPath(undefined, 'r')).toBeUndefined();
    expect(xmlString(doc, 'r', 'list', 'i', '5')).toBeUndefined();
    expect(xmlPath(doc, 'r', 'list', 'i', 'deeper')).toBeUndefined();
  });

  it("reads '#text', '' for attribute-only elements, undefined for elements with children", () => {
    expect(xmlString(doc, 'r', 'one', 'i')).toBe('c');
    expect(xmlString(doc, 'r', 'attrs')).toBe('');
    expect(xmlString(doc, 'r', 'node')).toBeUndefined();
    expect(xmlString(doc, 'r', 'attrs', '@_only')).toBe('1');
  });

  it('normalises 0, 1 or n to arrays', () => {
    expect(xmlArray(doc, 'r', 'list', 'i')).toEqual(['a', 'b']);
    expect(xmlArray(doc, 'r', 'one', 'i')).toEqual([{ '@_k': 'v', '#text': 'c' }]);
    expect(xmlArray(doc, 'r', 'none')).toEqual([]);
  });

  it('does not walk into inherited properties', () => {
    expect(xmlPath(doc, 'r', 'constructor')).toBeUndefined();
    expect(xmlPath(doc, 'toString')).toBeUndefined();
  });
});

describe('buildXml', () => {
  it('writes attributes, text, repeated and empty elements with escaping, and round-trips through parseXml', () => {
    const value = {
      PTZData: {
        '@_version': '2.0',
        pan: '-60',
        note: 'a < b & "c"',
        item: ['1', '2'],
        flag: { '@_on': 'yes & no' },
        mixed: { '@_id': '3', '#text': 'text' },
      },
    };
    const xml = buildXml(value, { declaration: true });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><PTZData version="2.0"><pan>-60</pan><note>a &lt; b &amp; "c"</note>' +
        '<item>1</item><item>2</item><flag on="yes &amp; no"/><mixed id="3">text</mixed></PTZData>',
    );
    expect(parseXml(xml)).toEqual(value);
  });

  it('rejects invalid names with TypeError and escapes for attributes', () => {
    expect(() => buildXml({ 'bad name': 'x' })).toThrow(TypeError);
    expect(() => buildXml({ a: { '@_x': { y: 'z' } } })).toThrow(TypeError);
    expect(xmlEscape(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});

const onvif = fixtureOrSkip('onvif');
describe.skipIf(onvif === undefined)('parseXml on ONVIF fixtures', () => {
  const read = (...parts: string[]): string => readFileSync(join(onvif ?? '', ...parts), 'utf8');

  it('Milesight GetDeviceInformation (ex_onvif)', () => {
    const doc = parseXml(read('ex_onvif', 'get_device_information.xml'));
    const info = xmlPath(doc, 'Envelope', 'Body', 'GetDeviceInformationResponse');
    expect(xmlString(info, 'Manufacturer')).toBe('Milesight Technology Co.,Ltd.');
    expect(xmlString(info, 'Model')).toBe('MS-C8165-PE');
    expect(xmlString(info, 'FirmwareVersion')).toBe('61.8.0.3-r8');
    expect(xmlString(info, 'SerialNumber')).toBe('EM82V102329001403');
    expect(xmlString(info, 'HardwareId')).toBe('V1.0');
  });

  it('Axis GetSystemDateAndTime keeps numbers as strings', () => {
    const doc = parseXml(read('ex_onvif', 'get_system_date_and_time.xml'));
    const utc = xmlPath(doc, 'Envelope', 'Body', 'GetSystemDateAndTimeResponse', 'SystemDateAndTime', 'UTCDateTime');
    expect([xmlString(utc, 'Date', 'Year'), xmlString(utc, 'Date', 'Month'), xmlString(utc, 'Time', 'Second')]).toEqual(['2024', '7', '6']);
  });

  it('GetPresets: repeated elements with attributes', () => {
    const doc = parseXml(read('ex_onvif', 'get_ptz_presets.xml'));
    const presets = xmlArray(doc, 'Envelope', 'Body', 'GetPresetsResponse', 'Preset');
    expect(presets.map((p) => [xmlString(p, '@_token'), xmlString(p, 'Name'), xmlString(p, 'PTZPosition', 'PanTilt', '@_x')])).toEqual([
      ['PresetToken001', 'Entrance', '0.5'],
      ['PresetToken002', 'Parking', '-0.3'],
    ]);
  });

  it('Dahua GetStreamUri, compact and pretty, give the same trimmed URI', () => {
    const uri = (file: string): string | undefined =>
      xmlString(parseXml(read('go2rtc-dahua', file)), 'Envelope', 'Body', 'GetStreamUriResponse', 'MediaUri', 'Uri');
    expect(uri('dahua_GetStreamUri_response_pretty.xml')).toBe(
      'rtsp://192.168.1.123:554/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif',
    );
    expect(uri('dahua_GetStreamUri_response_compact.xml')).toBe(uri('dahua_GetStreamUri_response_pretty.xml'));
  });

  it('the agsh mockup GetDeviceInformation with its WS-Security header', () => {
    const doc = parseXml(read('agsh-serverMockup', 'GetDeviceInformation.xml'));
    expect(xmlString(doc, 'Envelope', 'Header', 'Security', 'UsernameToken', 'Password', '@_Type')).toMatch(/#PasswordDigest$/);
    expect(xmlString(doc, 'Envelope', 'Body', 'GetDeviceInformationResponse', 'Model')).toBe('Mockup Model');
  });

  it('every ex_onvif and go2rtc-dahua response parses to an Envelope with a Body', () => {
    for (const folder of ['ex_onvif', 'go2rtc-dahua']) {
      const files = readdirXml(join(onvif ?? '', folder));
      expect(files.length).toBeGreaterThan(5);
      for (const file of files) {
        const doc = parseXml(read(folder, file));
        expect(xmlPath(doc, 'Envelope', 'Body'), file).toBeDefined();
      }
    }
  });

  it.each([
    ['agsh-serverMockup', 'PullMessages.xml'],
    ['onvif-spec-examples', 'core_L8011_GetEventProperties_response.xml'],
  ])('the not-well-formed %s/%s -> ARGUS_ERR_DRIVER_PROTOCOL', (folder, file) => {
    expect(() => parseXml(read(folder, file))).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_DRIVER_PROTOCOL' }));
  });
});

function readdirXml(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.xml'));
}
