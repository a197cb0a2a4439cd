import type { Camera } from './camera-schema.js';

/**
 * Where the device registry persists cameras (LevelDB in the server, memory in tests). The registry writes to the
 * store before changing its own state, so a failed write changes nothing.
 *
 * @example
 * ```ts
 * const registry = new DeviceRegistry({ store: new LevelDeviceStore(db) });
 * const { skipped } = await registry.init();
 * ```
 */
export interface DeviceStore {
  /** Every stored record. Records are validated by the registry; they may be invalid or from an older schema. */
  load(): Promise<unknown[]>;
  /** Inserts or replaces the camera with this id. */
  put(camera: Camera): Promise<void>;
  /** Deletes the camera; deleting a missing id is not an error. */
  delete(id: string): Promise<void>;
}

/** A {@link DeviceStore} in memory; the registry's default, and the store of tests. */
export class MemoryDeviceStore implements DeviceStore {
  readonly #records = new Map<string, unknown>();

  /** `records` seed the store as they are, valid or not (to test loading). */
  constructor(records: readonly unknown[] = []) {
    records.forEach((record, index) => {
      const id = (record as { id?: unknown } | null)?.id;
      this.#records.set(typeof id === 'string' ? id : `#${index}`, structuredClone(record));
    });
  }

  async load(): Promise<unknown[]> {
    return [...this.#records.values()].map((record) => structuredClone(record));
  }

  async put(camera: Camera): Promise<void> {
    this.#records.set(camera.id, structuredClone(camera));
  }

  async delete(id: string): Promise<void> {
    this.#records.delete(id);
  }

  /** Number of stored records. */
  get size(): number {
    return this.#records.size;
  }
}
