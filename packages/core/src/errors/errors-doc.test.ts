import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from './errors-doc.js';
import { ERROR_CODES } from './registry.js';

const docPath = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

describe('docs/errors.md', () => {
  it('is in step with the registry (regenerate with `npm run docs:errors`)', () => {
    expect(readFileSync(docPath, 'utf8')).toBe(renderErrorsDoc());
  });

  it('documents every registered code', () => {
    const doc = readFileSync(docPath, 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(doc).toContain(`\`${code}\``);
  });
});
