/** Test helper (not shipped: `*.test.*` files are left out of the package). */
export interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  /** `name{label="value",...}` -> value, labels as rendered. */
  samples: Map<string, number>;
}

/** A small parser of the Prometheus text format, so tests assert on values rather than on substrings. */
export function parseExposition(text: string): Exposition {
  const result: Exposition = { help: new Map(), type: new Map(), samples: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment !== null) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      (kind === 'HELP' ? result.help : result.type).set(name, rest);
      continue;
    }
    const sample = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line);
    if (sample === null) throw new Error(`not an exposition line: ${line}`);
    result.samples.set(sample[1]!, Number(sample[2]));
  }
  return result;
}

