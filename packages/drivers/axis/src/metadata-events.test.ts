import { createServer, type Server, type Socket } from 'node:net';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@argus/core';
import { metadataDocument, type MetadataNotification } from './emulator/metadata-document.js';
import { MetadataRtspSession } from './emulator/metadata-rtsp-session.js';
import { metadataEvents$ } from './metadata-events.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A bare metadata RTSP server whose playing sessions receive `documents`. */
async function server(documents: string[]): Promise<{ url: string; open: () => number }> {
  const sockets = new Set<Socket>();
  const s = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new MetadataRtspSession(
      socket,
      {
        realm: 'AXIS_ACCC8E012345',
        username: 'root',
        password: 'pass',
        authority: `127.0.0.1:${socket.localPort ?? 0}`,
        logger: silentLogger(),
        play: (send) => {
          for (const doc of documents) send(doc);
          return () => undefined;
        },
      },
      Buffer.alloc(0),
    );
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `rtsp://127.0.0.1:${port}/axis-media/media.amp?video=0&audio=0&event=on`, open: () => sockets.size };
}

const motion = (camera: number, active: boolean): MetadataNotification => ({
  topic: `tnsaxis:CameraApplicationPlatform/VMD/Camera${camera}ProfileANY`,
  operation: 'Changed',
  at: Date.UTC(2024, 0, 1, 0, 0, camera),
  data: [['active', active ? '1' : '0']],
});

describe('metadataEvents$', () => {
  it('skips a malformed document and keeps the stream', async () => {
    const { url } = await server(['<tt:MetadataStream><tt:Event>broken', metadataDocument([motion(1, true)], 'p')]);
    const event = await firstValueFrom(metadataEvents$({ url, username: 'root', password: 'pass' }));
    expect(event).toMatchObject({ kind: 'motion', state: 'start', channel: 1, at: Date.UTC(2024, 0, 1, 0, 0, 1) });
  });

  it('reassembles documents spread over several RTP packets', async () => {
    const many = Array.from({ length: 40 }, (_, i) => motion(i + 1, true));
    const doc = metadataDocument(many, 'p');
    expect(doc.length).toBeGreaterThan(10_000);
    const { url } = await server([doc]);
    const events = await firstValueFrom(metadataEvents$({ url, username: 'root', password: 'pass' }).pipe(take(40), toArray()));
    expect(events.map((e) => e.channel)).toEqual(many.map((_, i) => i + 1));
  });

  it('closes its RTSP connection on unsubscribe', async () => {
    const { url, open } = await server([metadataDocument([motion(1, true)], 'p')]);
    const events$ = metadataEvents$({ url, username: 'root', password: 'pass' });
    await firstValueFrom(events$);
    const until = Date.now() + 5000;
    while (open() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(open()).toBe(0);
  });

  it('errors with ARGUS_ERR_DRIVER_AUTH for wrong credentials instead of retrying forever', async () => {
    const { url } = await server([]);
    await expect(firstValueFrom(metadataEvents$({ url, username: 'root', password: 'nope' }))).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_AUTH' });
  });
});
