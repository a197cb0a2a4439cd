import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a scripted media playlist. */
export interface ScriptedSegment {
  readonly sequence: number;
  /** Served at `/media/<uri>` (the playlist lists `media/<uri>`). */
  readonly uri: string;
  readonly duration?: number;
  readonly discontinuity?: boolean;
  readonly programDateTime?: number;
  /** EXT-X-BYTERANGE `length@offset`. */
  readonly byteRange?: { readonly offset: number; readonly length: number };
  /** Lines written before EXTINF (EXT-X-KEY, EXT-X-MAP...). */
  readonly before?: readonly string[];
}

/** What a scripted origin answers for a path: bytes, text, or a status. */
export type ScriptedReply = { status?: number; type?: string; headers?: Record<string, string>; body?: string | Uint8Array };

/**
 * A real HTTP server on 127.0.0.1 whose playlists the test writes, step by step: a live origin under the test's
 * control (sliding windows, restarts, discontinuities, missing segments, byte ranges, keys).
 */
export class ScriptedOrigin {
  /** Files under `/media/`. */
  readonly files = new Map<string, Uint8Array>();
  /** Paths that answer 404 although listed. */
  readonly missing = new Set<string>();
  /** The playlist served at `/live.m3u8`, rebuilt by the test or by `onPlaylist`. */
  segments: ScriptedSegment[] = [];
  targetDuration = 1;
  endList = false;
  header: string[] = [];
  /** Called before each `/live.m3u8` answer with the number of playlist requests so far (1 for the first). */
  onPlaylist: ((count: number) => void) | undefined;
  /** Extra routes. */
  readonly routes = new Map<string, () => ScriptedReply>();
  /** Honour `Range` requests (206); false answers the whole file (200) like servers that ignore Range. */
  ranges = true;
  /** Required `Authorization` header value (Basic), when set. */
  basic: string | undefined;
  readonly requests: string[] = [];
  /** The Authorization header of each request (undefined when none). */
  readonly authorizations: (string | undefined)[] = [];
  #server: Server | undefined;
  #playlistCount = 0;

  /** Listens on 127.0.0.1 at a free port. */
  async start(): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The media playlist text for the current script. */
  playlist(): string {
    const first = this.segments[0];
    const lines = ['#EXTM3U', '#EXT-X-VERSION:4', `#EXT-X-TARGETDURATION:${this.targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? 0}`, ...this.header];
    for (const s of this.segments) {
      if (s.discontinuity === true) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(...(s.before ?? []));
      if (s.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`);
      if (s.byteRange !== undefined) lines.push(`#EXT-X-BYTERANGE:${s.byteRange.length}@${s.byteRange.offset}`);
      lines.push(`#EXTINF:${(s.duration ?? 1).toFixed(3)},`, `media/${s.uri}`);
    }
    if (this.endList) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://origin.invalid').pathname;
    this.requests.push(path);
    this.authorizations.push(req.headers.authorization);
    if (this.basic !== undefined && req.headers.authorization !== this.basic) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="scripted"' }).end();
      return;
    }
    const route = this.routes.get(path);
    if (route !== undefined) {
      const reply = route();
      res.writeHead(reply.status ?? 200, { ...(reply.type === undefined ? {} : { 'Content-Type': reply.type }), ...reply.headers }).end(reply.body ?? '');
      return;
    }
    if (path === '/live.m3u8') {
      this.#playlistCount += 1;
      this.onPlaylist?.(this.#playlistCount);
      res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' }).end(this.playlist());
      return;
    }
    const file = path.startsWith('/media/') ? path.slice('/media/'.length) : undefined;
    const bytes = file === undefined || this.missing.has(file) ? undefined : this.files.get(file);
    if (bytes === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>404 Not Found</body></html>');
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range !== null && this.ranges) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), bytes.length - 1);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }).end(bytes.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(bytes);
  }
}
