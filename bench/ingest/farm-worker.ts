// The camera farm of bench/ingest, in its own process so that its CPU is not charged to either measured side.
// Every camera has the same profile and no name, so they all share one encoded loop. Driven over IPC.
import { CameraFarm } from '@argus/driver-simulated';
import type { FarmReply, FarmRequest } from './protocol.js';

let farm: CameraFarm | undefined;

function reply(message: FarmReply): void {
  process.send?.(message);
}

async function start(request: Extract<FarmRequest, { type: 'start' }>): Promise<void> {
  const { profile } = request;
  const ids = Array.from({ length: request.cameras }, (_, i) => `cam-${String(i + 1).padStart(3, '0')}`);
  farm = new CameraFarm({
    cameras: ids.map((id) => ({ id, codec: 'h264' as const, ...profile })),
    host: '127.0.0.1',
  });
  const port = await farm.start();
  reply({ type: 'ready', port, ids, loopsGenerated: farm.stats().loopsGenerated });
}

process.on('message', (message: FarmRequest) => {
  switch (message.type) {
    case 'start':
      start(message).catch((err: unknown) => reply({ type: 'failed', error: err instanceof Error ? err.message : String(err) }));
      break;
    case 'usage': {
      const cpu = process.cpuUsage();
      const stats = farm?.stats();
      let framesSent = 0;
      for (const camera of stats?.cameras ?? []) framesSent += camera.framesSent;
      reply({
        type: 'usage',
        tag: message.tag,
        usage: { cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss },
        framesSent,
        skipped: stats?.server?.skipped ?? 0,
      });
      break;
    }
    case 'close':
      void (farm?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      break;
  }
});
// The parent going away (even killed) closes the channel: never outlive it.
process.on('disconnect', () => process.exit(0));
