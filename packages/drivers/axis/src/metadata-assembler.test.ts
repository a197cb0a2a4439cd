import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { MetadataAssembler } from './metadata-assembler.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

describe('MetadataAssembler', () => {
  it('joins the packets of one document up to the marker', () => {
    const a = new MetadataAssembler();
    expect(a.process({ sequence: 65535, timestamp: 9, marker: false, payload: bytes('<a>') })).toEqual([]);
    expect(a.process({ sequence: 0, timestamp: 9, marker: false, payload: bytes('é') })).toEqual([]);
    expect(a.process({ sequence: 1, timestamp: 9, marker: true, payload: bytes('</a>') })).toEqual(['<a>é</a>']);
    expect(a.process({ sequence: 2, timestamp: 10, marker: true, payload: bytes('<b/>') })).toEqual(['<b/>']);
    expect(a.toJSON()).toEqual({ packets: 4, documents: 2, dropped: 0 });
  });

  it('drops a document cut by a lost packet or a new timestamp, and keeps the next', () => {
    const a = new MetadataAssembler();
    a.process({ sequence: 1, timestamp: 1, marker: false, payload: bytes('<a>') });
    expect(a.process({ sequence: 3, timestamp: 1, marker: true, payload: bytes('</a>') })).toEqual(['</a>']);
    a.process({ sequence: 4, timestamp: 2, marker: false, payload: bytes('<b>') });
    expect(a.process({ sequence: 5, timestamp: 3, marker: true, payload: bytes('<c/>') })).toEqual(['<c/>']);
    expect(a.toJSON().dropped).toBe(2);
  });

  it('refuses documents over the limit with ARGUS_ERR_DRIVER_PROTOCOL, then goes on', () => {
    const a = new MetadataAssembler({ maxDocumentBytes: 8 });
    a.process({ sequence: 1, timestamp: 1, marker: false, payload: bytes('12345') });
    let error: unknown;
    try {
      a.process({ sequence: 2, timestamp: 1, marker: true, payload: bytes('67890') });
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    expect(a.process({ sequence: 3, timestamp: 2, marker: true, payload: bytes('<ok/>') })).toEqual(['<ok/>']);
    expect(() => new MetadataAssembler({ maxDocumentBytes: 0 })).toThrow(RangeError);
  });

  it('ignores empty documents', () => {
    expect(new MetadataAssembler().process({ sequence: 1, timestamp: 1, marker: true, payload: bytes('  \n') })).toEqual([]);
  });
});
