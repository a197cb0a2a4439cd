#!/usr/bin/env node
// The `argus` command. Runs the compiled server (built by `npm install` through the root `prepare` script).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
