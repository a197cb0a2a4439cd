// Regenerates docs/errors.md from the error registry of @argus/core.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorsDoc } from '../packages/core/src/errors/errors-doc.js';

writeFileSync(fileURLToPath(new URL('../docs/errors.md', import.meta.url)), renderErrorsDoc());
