import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on (bound, then released), for testing "unreachable" paths:
 * connecting to it is refused.
 *
 * @example
 * ```ts
 * const url = `rtsp://127.0.0.1:${await unusedPort()}/cam`;
 * await expect(probeStream(url)).rejects.toMatchObject({ code: 'ARGUS_ERR_DRIVER_UNREACHABLE' });
 * ```
 */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port was assigned');
  return address.port;
}
