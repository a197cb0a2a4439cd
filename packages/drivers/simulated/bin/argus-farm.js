#!/usr/bin/env node
// The `argus-farm` command: a farm of simulated RTSP cameras. Runs the compiled CLI (built by `tsc -b`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
