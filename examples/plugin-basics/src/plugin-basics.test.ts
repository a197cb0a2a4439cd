import { expect, it } from 'vitest';
import { runExample } from './plugin-basics.js';

it('runs: both plugins start, two viewers share one upstream connection', async () => {
  const summary = await runExample();
  expect(summary.plugins).toEqual({ 'example-cameras': 'running', 'example-viewer-counter': 'running' });
  expect(summary.viewers).toBe(2);
  expect(summary.upstreamConnections).toBe(1);
  expect(summary.lastCountedViewers).toBe(2);
});
