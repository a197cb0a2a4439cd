import { Subject, defer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors/argus-error.js';
import type { MediaPacket } from './media-packet.js';
import { StreamGraph } from './stream-graph.js';
import { labelsOf, packets } from './test-packets.js';

function setup() {
  const resolved: string[] = [];
  const connections = new Map<string, Subject<MediaPacket>>();
  const graph = new StreamGraph({
    resolveUpstream: (cameraId, profile) => {
      resolved.push(`${cameraId}/${profile}`);
      return () =>
        defer(() => {
          const connection = new Subject<MediaPacket>();
          connections.set(`${cameraId}/${profile}`, connection);
          return connection;
        });
    },
  });
  return { graph, resolved, connections };
}

describe('StreamGraph', () => {
  it('creates one hub per camera profile, lazily, without connecting', () => {
    const { graph, resolved } = setup();
    const main = graph.hub('cam-1');
    expect(graph.hub('cam-1', 'main')).toBe(main);
    const sub = graph.hub('cam-1', 'sub');
    expect(sub).not.toBe(main);
    expect(main.id).toBe('cam-1/main');
    expect(sub.cameraId).toBe('cam-1');
    expect(graph.get('cam-1/sub')).toBe(sub);
    expect(graph.get('cam-9/main')).toBeUndefined();
    expect(graph.hubs()).toHaveLength(2);
    expect(resolved).toEqual([]);
    expect(graph.stats().map((s) => [s.id, s.state, s.upstreamConnections])).toEqual([
      ['cam-1/main', 'idle', 0],
      ['cam-1/sub', 'idle', 0],
    ]);
  });

  it('connects the right upstream when a consumer comes', () => {
    const { graph, resolved, connections } = setup();
    const seen: MediaPacket[] = [];
    graph.hub('cam-2', 'sub').live$().subscribe((p) => seen.push(p));
    expect(resolved).toEqual(['cam-2/sub']);
    for (const packet of packets('KP')) connections.get('cam-2/sub')?.next(packet);
    expect(labelsOf(seen)).toEqual(['K0', 'P1']);
  });

  it('remove() closes the hubs of a camera (one profile or all)', () => {
    const { graph } = setup();
    const main = graph.hub('cam-1');
    const sub = graph.hub('cam-1', 'sub');
    const other = graph.hub('cam-2');
    graph.remove('cam-1', 'sub');
    expect(sub.state).toBe('closed');
    expect(graph.get('cam-1/sub')).toBeUndefined();
    expect(main.state).toBe('idle');
    graph.remove('cam-1');
    expect(main.state).toBe('closed');
    expect(graph.hubs()).toEqual([other]);
    expect(graph.hub('cam-1')).not.toBe(main); // a fresh hub after removal
  });

  it('close() closes every hub', async () => {
    const { graph } = setup();
    const hub = graph.hub('cam-1');
    let completed = false;
    hub.live$().subscribe({ complete: () => (completed = true) });
    await graph.close();
    expect(completed).toBe(true);
    expect(graph.hubs()).toEqual([]);
    let thrown: unknown;
    try {
      hub.live$();
    } catch (err) {
      thrown = err;
    }
    expect(hasErrorCode(thrown, 'ARGUS_ERR_STREAM_CLOSED')).toBe(true);
  });

  it('rejects an empty camera id', () => {
    const { graph } = setup();
    expect(() => graph.hub('')).toThrow(TypeError);
  });
});
