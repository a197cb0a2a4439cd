// Child process of the crash test (segment-repair.test.ts): records real H.264 at real time (25 fps) through a
// SegmentWriter until its parent kills it with SIGKILL. Before writing a keyframe (the write that flushes a
// fragment to disk) it prints `keyframe <frame>`; after each write, `written <frames> <fragments>`.
// Usage: node --import tsx --conditions=@argus/source segment-writer-crash.test-helper.ts <data dir> <annex-b file>
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Catalogue } from '../catalogue/catalogue.js';
import { SegmentWriter } from './segment-writer.js';
import { readH264Packets } from './writer-media.test-helper.js';

const [dir, sample] = process.argv.slice(2);
if (dir === undefined || sample === undefined) throw new Error('usage: <data dir> <annex-b file>');

const catalogue = await Catalogue.open(join(dir, 'catalogue'));
const writer = new SegmentWriter({ camera: 'cam-1', stream: 'main', catalogue, tier: { name: 'fast', root: join(dir, 'fast') }, segmentSeconds: 1 });
const { packets } = readH264Packets(sample, 25);
const started = performance.now();
for (const [i, packet] of packets.entries()) {
  const due = started + i * 40 - performance.now();
  if (due > 0) await sleep(due);
  if (packet.keyframe) process.stdout.write(`keyframe ${i + 1}\n`);
  await writer.write(packet);
  // Pipes are written synchronously on Linux: whatever this printed is readable after the kill.
  process.stdout.write(`written ${i + 1} ${writer.stats().fragments}\n`);
}
process.stdout.write('done\n');
await writer.close();
await catalogue.close();
