// bench/ingest: N farm cameras (H.264 1280x720, 2 Mbit/s, 25 fps, GOP 2 s) recorded to files by the native path
// (rtspSource + Fmp4Muxer, all N in one Node process) and, in the same run, by one `ffmpeg -c copy -f segment`
// process per camera. The two sides never run at the same time, and the farm runs in a third process, so each
// side's CPU and memory are its own. Printed per N and side: CPU-seconds per stream-minute, RSS per stream and
// frames lost. Run: npm run bench:ingest [-- --quick] [-- --n 50,100]
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printMachine, printTable } from '../lib/measure.js';
import { countDirFrames, FfmpegFleet } from './ffmpeg-fleet.js';
import { nextMessage, startWorker, type FarmProfile, type FarmReply, type FarmRequest, type NativeReply, type NativeRequest, type NativeResult } from './protocol.js';

const quick = process.argv.includes('--quick');
const nArg = process.argv[process.argv.indexOf('--n') + 1];
const NS = process.argv.includes('--n') && nArg !== undefined ? nArg.split(',').map(Number) : quick ? [10, 20] : [50, 100, 200, 500];
const sideArg = process.argv[process.argv.indexOf('--side') + 1];
const SIDES = process.argv.includes('--side') && sideArg !== undefined ? sideArg.split(',') : ['native', 'ffmpeg'];
/** Extra Node flags for the native worker, e.g. `--cpu-prof` to profile it. */
const NATIVE_NODE_ARGS = (process.env.ARGUS_BENCH_NATIVE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const WINDOW_MS = quick ? 10_000 : 30_000;
const WARMUP_MS = 5_000;
const LIMIT_MS = quick ? 3 * 60_000 : 20 * 60_000;
const NATIVE_STAGGER_MS = 5;
const FFMPEG_STAGGER_MS = 40;
/** RSS assumed for one ffmpeg process before one was measured. */
const FFMPEG_RSS_GUESS = 60 * 2 ** 20;
const PROFILE: FarmProfile = { width: 1280, height: 720, fps: 25, bitrateKbps: 2000, gopSeconds: 2, loopSeconds: 10 };
const MB = 2 ** 20;

const startedAt = Date.now();
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// Never leave a worker or an ffmpeg behind, whatever way this process ends.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function progress(text: string): void {
  process.stderr.write(`[ingest ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argus-bench-ingest-'));
  tempDirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** One measured side at one N. */
interface SideFigures {
  n: number;
  side: 'native' | 'native receive only' | 'ffmpeg' | 'write floor';
  cpuPerStreamMinute: number;
  rssPerStreamMb: number;
  framesLost: number;
  framesRecorded: number;
  farmCpuPerStreamMinute: number;
  notes: string;
  /** Native side: bytes written during the window (estimated from the frame share), and the window's length. */
  windowBytes?: number;
  windowMs?: number;
}

/** The farm process and a way to read its CPU. */
class Farm {
  readonly #child = track(startWorker('farm-worker.ts'));
  #tag = 0;
  urls: string[] = [];

  async start(cameras: number): Promise<number> {
    this.#child.send({ type: 'start', cameras, profile: PROFILE } satisfies FarmRequest);
    const ready = await nextMessage<FarmReply>(this.#child, (m) => m.type === 'ready' || m.type === 'failed', 300_000, 'farm start');
    if (ready.type === 'failed') throw new Error(`farm failed: ${ready.error}`);
    if (ready.type !== 'ready') throw new Error('unexpected farm reply');
    this.urls = ready.ids.map((id) => `rtsp://127.0.0.1:${ready.port}/${id}`);
    return ready.loopsGenerated;
  }

  async usage(): Promise<Extract<FarmReply, { type: 'usage' }>> {
    const tag = ++this.#tag;
    this.#child.send({ type: 'usage', tag } satisfies FarmRequest);
    return nextMessage<Extract<FarmReply, { type: 'usage' }>>(this.#child, (m) => m.type === 'usage' && m.tag === tag, 10_000, 'farm usage');
  }

  close(): void {
    if (this.#child.connected) this.#child.send({ type: 'close' } satisfies FarmRequest);
  }
}

function perStreamMinute(cpuSeconds: number, n: number, windowMs: number): number {
  return cpuSeconds / (n * (windowMs / 60_000));
}

async function runNative(farm: Farm, n: number, receiveOnly = false): Promise<SideFigures> {
  const dir = tempDir();
  try {
    const worker = track(startWorker('native-worker.ts', ['--expose-gc', ...NATIVE_NODE_ARGS]));
    const request: NativeRequest = {
      type: 'start',
      urls: farm.urls.slice(0, n),
      fps: PROFILE.fps,
      dir,
      warmupMs: WARMUP_MS,
      windowMs: WINDOW_MS,
      staggerMs: NATIVE_STAGGER_MS,
      startTimeoutMs: 30_000,
      receiveOnly,
    };
    const result = nextMessage<NativeReply>(worker, (m) => m.type === 'result' || m.type === 'failed', 180_000 + n * NATIVE_STAGGER_MS, `native N=${n}`);
    result.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
    const windowStart = nextMessage<NativeReply>(worker, (m) => m.type === 'window-start', 120_000, 'native window start');
    worker.send(request);
    await windowStart;
    const windowEnd = nextMessage<NativeReply>(worker, (m) => m.type === 'window-end', WINDOW_MS + 30_000, 'native window end');
    const farmBefore = await farm.usage();
    progress(`native N=${n}: window started`);
    await windowEnd;
    const farmAfter = await farm.usage();
    const reply = await result;
    if (reply.type === 'failed') throw new Error(`native worker failed: ${reply.error}`);
    if (reply.type !== 'result') throw new Error('unexpected native reply');
    const r: NativeResult = reply.result;
    const expected = Math.round((r.windowMs / 1000) * PROFILE.fps * n);
    const notes = [
      `${r.playing}/${n} playing`,
      `window frames ${r.windowFrames}/${expected}`,
      `RTP lost ${r.rtpLost}`,
      `${((100 * r.systemMicros) / Math.max(1, r.cpuMicros)).toFixed(0)}% of CPU in kernel`,
      `farm skipped ${farmAfter.skipped - farmBefore.skipped}`,
      `${(r.bytesWritten / MB).toFixed(0)} MB written`,
      ...(r.failed > 0 ? [`${r.failed} failed: ${r.firstError ?? 'ended'}`] : []),
    ].join(', ');
    return {
      n,
      side: receiveOnly ? 'native receive only' : 'native',
      cpuPerStreamMinute: perStreamMinute(r.cpuMicros / 1e6, n, r.windowMs),
      rssPerStreamMb: (median(r.rssSamples) - r.baseRss) / n / MB,
      framesLost: r.framesLost,
      framesRecorded: r.framesRecorded,
      farmCpuPerStreamMinute: perStreamMinute((farmAfter.usage.cpuMicros - farmBefore.usage.cpuMicros) / 1e6, n, r.windowMs),
      notes,
      windowBytes: (r.bytesWritten * r.windowFrames) / Math.max(1, r.framesRecorded),
      windowMs: r.windowMs,
    };
  } finally {
    removeDir(dir);
  }
}

/**
 * The kernel's own price of storing what the native side stored in its window: the same byte count written to a file
 * by a process that does nothing else. No recorder can go under it; it bounds the CPU ratio any recorder can reach.
 */
function writeFloor(native: SideFigures): SideFigures {
  const dir = tempDir();
  try {
    const bytes = Math.round(native.windowBytes ?? 0);
    const script = new URL('write-floor-worker.ts', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, dir, String(bytes)], { encoding: 'utf8' });
    const { cpuMicros, systemMicros } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { cpuMicros: number; systemMicros: number };
    return {
      n: native.n,
      side: 'write floor',
      cpuPerStreamMinute: perStreamMinute(cpuMicros / 1e6, native.n, native.windowMs ?? WINDOW_MS),
      rssPerStreamMb: 0,
      framesLost: 0,
      framesRecorded: 0,
      farmCpuPerStreamMinute: 0,
      notes: `${(bytes / MB).toFixed(0)} MB in 32 KiB writes, ${((100 * systemMicros) / Math.max(1, cpuMicros)).toFixed(0)}% of CPU in kernel`,
    };
  } finally {
    removeDir(dir);
  }
}

async function waitForFiles(dir: string, fleet: FfmpegFleet, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = (await readdir(dir)).length;
    if (files >= fleet.alive) return;
    await sleep(250);
  }
}

async function runFfmpeg(farm: Farm, n: number): Promise<SideFigures> {
  const dir = tempDir();
  const fleet = new FfmpegFleet();
  try {
    await fleet.start(farm.urls.slice(0, n), dir, FFMPEG_STAGGER_MS, track);
    // Each ffmpeg opens its first segment once it has probed the stream: wait for all of them, then warm up.
    await waitForFiles(dir, fleet, 60_000);
    await sleep(WARMUP_MS);
    const farmBefore = await farm.usage();
    fleet.markStart();
    progress(`ffmpeg N=${n}: window started, ${fleet.alive} processes`);
    const started = Date.now();
    const rss: number[] = [];
    while (Date.now() - started < WINDOW_MS) {
      await sleep(500);
      rss.push(fleet.sample());
    }
    const windowMs = Date.now() - started;
    const cpuSeconds = fleet.cpuSeconds();
    const farmAfter = await farm.usage();
    const alive = fleet.alive;
    await fleet.stop();
    const counted = await countDirFrames(dir, PROFILE.fps);
    const error = fleet.firstError;
    const notes = [
      `${alive}/${n} running at window end`,
      `farm skipped ${farmAfter.skipped - farmBefore.skipped}`,
      `${counted.files} files${counted.unreadable > 0 ? `, ${counted.unreadable} unreadable` : ''}`,
      ...(error === undefined ? [] : [`stderr: ${error.split('\n')[0]}`]),
    ].join(', ');
    return {
      n,
      side: 'ffmpeg',
      cpuPerStreamMinute: perStreamMinute(cpuSeconds, n, windowMs),
      rssPerStreamMb: median(rss) / n / MB,
      framesLost: counted.lost,
      framesRecorded: counted.frames,
      farmCpuPerStreamMinute: perStreamMinute((farmAfter.usage.cpuMicros - farmBefore.usage.cpuMicros) / 1e6, n, windowMs),
      notes,
    };
  } finally {
    await fleet.stop(2_000);
    removeDir(dir);
  }
}

function lossPercent(f: SideFigures): number {
  const total = f.framesRecorded + f.framesLost;
  return total === 0 ? 100 : (100 * f.framesLost) / total;
}

const rows: SideFigures[] = [];
const skipped: string[] = [];

function report(): void {
  const table = rows.map((f) => {
    const native = rows.find((r) => r.n === f.n && r.side === 'native');
    const ratios = f.side === 'ffmpeg' && native !== undefined;
    const floor = f.side === 'write floor';
    const receiveOnly = f.side === 'native receive only';
    return [
      `${f.n}`,
      f.side,
      f.cpuPerStreamMinute.toFixed(3),
      floor ? '-' : f.rssPerStreamMb.toFixed(2),
      floor || receiveOnly ? '-' : `${f.framesLost} (${lossPercent(f).toFixed(2)}%)`,
      floor ? '-' : `${f.framesRecorded}`,
      ratios ? (f.cpuPerStreamMinute / native.cpuPerStreamMinute).toFixed(1) : '',
      ratios ? (f.rssPerStreamMb / native.rssPerStreamMb).toFixed(1) : '',
      floor ? '-' : f.farmCpuPerStreamMinute.toFixed(3),
      f.notes,
    ];
  });
  console.log(
    `\n${PROFILE.width}x${PROFILE.height} H.264, ${PROFILE.bitrateKbps} kbit/s, ${PROFILE.fps} fps, GOP ${PROFILE.gopSeconds} s; ` +
      `window ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up per side per N; sides run one after the other`,
  );
  printTable(
    ['N', 'side', 'CPU-s per stream-minute', 'RSS per stream (MB)', 'frames lost', 'frames recorded', 'ratio CPU (ffmpeg/native)', 'ratio RSS', 'farm CPU-s per stream-minute', 'notes'],
    table,
  );
  for (const line of skipped) console.log(`skipped: ${line}`);
  const native = rows.find((r) => r.n === 200 && r.side === 'native');
  const ffmpeg = rows.find((r) => r.n === 200 && r.side === 'ffmpeg');
  if (native === undefined) {
    console.log('\ntargets at N = 200: not judged (no native run at N = 200)');
    return;
  }
  const cpuRatio = ffmpeg === undefined ? undefined : ffmpeg.cpuPerStreamMinute / native.cpuPerStreamMinute;
  const rssRatio = ffmpeg === undefined ? undefined : ffmpeg.rssPerStreamMb / native.rssPerStreamMb;
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const floor = rows.find((r) => r.n === 200 && r.side === 'write floor');
  const receive = rows.find((r) => r.n === 200 && r.side === 'native receive only');
  if (ffmpeg !== undefined && floor !== undefined && receive !== undefined) {
    console.log(
      `\nfloors at N = 200: receiving alone (RTSP client, no later stage) costs ${receive.cpuPerStreamMinute.toFixed(3)} CPU-s per stream-minute ` +
        `(ffmpeg / that = ${(ffmpeg.cpuPerStreamMinute / receive.cpuPerStreamMinute).toFixed(1)}); writing the same bytes alone costs ` +
        `${floor.cpuPerStreamMinute.toFixed(3)}: the native path's ratio cannot exceed ffmpeg / (receive + write) = ` +
        `${(ffmpeg.cpuPerStreamMinute / (receive.cpuPerStreamMinute + floor.cpuPerStreamMinute)).toFixed(1)}`,
    );
  }
  console.log(
    `\ntargets at N = 200: CPU ratio ${cpuRatio?.toFixed(1) ?? '-'} (>= 5: ${verdict(cpuRatio === undefined ? undefined : cpuRatio >= 5)}), ` +
      `RSS ratio ${rssRatio?.toFixed(1) ?? '-'} (>= 20: ${verdict(rssRatio === undefined ? undefined : rssRatio >= 20)}), ` +
      `native frames lost ${native.framesLost} (= 0: ${verdict(native.framesLost === 0)})`,
  );
}

const limit = setTimeout(() => {
  console.log(`\ntime limit of ${LIMIT_MS / 60_000} min reached: figures so far`);
  report();
  process.exit(1);
}, LIMIT_MS);

printMachine('bench/ingest');
const farm = new Farm();
try {
  progress(`starting the farm with ${Math.max(...NS)} cameras`);
  const encoded = await farm.start(Math.max(...NS));
  progress(`farm ready${encoded > 0 ? ' (loop encoded)' : ''}`);
  let previousFfmpeg: SideFigures | undefined;
  for (const n of NS) {
    const left = LIMIT_MS - (Date.now() - startedAt);
    const sideBudget = WINDOW_MS + WARMUP_MS + 60_000;
    if (left < sideBudget) {
      skipped.push(`N=${n}: not enough time left in the ${LIMIT_MS / 60_000} min limit`);
      continue;
    }
    if (SIDES.includes('native')) {
      progress(`native N=${n}: opening sessions`);
      const native = await runNative(farm, n);
      rows.push(native, writeFloor(native));
      progress(`native receive only N=${n}: opening sessions`);
      rows.push(await runNative(farm, n, true));
    }
    if (!SIDES.includes('ffmpeg')) continue;

    const rssGuess = previousFfmpeg === undefined ? FFMPEG_RSS_GUESS : previousFfmpeg.rssPerStreamMb * MB;
    const needed = n * rssGuess * 1.3 + 512 * MB;
    if (previousFfmpeg !== undefined && lossPercent(previousFfmpeg) > 1) {
      skipped.push(`ffmpeg N=${n}: at N=${previousFfmpeg.n} ffmpeg already lost ${lossPercent(previousFfmpeg).toFixed(1)}% of frames`);
    } else if (freemem() < needed) {
      skipped.push(`ffmpeg N=${n}: needs ~${(needed / MB).toFixed(0)} MB (${(rssGuess / MB).toFixed(0)} MB per process + margin), ${(freemem() / MB).toFixed(0)} MB free`);
    } else if (LIMIT_MS - (Date.now() - startedAt) < sideBudget + n * FFMPEG_STAGGER_MS) {
      skipped.push(`ffmpeg N=${n}: not enough time left in the ${LIMIT_MS / 60_000} min limit`);
    } else {
      progress(`ffmpeg N=${n}: spawning ${n} processes`);
      previousFfmpeg = await runFfmpeg(farm, n);
      rows.push(previousFfmpeg);
    }
  }
} finally {
  clearTimeout(limit);
  farm.close();
}
report();
