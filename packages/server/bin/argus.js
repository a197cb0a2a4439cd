#!/usr/bin/env node
// The `argus` command. Runs the compiled server (built by `npm install` through the root `prepare` script).
import { main } from '../dist/cli.js';

// `argus types | head`: a reader that goes away is the end of the output, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
