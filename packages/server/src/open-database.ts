import { join } from 'node:path';
import { ArgusError } from '@argus/core';
import { ClassicLevel } from 'classic-level';

/** The server's LevelDB store: string keys, JSON values. */
export type Database = ClassicLevel<string, unknown>;

/**
 * Opens (creating if needed) the LevelDB store in `<dataDir>/db`.
 *
 * LevelDB takes an exclusive lock, so a second process on the same data directory (a running server while
 * `argus audit verify` runs, say) fails with `ARGUS_ERR_DATA_LOCKED`.
 */
export async function openDatabase(dataDir: string): Promise<Database> {
  const dir = join(dataDir, 'db');
  const db = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (cause) {
    const inner = (cause as { cause?: { code?: unknown } }).cause;
    if (inner?.code === 'LEVEL_LOCKED') throw new ArgusError('ARGUS_ERR_DATA_LOCKED', { dir }, { cause });
    throw cause;
  }
  return db;
}
