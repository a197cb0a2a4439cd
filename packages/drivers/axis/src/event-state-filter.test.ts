import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '@argus/core';
import { EventStateFilter } from './event-state-filter.js';

const motion = (state: DeviceEvent['state'], operation: string, channel = 1): DeviceEvent => ({ kind: 'motion', state, channel, at: 0, data: { topic: 'tnsaxis:X', operation } });

describe('EventStateFilter', () => {
  it('drops Initialized reports that repeat the known state, passes changes', () => {
    const f = new EventStateFilter();
    expect(f.process(motion('stop', 'Initialized'))).toEqual([]);
    expect(f.process(motion('start', 'Changed'))).toHaveLength(1);
    // Reconnected while motion goes on: nothing new.
    expect(f.process(motion('start', 'Initialized'))).toEqual([]);
    // Reconnected after the motion ended during the outage: the end is reported.
    expect(f.process(motion('stop', 'Initialized'))).toHaveLength(1);
    expect(f.process(motion('start', 'Initialized', 2))).toHaveLength(1);
    expect(f.process({ kind: 'tamper', state: 'pulse', at: 0 })).toHaveLength(1);
    expect(f.toJSON()).toEqual({ passed: 4, repeated: 2 });
  });
});
