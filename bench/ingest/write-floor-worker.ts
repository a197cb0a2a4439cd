// The floor of bench/ingest: what this machine's kernel charges for writing the bytes the native side wrote, with no
// network, parsing or muxing at all: `bytes` written to a fresh file in 32 KiB writes (ffmpeg's avio buffer size),
// closed. Every recorder, ffmpeg included, pays at least this per byte recorded. Prints one JSON line:
// { cpuMicros, systemMicros }.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const [dir, bytesText] = process.argv.slice(2);
if (dir === undefined || bytesText === undefined) throw new Error('usage: write-floor-worker.ts DIR BYTES');
const total = Number(bytesText);
const chunk = Buffer.alloc(32 * 1024, 0x5a);
const file = join(dir, 'floor.bin');
const before = process.cpuUsage();
const fd = openSync(file, 'w');
for (let written = 0; written < total; written += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, total - written));
closeSync(fd);
const used = process.cpuUsage(before);
rmSync(file, { force: true });
process.stdout.write(`${JSON.stringify({ cpuMicros: used.user + used.system, systemMicros: used.system })}\n`);
