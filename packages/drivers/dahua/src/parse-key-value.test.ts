import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { fixturesOrSkip, readFixture } from './fixtures.test-helper.js';
import {
  dahuaErrorReason,
  dahuaList,
  dahuaNumber,
  dahuaPath,
  dahuaString,
  dahuaTable,
  isDahuaErrorReply,
  parseKeyValueLines,
  parseKeyValueTable,
} from './parse-key-value.js';

const dir = fixturesOrSkip();

function protocolReason(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL'), String(err)).toBe(true);
    return (err as { details: { reason: string } }).details.reason;
  }
  throw new Error('expected ARGUS_ERR_DRIVER_PROTOCOL');
}

describe.skipIf(dir === undefined)('key=value parsers on the captured replies', () => {
  const fixtures = dir === undefined ? '' : dir;

  it('parses every captured key=value reply, line by line and as a tree', () => {
    const files = readdirSync(join(fixtures, 'rroller-dahua')).filter((f) => f.endsWith('.txt') && !f.startsWith('eventManager'));
    expect(files.length).toBe(16);
    for (const file of files) {
      const text = readFixture(fixtures, join('rroller-dahua', file));
      const lines = text.split('\r\n').filter((l) => l !== '');
      const pairs = parseKeyValueLines(text);
      expect(Object.keys(pairs).length, file).toBe(lines.length);
      for (const line of lines) {
        const eq = line.indexOf('=');
        expect(pairs[line.slice(0, eq)], `${file}: ${line}`).toBe(line.slice(eq + 1));
      }
      expect(() => parseKeyValueTable(text), file).not.toThrow();
    }
  });

  it('keeps values that hold ":" and "," and spaces as sent', () => {
    const info = parseKeyValueLines(readFixture(fixtures, 'rroller-dahua/magicBox_getSystemInfo.txt'));
    expect(info['updateSerialCloudUpgrade']).toBe('IPC-HDW5830R-Z:07:01:08:70:52:00:09:0E:03:00:04:8F0:00:00:00:00:00:02:00:00:600');
    expect(parseKeyValueLines(readFixture(fixtures, 'rroller-dahua/magicBox_getSoftwareVersion.txt'))).toEqual({ version: '2.800.0000016.0.R,build:2020-06-05' });
    expect(parseKeyValueLines(readFixture(fixtures, 'rroller-dahua/magicBox_getDeviceType_generic.txt'))).toEqual({ type: 'IP Camera' });
  });

  it('builds nested tables and lists from dotted and indexed keys', () => {
    const lighting = parseKeyValueTable(readFixture(fixtures, 'rroller-dahua/configManager_getConfig_Lighting_V2.txt'));
    expect(dahuaString(lighting, 'table', 'Lighting_V2', 0, 2, 0, 'LightType')).toBe('WhiteLight');
    expect(dahuaNumber(lighting, 'table', 'Lighting_V2', 0, 2, 0, 'MiddleLight', 0, 'Light')).toBe(100);
    expect(dahuaPath(lighting, 'table', 'Lighting_V2', 0, 0)).toBeUndefined();

    const smart = parseKeyValueTable(readFixture(fixtures, 'rroller-dahua/configManager_getConfig_SmartMotionDetect.txt'));
    expect(smart).toEqual({
      table: { SmartMotionDetect: [{ Enable: 'true', ObjectTypes: { Human: 'true', Vehicle: 'false' }, Sensitivity: 'Middle' }] },
    });

    const rule = parseKeyValueTable(readFixture(fixtures, 'rroller-dahua/configManager_getConfig_VideoAnalyseRule_excerpt.txt'));
    expect(dahuaString(rule, 'table', 'VideoAnalyseRule', 0, 1, 'Name')).toBe('IVS-1');
    expect(dahuaList(rule, 'table', 'VideoAnalyseRule', 0)).toHaveLength(1);

    const general = parseKeyValueTable(readFixture(fixtures, 'rroller-dahua/configManager_getConfig_General.MachineName.txt'));
    expect(dahuaString(general, 'table', 'General', 'MachineName')).toBe('Cam4');
    expect(dahuaTable(general, 'table', 'General')).toEqual({ MachineName: 'Cam4' });

    const ptz = parseKeyValueTable(readFixture(fixtures, 'rroller-dahua/ptz_getStatus.txt'));
    expect(dahuaList(ptz, 'status', 'Postion')).toEqual(['91.600000', '-2.600000', '1.000000']);
  });
});

describe('key=value parsers on malformed input', () => {
  it('rejects a line without "=" with a typed protocol error naming the line', () => {
    expect(protocolReason(() => parseKeyValueLines('deviceType=IPC\r\nserialNumber 123\r\n'))).toMatch(/line 2/);
    expect(protocolReason(() => parseKeyValueTable('<html><body>Not Found</body></html>'))).toMatch(/no "="/);
  });

  it('rejects empty replies, empty keys and NUL bytes', () => {
    expect(protocolReason(() => parseKeyValueLines(''))).toMatch(/empty/);
    expect(protocolReason(() => parseKeyValueLines('\r\n\r\n'))).toMatch(/empty/);
    expect(protocolReason(() => parseKeyValueLines('=value\r\n'))).toMatch(/empty key/);
    expect(protocolReason(() => parseKeyValueLines(new Uint8Array([0x61, 0x3d, 0x00, 0x62])))).toMatch(/NUL/);
  });

  it('rejects malformed keys, huge indices, conflicting keys and __proto__', () => {
    expect(protocolReason(() => parseKeyValueTable('table..Port=554'))).toMatch(/malformed key/);
    expect(protocolReason(() => parseKeyValueTable('table.Encode[0.Width=1'))).toMatch(/malformed key/);
    expect(protocolReason(() => parseKeyValueTable('presets[99999].Index=1'))).toMatch(/out of range/);
    expect(protocolReason(() => parseKeyValueTable('a.b=1\r\na.b.c=2'))).toMatch(/conflicts/);
    expect(protocolReason(() => parseKeyValueTable('a.b.c=1\r\na.b=2'))).toMatch(/conflicts/);
    expect(protocolReason(() => parseKeyValueTable('a[0]=1\r\na.b=2'))).toMatch(/conflicts/);
    expect(protocolReason(() => parseKeyValueTable('__proto__.polluted=yes'))).toMatch(/malformed key/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('takes the last of duplicate keys and accepts LF-only replies', () => {
    expect(parseKeyValueLines('a=1\nb=2\na=3\n')).toEqual({ a: '3', b: '2' });
  });

  it('recognises Dahua error answers', () => {
    expect(isDahuaErrorReply('Error\r\nBad Request!\r\n')).toBe(true);
    expect(isDahuaErrorReply('Error\r\n')).toBe(true);
    expect(isDahuaErrorReply('ErrorCode=1\r\n')).toBe(false);
    expect(isDahuaErrorReply('OK\r\n')).toBe(false);
    expect(dahuaErrorReason('Error\r\nBad Request!\r\n')).toBe('Bad Request!');
    expect(dahuaErrorReason('Error\r\n')).toBe('Error');
  });
});
