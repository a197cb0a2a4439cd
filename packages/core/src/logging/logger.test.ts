import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with child bindings', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ destination: stream, level: 'info', name: 'argus' });
    log.child({ camera: 'cam-1' }).info({ fps: 25 }, 'connected');
    log.debug('not written at info');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ name: 'argus', camera: 'cam-1', fps: 25, msg: 'connected' });
  });

  it('never writes secrets', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ destination: stream });
    log.info({ password: 'hunter22', camera: { credentials: { username: 'u', password: 'p' } } }, 'x');
    log.info({ req: { headers: { authorization: 'Basic abc' } } }, 'y');
    log.info({ device: { connection: { password: 'deep' } } }, 'z');
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('Basic abc');
    expect(text).not.toContain('"p"');
    expect(text).not.toContain('deep');
    expect(text).toContain('[redacted]');
  });
});
