// Test-only helpers of the ffmpeg adapter tests: local HTTP servers, Annex B splitting, process checks.
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a node:http server on 127.0.0.1 with a random port; resolves its base URL and a closer. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Splits a concatenation of JPEGs at SOI (FFD8) ... EOI (FFD9), walking the marker segments. */
export function splitJpegs(bytes: Uint8Array): Uint8Array[] {
  const images: Uint8Array[] = [];
  let start = 0;
  while (start + 4 <= bytes.length) {
    if (bytes[start] !== 0xff || bytes[start + 1] !== 0xd8) throw new Error(`no SOI at ${start}`);
    let i = start + 2;
    // Headers are length-prefixed segments; after SOS the entropy-coded data runs to the EOI marker.
    for (;;) {
      if (bytes[i] !== 0xff) throw new Error(`no marker at ${i}`);
      const marker = bytes[i + 1]!;
      const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
      i += 2 + length;
      if (marker === 0xda) break;
    }
    while (!(bytes[i] === 0xff && bytes[i + 1] === 0xd9)) i++;
    images.push(bytes.subarray(start, i + 2));
    start = i + 2;
  }
  return images;
}

/** Splits an Annex B byte stream into NAL units (start codes removed). */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 <= bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  const units: Uint8Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : bytes.length;
    while (end > starts[k]! && bytes[end - 1] === 0) end--;
    units.push(bytes.subarray(starts[k], end));
  }
  return units;
}

/** One access unit of a sample stream, grouped by AUD. */
export interface AccessUnit {
  units: Uint8Array[];
  keyframe: boolean;
}

/** Groups NAL units into access units at each AUD (H.264 type 9, H.265 type 35), AUDs dropped. */
export function accessUnits(nals: Uint8Array[], codec: 'h264' | 'h265'): AccessUnit[] {
  const out: AccessUnit[] = [];
  let current: AccessUnit | undefined;
  for (const nal of nals) {
    const type = codec === 'h264' ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f;
    if (type === (codec === 'h264' ? 9 : 35)) {
      current = { units: [], keyframe: false };
      out.push(current);
      continue;
    }
    if (current === undefined) continue;
    current.units.push(nal);
    if (codec === 'h264' ? type === 5 : type >= 16 && type <= 21) current.keyframe = true;
  }
  return out;
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `condition` holds (bounded), for waiting on a process to disappear. */
export async function waitFor(condition: () => boolean, attempts = 100, stepMs = 50): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return condition();
}

/** Pids of the ffmpeg processes this (test worker) process has spawned and that still run. */
export function ffmpegChildren(): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'ffmpeg')
    .map(([pid]) => Number(pid));
}
