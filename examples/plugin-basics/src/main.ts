// npm start --workspace @argus/example-plugin-basics
import { createLogger } from '@argus/core';
import { runExample } from './plugin-basics.js';

const summary = await runExample(createLogger({ name: 'example', level: 'info' }));
console.log(JSON.stringify(summary, null, 2));
