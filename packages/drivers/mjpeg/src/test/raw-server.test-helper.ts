import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';

/** A plain HTTP server on 127.0.0.1 for replies no well-behaved emulator sends. */
export interface RawServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `handler` on a free port of 127.0.0.1. */
export async function rawHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server on 127.0.0.1 that answers every connection with `bytes` and closes: not HTTP at all. */
export async function rawTcpServer(bytes: Uint8Array): Promise<RawServer> {
  const server = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { port: address.port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
