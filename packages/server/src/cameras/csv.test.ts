import { hasErrorCode } from '@argus/core';
import { describe, expect, it } from 'vitest';
import { csvField, parseCsv } from './csv.js';

function failure(text: string): unknown {
  try {
    parseCsv(text);
  } catch (err) {
    return err;
  }
  throw new Error('expected parseCsv to throw');
}

describe('parseCsv', () => {
  it('parses plain records with LF or CRLF and an optional final line break', () => {
    const expected = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ];
    expect(parseCsv('a,b\n1,2\n')).toEqual(expected);
    expect(parseCsv('a,b\r\n1,2')).toEqual(expected);
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual(expected);
  });

  it('strips a BOM and keeps empty fields', () => {
    expect(parseCsv('\uFEFFa,,c\n,,\n')).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 2, fields: ['', '', ''] },
    ]);
  });

  it('reads quoted fields with commas, escaped quotes and line breaks, and counts lines across them', () => {
    const records = parseCsv('id,note\n1,"x, ""y""\r\nz"\n2,""\n3,"a\nb\nc"\n4,end');
    expect(records).toEqual([
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'x, "y"\r\nz'] },
      { line: 4, fields: ['2', ''] },
      { line: 5, fields: ['3', 'a\nb\nc'] },
      { line: 8, fields: ['4', 'end'] },
    ]);
  });

  it('skips empty lines but keeps a lone empty quoted field', () => {
    expect(parseCsv('a\n\n\r\nb\n""\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
      { line: 5, fields: [''] },
    ]);
  });

  it('keeps a bare CR inside a field', () => {
    expect(parseCsv('a\rb,c')).toEqual([{ line: 1, fields: ['a\rb', 'c'] }]);
  });

  it('rejects malformed quoting with the line', () => {
    const cases: [string, string][] = [
      ['a,b\n1,x"y', 'CSV line 2: quote inside an unquoted field'],
      ['a\n"x"y', 'CSV line 2: text after a closing quote'],
      ['a\n\n"open\nstill open', 'CSV line 3: quoted field is not closed'],
    ];
    for (const [text, reason] of cases) {
      const err = failure(text);
      expect(hasErrorCode(err, 'ARGUS_ERR_API_INVALID_REQUEST')).toBe(true);
      expect((err as Error).message).toContain(reason);
    }
  });

  it('returns nothing for an empty text', () => {
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\uFEFF')).toEqual([]);
  });
});

describe('csvField', () => {
  it('quotes only when needed and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(42)).toBe('42');
    expect(csvField(-3)).toBe('-3');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('round-trips through parseCsv', () => {
    const values = ['a', 'b,c', 'd"e', 'f\r\ng', ''];
    expect(parseCsv(values.map(csvField).join(',') + '\r\n')).toEqual([{ line: 1, fields: values }]);
  });
});
