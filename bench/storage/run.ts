// bench/storage: the storage plugin (@argus/plugin-storage) at scale, on real H.264 from a farm-style loop.
//   Phase A (scale): 100 cameras x 24 h recorded at accelerated time by SegmentWriter into real files and one LevelDB
//     catalogue (tiny profile, so the disk holds it), then the timeline query of one camera-day (baseline: the bare
//     catalogue range read it is made of) and seek, time to the first media bytes of Playback.open (baseline: a
//     plain fs open + read of the same bytes at the same offsets).
//   Phase B (write amplification): 10 cameras x 10 min at 1280x720 2 Mbit/s through SegmentWriter, bytes written by
//     the whole process (/proc/self/io wchar: files, LevelDB WAL and compactions) against a plain fs append of the
//     very same fMP4 chunks; also at the tiny profile.
// Run: npm run bench:storage [-- --quick]   (--quick: phase A at 10 cameras x 2 h, phase B at 10 cameras x 2 min)
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Catalogue, Playback, type SegmentRecord, type StorageTier } from '@argus/plugin-storage';
import { printMachine, printTable } from '../lib/measure.js';
import { loadLoop, type Loop, type LoopProfile } from './loop-media.js';
import { cameraId, muxedBytes, muxLikeTheWriter, processIo, recordCameras, SEGMENT_SECONDS, type MuxedSegment, type ProcessIo, type RecordResult } from './record-cameras.js';

const quick = process.argv.includes('--quick');
const A_CAMERAS = quick ? 10 : 100;
const A_SECONDS = (quick ? 2 : 24) * 3600;
const B_CAMERAS = 10;
const B_SECONDS = (quick ? 2 : 10) * 60;
const TIMELINE_N = 1000;
const SEEK_N = 500;
const BREAKDOWN_N = 200;
const WARMUP = 50;
/** Phase A's recording stops here at the latest; the queries then run on what was written. */
const A_WRITE_LIMIT_MS = (quick ? 5 : 25) * 60_000;
const LIMIT_MS = (quick ? 12 : 45) * 60_000;
const DAY_MS = 24 * 3600_000;
/** Midnight UTC of the day recorded. */
const DAY_START = Date.UTC(2026, 0, 12);
const MB = 2 ** 20;

/** The camera farm's main-stream profile, as bench/ingest records it. */
const REAL: LoopProfile = { name: '1280x720 H.264 2 Mbit/s 25 fps GOP 2 s', width: 1280, height: 720, fps: 25, gopSeconds: 2, bitrateKbps: 2000, loopSeconds: 10 };
/** Small enough that 100 camera-days fit a test machine's disk; GOP 2 s like the real one, so as many fragments. */
const TINY: LoopProfile = { name: '160x90 H.264 4 kbit/s 1 fps GOP 2 s', width: 160, height: 90, fps: 1, gopSeconds: 2, bitrateKbps: 4, loopSeconds: 20 };

const startedAt = Date.now();
const tempDirs = new Set<string>();

// Never leave gigabytes behind, whatever way this process ends.
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function progress(text: string): void {
  process.stderr.write(`[storage ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argus-bench-storage-'));
  tempDirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

interface Latencies {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function latencies(samples: readonly number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

const ms = (value: number): string => value.toFixed(2);
const mb = (bytes: number): string => (bytes / MB).toFixed(1);
const random = (n: number): number => Math.floor(Math.random() * n);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

// ---------------------------------------------------------------------------------------------------------------
// Phase B: write amplification and throughput against a plain append of the same bytes.

interface WriteSide {
  side: string;
  bytes: number;
  wallMs: number;
  cpuMs: number;
  io: ProcessIo;
  notes: string;
}

interface AmplificationResult {
  profile: LoopProfile;
  cameras: number;
  seconds: number;
  sides: WriteSide[];
  amplification: number;
  throughputRatio: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function ioSince(start: ProcessIo): ProcessIo {
  const now = processIo();
  return { wchar: now.wchar - start.wchar, writeBytes: now.writeBytes - start.writeBytes };
}

/** Appends every camera's segments to one file per camera with the writer's own writev chunks; optionally fdatasync per segment. */
async function plainAppend(dir: string, segments: readonly MuxedSegment[], cameras: number, sync: boolean): Promise<void> {
  await Promise.all(
    Array.from({ length: cameras }, async (_, i) => {
      const file = await open(join(dir, `${cameraId(i)}.mp4`), 'a');
      try {
        for (const segment of segments) {
          await file.writev([segment.init]);
          for (const fragment of segment.fragments) await file.writev(fragment.chunks);
          if (sync) await file.datasync();
        }
      } finally {
        await file.close();
      }
    }),
  );
}

async function measureAmplification(loop: Loop, cameras: number, seconds: number): Promise<AmplificationResult> {
  const sides: WriteSide[] = [];
  const writerDir = tempDir();
  let writer: RecordResult;
  try {
    const tier: StorageTier = { name: 'fast', root: join(writerDir, 'fast') };
    const catalogue = await Catalogue.open(join(writerDir, 'catalogue'));
    progress(`phase B ${loop.profile.name}: SegmentWriter, ${cameras} cameras x ${seconds / 60} min`);
    const io = processIo();
    const cpu = process.cpuUsage();
    const began = performance.now();
    writer = await recordCameras({ loop, cameras, seconds, catalogue, tier, start: DAY_START });
    await catalogue.close();
    const wallMs = performance.now() - began;
    const cpuMs = cpuMsSince(cpu);
    const used = ioSince(io);
    const catalogueBytes = await dirBytes(join(writerDir, 'catalogue'));
    sides.push({
      side: 'SegmentWriter (mux, write, catalogue, fdatasync per segment)',
      bytes: writer.bytes,
      wallMs,
      cpuMs,
      io: used,
      notes: `${writer.segments} segments, ${writer.fragments} fragments, ${writer.droppedFragments + writer.droppedPackets} dropped; catalogue ${mb(catalogueBytes)} MB on disk; ${mb(used.wchar - writer.bytes)} MB written beyond the segment bytes`,
    });
  } finally {
    removeDir(writerDir);
  }

  // The same bytes, muxed ahead (untimed) by the same muxer from the same packets and cut at the same keyframes.
  const muxStart = process.cpuUsage();
  const muxWall = performance.now();
  const segments = muxLikeTheWriter(loop, writer.seconds);
  const muxMs = performance.now() - muxWall;
  const muxCpu = cpuMsSince(muxStart);
  const perCamera = muxedBytes(segments);
  if (perCamera * cameras !== writer.bytes) throw new Error(`the plain side would write ${perCamera * cameras} bytes, the writer wrote ${writer.bytes}`);
  sides.push({ side: `Fmp4Muxer alone, no I/O (1 camera measured, x ${cameras})`, bytes: perCamera * cameras, wallMs: muxMs * cameras, cpuMs: muxCpu * cameras, io: { wchar: 0, writeBytes: 0 }, notes: 'the muxing share of the writer' });

  for (const sync of [false, true]) {
    const dir = tempDir();
    try {
      progress(`phase B ${loop.profile.name}: plain append${sync ? ' + fdatasync per segment' : ''}`);
      const io = processIo();
      const cpu = process.cpuUsage();
      const began = performance.now();
      await plainAppend(dir, segments, cameras, sync);
      const wallMs = performance.now() - began;
      sides.push({
        side: sync ? 'plain fs append + fdatasync per segment' : 'plain fs append (baseline)',
        bytes: perCamera * cameras,
        wallMs,
        cpuMs: cpuMsSince(cpu),
        io: ioSince(io),
        notes: `1 file per camera, the writer's writev chunks (${segments.reduce((n, s) => n + s.fragments.length + 1, 0) * cameras} writev)`,
      });
    } finally {
      removeDir(dir);
    }
  }
  const [writerSide, , plain] = sides as [WriteSide, WriteSide, WriteSide];
  return {
    profile: loop.profile,
    cameras,
    seconds: writer.seconds,
    sides,
    amplification: writerSide.io.wchar / plain.io.wchar,
    throughputRatio: writerSide.bytes / writerSide.wallMs / (plain.bytes / plain.wallMs),
  };
}

function printAmplification(result: AmplificationResult): void {
  console.log(`\nphase B, write amplification: ${result.cameras} cameras x ${(result.seconds / 60).toFixed(1)} min of ${result.profile.name} (media time, recorded as fast as possible)`);
  printTable(
    ['side', 'segment bytes (MB)', 'wchar (MB)', 'write_bytes (MB)', 'wall (s)', 'CPU (s)', 'MB/s', 'notes'],
    result.sides.map((s) => [
      s.side,
      mb(s.bytes),
      s.io.wchar === 0 ? '-' : mb(s.io.wchar),
      s.io.wchar === 0 ? '-' : mb(s.io.writeBytes),
      (s.wallMs / 1000).toFixed(2),
      (s.cpuMs / 1000).toFixed(2),
      (s.bytes / MB / (s.wallMs / 1000)).toFixed(1),
      s.notes,
    ]),
  );
  console.log(
    `write amplification (SegmentWriter wchar / plain append wchar): ${result.amplification.toFixed(3)}; ` +
      `throughput SegmentWriter / plain append: ${result.throughputRatio.toFixed(2)}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Phase A: 100 camera-days, then timeline and seek.

interface ScaleResult {
  breakdown: Breakdown;
  write: RecordResult;
  cameras: number;
  diskBytes: number;
  catalogueBytes: number;
  timeline: { playback: Latencies; catalogue: Latencies; segments: number; spans: number };
  seek: { playback: Latencies; plain: Latencies; bytes: number };
}

/** The fragment `Playback.open(camera, t, ...)` starts with: the last at or before `t`, from the same catalogue read. */
function firstFragment(segments: readonly SegmentRecord[], t: number): { segment: SegmentRecord; offset: number; size: number } | undefined {
  for (const segment of [...segments].sort((a, b) => a.start - b.start)) {
    for (const f of segment.fragments) if (f.time + Math.max(1, f.duration) > t) return { segment, offset: f.offset, size: f.size };
  }
  return undefined;
}

/** Where a camera-day's catalogue read goes: LevelDB's range read of the raw values, and decoding their JSON. */
interface Breakdown {
  raw: Latencies;
  parsed: Latencies;
  keysOnly: Latencies;
  bytes: number;
  records: number;
}

/**
 * A profile of the timeline's catalogue read, on the closed catalogue's LevelDB opened directly: the same key range
 * (`s!<camera>!<start>` as catalogue.ts lays it out; a bench-only probe of the on-disk format) read as raw strings,
 * then with `JSON.parse` of each value (what `Catalogue.summaries` does), then keys only.
 */
async function readBreakdown(location: string): Promise<Breakdown> {
  const db = new ClassicLevel<string, string>(location, { valueEncoding: 'utf8' });
  await db.open();
  try {
    const key = (camera: string, t: number): string => `s!${camera}!${String(t).padStart(15, '0')}`;
    const raw: number[] = [];
    const parsed: number[] = [];
    const keysOnly: number[] = [];
    let bytes = 0;
    let records = 0;
    for (let i = 0; i < WARMUP + BREAKDOWN_N; i++) {
      const camera = cameraId(random(A_CAMERAS));
      const range = { gte: key(camera, DAY_START - SEGMENT_SECONDS * 1000), lt: key(camera, DAY_START + DAY_MS) };
      const a = await timed(async () => {
        let n = 0;
        for await (const [, value] of db.iterator(range)) n += value.length;
        return n;
      });
      const b = await timed(async () => {
        let n = 0;
        for await (const [, value] of db.iterator(range)) n += (JSON.parse(value) as { fragmentCount: number }).fragmentCount;
        return n;
      });
      const c = await timed(async () => {
        let n = 0;
        for await (const k of db.keys(range)) n += k.length;
        return n;
      });
      if (i < WARMUP) continue;
      raw.push(a.ms);
      parsed.push(b.ms);
      keysOnly.push(c.ms);
      bytes = a.value;
      records = 0;
      for await (const k of db.keys(range)) records += k.length > 0 ? 1 : 0;
    }
    return { raw: latencies(raw), parsed: latencies(parsed), keysOnly: latencies(keysOnly), bytes, records };
  } finally {
    await db.close();
  }
}

async function runScale(tiny: Loop): Promise<ScaleResult> {
  const dir = tempDir();
  const tier: StorageTier = { name: 'fast', root: join(dir, 'fast') };
  const catalogue = await Catalogue.open(join(dir, 'catalogue'));
  try {
    const estimate = tiny.bytesPerSecond * 1.2 * A_SECONDS * A_CAMERAS;
    const free = statfsSync(tmpdir());
    const available = free.bavail * free.bsize;
    progress(`phase A: ${A_CAMERAS} cameras x ${A_SECONDS / 3600} h of ${tiny.profile.name}, ~${(estimate / 2 ** 30).toFixed(1)} GiB expected, ${(available / 2 ** 30).toFixed(0)} GiB free`);
    if (estimate * 1.2 + 2 * 2 ** 30 > available) throw new Error(`phase A needs ~${(estimate / 2 ** 30).toFixed(1)} GiB; ${(available / 2 ** 30).toFixed(1)} GiB free`);
    const write = await recordCameras({
      loop: tiny,
      cameras: A_CAMERAS,
      seconds: A_SECONDS,
      catalogue,
      tier,
      start: DAY_START,
      deadline: Date.now() + A_WRITE_LIMIT_MS,
      progress: (s) => progress(`phase A: ${(s / 3600).toFixed(0)} h of media written`),
    });
    progress(`phase A: wrote ${(write.seconds / 3600).toFixed(2)} h x ${A_CAMERAS} cameras in ${(write.wallMs / 1000).toFixed(0)} s`);
    const catalogueBytes = await dirBytes(join(dir, 'catalogue'));
    const diskBytes = (await dirBytes(tier.root)) + catalogueBytes;
    const playback = new Playback({ catalogue, tiers: [tier] });
    const dayEnd = DAY_START + DAY_MS;

    // Timeline of a camera-day, and alone the catalogue read it is built on; the two alternate, in random order.
    const tl = { playback: [] as number[], catalogue: [] as number[], segments: 0, spans: 0 };
    for (let i = 0; i < WARMUP + TIMELINE_N; i++) {
      const camera = cameraId(random(A_CAMERAS));
      const both = [
        async () => {
          const { ms: took, value } = await timed(() => playback.timeline(camera, DAY_START, dayEnd));
          if (i >= WARMUP) tl.playback.push(took);
          tl.spans = value.spans.length;
        },
        async () => {
          const { ms: took, value } = await timed(() => catalogue.summaries(camera, DAY_START, dayEnd));
          if (i >= WARMUP) tl.catalogue.push(took);
          tl.segments = value.length;
        },
      ];
      if (Math.random() < 0.5) both.reverse();
      for (const run of both) await run();
    }
    progress('phase A: timeline measured');

    // Seek: time to the first fragment's bytes (after the init segment) of Playback.open at a random time, and a
    // plain open + read of the same bytes (init segment at 0, that fragment at its offset) found from the catalogue.
    const seekPlayback: number[] = [];
    const seekPlain: number[] = [];
    let seekBytes = 0;
    const recordedMs = write.seconds * 1000;
    for (let i = 0; i < WARMUP + SEEK_N; i++) {
      const camera = cameraId(random(A_CAMERAS));
      const t = DAY_START + random(Math.max(1, recordedMs - 2 * SEGMENT_SECONDS * 1000));
      const target = firstFragment(await catalogue.segments(camera, t, t + 60_000), t);
      if (target === undefined) throw new Error(`no fragment of ${camera} at ${new Date(t).toISOString()}`);
      const path = join(tier.root, target.segment.file);
      const sides = [
        async () => {
          const start = performance.now();
          const stream = await playback.open(camera, t, t + 60_000);
          const chunks = stream.chunks[Symbol.asyncIterator]();
          const init = await chunks.next();
          const first = await chunks.next();
          const took = performance.now() - start;
          await chunks.return?.();
          if (init.done === true || first.done === true) throw new Error('playback gave no fragment');
          if (init.value.byteLength !== target.segment.initSize || first.value.byteLength !== target.size) throw new Error('playback read other bytes than the catalogue lists');
          if (i >= WARMUP) seekPlayback.push(took);
        },
        async () => {
          const start = performance.now();
          const file = await open(path, 'r');
          try {
            await file.read(new Uint8Array(target.segment.initSize), 0, target.segment.initSize, 0);
            await file.read(new Uint8Array(target.size), 0, target.size, target.offset);
          } finally {
            await file.close();
          }
          if (i >= WARMUP) seekPlain.push(performance.now() - start);
        },
      ];
      if (Math.random() < 0.5) sides.reverse();
      for (const run of sides) await run();
      seekBytes += target.segment.initSize + target.size;
    }
    progress('phase A: seek measured');
    await catalogue.close();
    const breakdown = await readBreakdown(join(dir, 'catalogue'));
    progress('phase A: timeline read broken down');
    return {
      breakdown,
      write,
      cameras: A_CAMERAS,
      diskBytes,
      catalogueBytes,
      timeline: { playback: latencies(tl.playback), catalogue: latencies(tl.catalogue), segments: tl.segments, spans: tl.spans },
      seek: { playback: latencies(seekPlayback), plain: latencies(seekPlain), bytes: seekBytes / (WARMUP + SEEK_N) },
    };
  } finally {
    await catalogue.close().catch(() => undefined);
    progress('phase A: removing its files');
    removeDir(dir);
  }
}

function printScale(r: ScaleResult): void {
  const w = r.write;
  const hours = w.seconds / 3600;
  console.log(
    `\nphase A, scale: ${r.cameras} cameras x ${hours.toFixed(2)} h${w.seconds < A_SECONDS ? ` (stopped by the ${A_WRITE_LIMIT_MS / 60_000} min write limit; ${A_SECONDS / 3600} h asked)` : ''} of ${TINY.name}, ` +
      `${SEGMENT_SECONDS} s segments: ${w.segments} segments, ${w.fragments} fragments, ${mb(w.bytes)} MB of segments + ${mb(r.catalogueBytes)} MB of catalogue = ${(r.diskBytes / 2 ** 30).toFixed(2)} GiB on disk`,
  );
  console.log(
    `written in ${(w.wallMs / 1000).toFixed(0)} s: ${((r.cameras * w.seconds) / (w.wallMs / 1000)).toFixed(0)}x real time for all ${r.cameras} cameras, ` +
      `${(w.fragments / (w.wallMs / 1000)).toFixed(0)} fragments/s, ${(w.segments / (w.wallMs / 1000)).toFixed(1)} segments/s, ${(w.bytes / MB / (w.wallMs / 1000)).toFixed(2)} MB/s; dropped ${w.droppedFragments} fragments, ${w.droppedPackets} packets`,
  );
  console.log(`\ntimeline of one camera-day (00:00-24:00 UTC, ${r.timeline.segments} segments -> ${r.timeline.spans} span(s)), random camera, N = ${TIMELINE_N} after ${WARMUP} warm-up, page cache warm`);
  const row = (name: string, l: Latencies, base?: Latencies): string[] => [name, ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max), base === undefined ? '' : (l.p50 / base.p50).toFixed(2)];
  printTable(
    ['query', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', 'p50 ratio'],
    [row('Playback.timeline(camera, day)', r.timeline.playback, r.timeline.catalogue), row('Catalogue.summaries(camera, day) (baseline)', r.timeline.catalogue)],
  );
  const b = r.breakdown;
  console.log(
    `\nwhere the camera-day read goes (catalogue LevelDB opened directly, same key range, N = ${BREAKDOWN_N}): ${b.records} segment records, ` +
      `${(b.bytes / 1024).toFixed(0)} KiB of JSON (${(b.bytes / Math.max(1, b.records)).toFixed(0)} B per record)`,
  );
  printTable(
    ['read', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', 'p50 ratio'],
    [row('range read, values as strings', b.raw, b.keysOnly), row('range read + JSON.parse of each value', b.parsed, b.keysOnly), row('keys only', b.keysOnly)],
  );
  console.log(`\nseek: Playback.open(camera, t, t + 60 s) at random t until the first fragment's bytes, N = ${SEEK_N} after ${WARMUP} warm-up; ~${(r.seek.bytes / 1024).toFixed(1)} KiB per seek; page cache warm (the files were just written)`);
  printTable(
    ['read', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', 'p50 ratio'],
    [
      row('Playback.open -> init + first fragment', r.seek.playback, r.seek.plain),
      row('fs open + read init at 0 + read fragment at its offset (baseline)', r.seek.plain),
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------

const amplification: AmplificationResult[] = [];
let scale: ScaleResult | undefined;
let scaleError: string | undefined;

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED';
}

function report(): void {
  if (scale !== undefined) printScale(scale);
  if (scaleError !== undefined) console.log(`\nphase A failed: ${scaleError}`);
  for (const result of amplification) printAmplification(result);
  const real = amplification.find((a) => a.profile === REAL);
  const tl = scale?.timeline.playback.p99;
  const seek = scale?.seek.playback;
  const scope = scale === undefined ? '' : ` (${scale.cameras} cameras x ${(scale.write.seconds / 3600).toFixed(1)} h)`;
  console.log('\ntargets:');
  console.log(`  timeline p99 <= 10 ms${scope}: ${tl === undefined ? '-' : `${ms(tl)} ms`}: ${verdict(tl === undefined ? undefined : tl <= 10)}`);
  console.log(`  seek (time to first media bytes) <= 50 ms, judged at p99${scope}: ${seek === undefined ? '-' : `p99 ${ms(seek.p99)} ms, max ${ms(seek.max)} ms`}: ${verdict(seek === undefined ? undefined : seek.p99 <= 50)}`);
  console.log(`  write amplification <= 1.05 at ${REAL.name}: ${real === undefined ? '-' : real.amplification.toFixed(3)}: ${verdict(real === undefined ? undefined : real.amplification <= 1.05)}`);
}

const limit = setTimeout(() => {
  console.log(`\ntime limit of ${LIMIT_MS / 60_000} min reached: figures so far`);
  report();
  process.exit(1);
}, LIMIT_MS);

printMachine('bench/storage');
progress('encoding / loading the loops');
const real = await loadLoop(REAL);
const tiny = await loadLoop(TINY);
progress(`loops ready (${[real, tiny].filter((l) => l.encoded).length} encoded now)`);
try {
  // Phase B first: phase A leaves gigabytes of dirty pages whose writeback would disturb B's timings.
  amplification.push(await measureAmplification(real.loop, B_CAMERAS, B_SECONDS));
  amplification.push(await measureAmplification(tiny.loop, B_CAMERAS, B_SECONDS));
  try {
    scale = await runScale(tiny.loop);
  } catch (err) {
    scaleError = err instanceof Error ? err.message : String(err);
  }
} finally {
  clearTimeout(limit);
}
report();
