// The ffmpeg side of bench/ingest: one `ffmpeg -c copy -f segment` process per camera, measured from /proc.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '@argus/core/media';

const run = promisify(execFile);

function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, normally 100). */
export const CLK_TCK = clockTicksPerSecond();

/** utime + stime of a process in clock ticks, from `/proc/<pid>/stat`; undefined once it is gone. */
export function readCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in bytes, from `/proc/<pid>/status`; undefined once it is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const at = status.indexOf('VmRSS:');
    if (at < 0) return undefined;
    return Number.parseInt(status.slice(at + 6).trim(), 10) * 1024;
  } catch {
    return undefined;
  }
}

interface Member {
  readonly child: ChildProcess;
  readonly pid: number;
  startTicks: number | undefined;
  lastTicks: number | undefined;
  exited: boolean;
  stderr: string;
}

/**
 * N ffmpeg processes, each recording one RTSP URL (TCP) into 60 s MP4 segments with stream copy, as a typical
 * ffmpeg-per-camera VMS does. CPU is read per process from `/proc`, so each process is charged exactly once.
 */
export class FfmpegFleet {
  readonly #members: Member[] = [];

  /** Spawns one ffmpeg per URL, `staggerMs` apart, writing `<dir>/ffmpeg-<i>-%03d.mp4`. */
  async start(urls: readonly string[], dir: string, staggerMs: number, onSpawn: (child: ChildProcess) => void): Promise<void> {
    for (const [i, url] of urls.entries()) {
      const out = join(dir, `ffmpeg-${String(i + 1).padStart(3, '0')}-%03d.mp4`);
      const child = spawn(
        ffmpegPath(),
        ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-c', 'copy', '-f', 'segment', '-segment_time', '60', '-reset_timestamps', '1', out],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      if (child.pid === undefined) throw new Error(`could not start ${ffmpegPath()}`);
      onSpawn(child);
      const member: Member = { child, pid: child.pid, startTicks: undefined, lastTicks: undefined, exited: false, stderr: '' };
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        member.stderr = (member.stderr + text).slice(-500);
      });
      child.on('exit', () => {
        member.exited = true;
      });
      this.#members.push(member);
      await new Promise((resolve) => setTimeout(resolve, staggerMs));
    }
  }

  /** Processes still running. */
  get alive(): number {
    return this.#members.filter((m) => !m.exited).length;
  }

  /** The last error text of a process that printed one. */
  get firstError(): string | undefined {
    return this.#members.find((m) => m.stderr.trim() !== '')?.stderr.trim();
  }

  /** Starts the CPU window: remembers each process's ticks now. */
  markStart(): void {
    for (const m of this.#members) m.startTicks = m.lastTicks = readCpuTicks(m.pid);
  }

  /** Samples CPU ticks (kept per process, so a process that dies keeps its last figure) and returns the summed RSS. */
  sample(): number {
    let rss = 0;
    for (const m of this.#members) {
      const ticks = readCpuTicks(m.pid);
      if (ticks !== undefined) m.lastTicks = ticks;
      rss += readRssBytes(m.pid) ?? 0;
    }
    return rss;
  }

  /** CPU seconds used by all processes since {@link markStart} (up to the last {@link sample}). */
  cpuSeconds(): number {
    let ticks = 0;
    for (const m of this.#members) if (m.startTicks !== undefined && m.lastTicks !== undefined) ticks += m.lastTicks - m.startTicks;
    return ticks / CLK_TCK;
  }

  /** Asks every process to finish its segment (SIGINT), and kills the ones still there after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const exits = this.#members.filter((m) => !m.exited).map((m) => new Promise<void>((resolve) => m.child.once('exit', () => resolve())));
    for (const m of this.#members) if (!m.exited) m.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const m of this.#members) if (!m.exited) m.child.kill('SIGKILL');
  }
}

/** Frames in the video stream of one file and the frames missing from its pts continuity at `fps`. */
export interface FileFrames {
  frames: number;
  lost: number;
}

/** Counts a file's video packets and pts gaps with ffprobe; undefined when ffprobe cannot read it. */
export async function countFrames(file: string, fps: number): Promise<FileFrames | undefined> {
  try {
    const { stdout } = await run(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], {
      maxBuffer: 64 * 1024 * 1024,
    });
    let frames = 0;
    let lost = 0;
    let last: number | undefined;
    for (const line of stdout.split('\n')) {
      const pts = Number.parseFloat(line);
      if (!Number.isFinite(pts)) continue;
      frames += 1;
      if (last !== undefined) {
        const missing = Math.round((pts - last) * fps) - 1;
        if (missing > 0) lost += missing;
      }
      last = pts;
    }
    return { frames, lost };
  } catch {
    return undefined;
  }
}

/** Sums {@link countFrames} over the `ffmpeg-*.mp4` files of `dir`, two ffprobes at a time. */
export async function countDirFrames(dir: string, fps: number): Promise<{ files: number; unreadable: number; frames: number; lost: number }> {
  const files = (await readdir(dir)).filter((name) => name.startsWith('ffmpeg-') && name.endsWith('.mp4')).map((name) => join(dir, name));
  const total = { files: files.length, unreadable: 0, frames: 0, lost: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const counted = await countFrames(files[next++]!, fps);
      if (counted === undefined) total.unreadable += 1;
      else {
        total.frames += counted.frames;
        total.lost += counted.lost;
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return total;
}
