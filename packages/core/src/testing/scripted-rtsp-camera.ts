import { createServer, type Server } from 'node:net';

/** A running {@link scriptedRtspCamera}. */
export interface ScriptedRtspCamera {
  /** `rtsp://127.0.0.1:<port>/stream` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A minimal RTSP "camera" on 127.0.0.1 that answers DESCRIBE with the SDP it is given (any text, valid or not)
 * and every other request with 200 OK: for testing how clients handle a camera's unsupported codecs or broken
 * SDP. It sends no media.
 *
 * @example
 * ```ts
 * const camera = await scriptedRtspCamera('v=0\r\n...m=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n');
 * await expect(probeStream(camera.url)).rejects.toMatchObject({ code: 'ARGUS_ERR_MEDIA_UNSUPPORTED_CODEC' });
 * await camera.close();
 * ```
 */
export async function scriptedRtspCamera(sdp: string): Promise<ScriptedRtspCamera> {
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (buffer.length > 64 * 1024) return socket.destroy();
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const request = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const cseq = /CSeq:\s*(\d+)/i.exec(request)?.[1] ?? '0';
        if (request.startsWith('DESCRIBE ')) {
          socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp, 'latin1')}\r\n\r\n${sdp}`);
        } else {
          socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `rtsp://127.0.0.1:${port}/stream`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
