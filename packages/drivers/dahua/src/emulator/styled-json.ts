/** Right margin of jsoncpp's StyledWriter: an array whose one-line form reaches it is written one item per line. */
const RIGHT_MARGIN = 74;
/** jsoncpp's default indent. */
const INDENT = '   ';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(String(value));
}

function isContainer(value: unknown): value is Json[] | Record<string, Json> {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: Json[] | Record<string, Json>): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

class StyledWriter {
  document = '';
  #indent = '';

  writeValue(value: unknown): void {
    if (Array.isArray(value)) this.#writeArray(value as Json[]);
    else if (isContainer(value)) this.#writeObject(value as Record<string, Json>);
    else this.document += scalar(value);
  }

  #writeIndent(): void {
    if (this.document !== '') {
      const last = this.document[this.document.length - 1];
      if (last === ' ') return;
      if (last !== '\n') this.document += '\n';
    }
    this.document += this.#indent;
  }

  #writeWithIndent(text: string): void {
    this.#writeIndent();
    this.document += text;
  }

  #writeObject(value: Record<string, Json>): void {
    // jsoncpp keeps members in a std::map: byte order of the keys.
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) {
      this.document += '{}';
      return;
    }
    this.#writeWithIndent('{');
    this.#indent += INDENT;
    keys.forEach((key, i) => {
      this.#writeWithIndent(JSON.stringify(key));
      this.document += ' : ';
      this.writeValue(value[key]);
      if (i < keys.length - 1) this.document += ',';
    });
    this.#indent = this.#indent.slice(INDENT.length);
    this.#writeWithIndent('}');
  }

  #writeArray(value: Json[]): void {
    if (value.length === 0) {
      this.document += '[]';
      return;
    }
    const children = value.map((child) => {
      const writer = new StyledWriter();
      writer.writeValue(child);
      return writer.document;
    });
    const multiline =
      value.length * 3 >= RIGHT_MARGIN ||
      value.some((child) => isContainer(child) && !isEmpty(child)) ||
      4 + (value.length - 1) * 2 + children.reduce((sum, text) => sum + text.length, 0) >= RIGHT_MARGIN;
    if (!multiline) {
      this.document += `[ ${children.join(', ')} ]`;
      return;
    }
    this.#writeWithIndent('[');
    this.#indent += INDENT;
    value.forEach((child, i) => {
      this.#writeIndent();
      this.writeValue(child);
      if (i < value.length - 1) this.document += ',';
    });
    this.#indent = this.#indent.slice(INDENT.length);
    this.#writeWithIndent(']');
  }
}

/**
 * JSON as Dahua firmware writes it (jsoncpp's StyledWriter): keys sorted, three-space indent, `"key" : value`,
 * short scalar arrays on one line (`[ 0 ]`), and a final newline. Used for the `data=` of emulated events.
 *
 * @example
 * ```ts
 * styledJson({ RegionName: ['Region1'], Id: [0] });
 * // '{\n   "Id" : [ 0 ],\n   "RegionName" : [ "Region1" ]\n}\n'
 * ```
 */
export function styledJson(value: unknown): string {
  const writer = new StyledWriter();
  writer.writeValue(value);
  return `${writer.document}\n`;
}
