import { ArgusError } from '@argus/core';

/** One record of a CSV text. */
export interface CsvRecord {
  /** 1-based line of the file where the record starts (a quoted field may span lines). */
  readonly line: number;
  readonly fields: string[];
}

/**
 * Parses RFC 4180 CSV: comma-separated fields, double-quoted fields that may hold commas, line breaks and `""`
 * (an escaped quote), CRLF or LF line ends, an optional UTF-8 BOM and an optional final line break. Empty lines
 * are skipped. A quote inside an unquoted field, text after a closing quote, or an unterminated quoted field
 * throws `ARGUS_ERR_API_INVALID_REQUEST` naming the line, since the records after it cannot be trusted.
 *
 * @example
 * ```ts
 * parseCsv('a,b\r\n1,"x, ""y"""\n'); // [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', 'x, "y"'] }]
 * ```
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const fail = (line: number, reason: string): never => {
    throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: `CSV line ${line}: ${reason}` });
  };
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  // A record of one empty unquoted field is an empty line; `""` alone is a record with one empty field.
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    if (fields.length > 0 || field !== '' || quoted) records.push({ line: recordLine, fields: [...fields, field] });
    fields = [];
    field = '';
    quoted = false;
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '"') {
      if (field !== '' || quoted) fail(line, 'quote inside an unquoted field');
      quoted = true;
      const openedAt = line;
      i += 1;
      for (;;) {
        if (i >= source.length) fail(openedAt, 'quoted field is not closed');
        const inner = source[i]!;
        if (inner === '"') {
          if (source[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        if (inner === '\n') line += 1;
        field += inner;
        i += 1;
      }
      i += 1;
      const next = source[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && source[i + 1] === '\n')) {
        fail(line, 'text after a closing quote');
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      quoted = false;
      i += 1;
      continue;
    }
    if (ch === '\n' || (ch === '\r' && source[i + 1] === '\n')) {
      endRecord();
      i += ch === '\r' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    if (quoted) fail(line, 'text after a closing quote');
    field += ch;
    i += 1;
  }
  endRecord();
  return records;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field: quoted when it holds a comma, quote or line break. Text that a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`) is prefixed with `'`, so exported names cannot inject formulas.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
