import type { ErrorDefinition } from './definition.js';
import { ERROR_CODES } from './registry.js';

function area(code: string): string {
  return code.replace(/^ARGUS_ERR_/, '').split('_')[0] ?? '';
}

/** Renders `docs/errors.md` from the registry; `scripts/errors-doc.ts` writes it and a test compares it. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from packages/core/src/errors/codes by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    'Every error Argus raises on purpose carries a stable code `ARGUS_ERR_<AREA>_<WHAT>`. Codes never change',
    'meaning; messages may be reworded. APIs answer `{ "code", "message" }` with the HTTP status below.',
    'Transient errors may succeed when retried later; the plugin host and the stream graph retry them.',
    'Test for an error with `hasErrorCode(err, code)` from `@argus/core`, not with `instanceof`.',
  ];
  let current = '';
  const entries: [string, ErrorDefinition][] = Object.entries(ERROR_CODES);
  for (const [code, definition] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    if (area(code) !== current) {
      current = area(code);
      lines.push('', `## ${current}`, '', '| code | HTTP | transient | message |', '|---|---|---|---|');
    }
    const message = definition.message.replaceAll('|', '\\|');
    lines.push(`| \`${code}\` | ${definition.status} | ${definition.transient === true ? 'yes' : 'no'} | ${message} |`);
  }
  return `${lines.join('\n')}\n`;
}
