import { hasErrorCode, silentLogger, type Camera, type DeviceStore, type Logger } from '@argus/core';
import type { Database } from '../open-database.js';
import type { SecretBox } from './secret-box.js';

const PREFIX = 'camera!';
// '"' is the character after '!', so this range holds exactly the `camera!` keys.
const RANGE = { gt: PREFIX, lt: 'camera"' } as const;

/** Options of {@link LevelDeviceStore}. */
export interface LevelDeviceStoreOptions {
  /** The server's open database. */
  db: Database;
  /** Seals camera passwords before they are written. */
  secrets: SecretBox;
  logger?: Logger;
}

type StoredConnection = Record<string, unknown> & { password?: unknown; passwordSealed?: unknown };

/**
 * The camera inventory in the server's LevelDB, one JSON record per camera under `camera!<id>`.
 *
 * `connection.password` is never written: it is stored as `connection.passwordSealed` (see {@link SecretBox}),
 * bound to the camera id, and opened again on {@link LevelDeviceStore.load}. A record whose password cannot be
 * opened (another key, tampering) is still loaded, without its password, and logged with its id and the reason.
 *
 * @example
 * ```ts
 * const store = new LevelDeviceStore({ db, secrets: await SecretBox.open(dataDir), logger });
 * const kernel = createKernel({ config, deviceStore: store });
 * await kernel.start(); // loads the saved cameras
 * ```
 */
export class LevelDeviceStore implements DeviceStore {
  readonly #db: Database;
  readonly #secrets: SecretBox;
  readonly #logger: Logger;

  constructor(options: LevelDeviceStoreOptions) {
    this.#db = options.db;
    this.#secrets = options.secrets;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Every stored record, passwords opened; records are returned as stored otherwise (the registry validates them). */
  async load(): Promise<unknown[]> {
    const records: unknown[] = [];
    for await (const [key, value] of this.#db.iterator(RANGE)) records.push(this.#unseal(key.slice(PREFIX.length), value));
    return records;
  }

  /** Writes the camera with its password sealed. */
  async put(camera: Camera): Promise<void> {
    const { password, ...connection } = camera.connection;
    const stored = {
      ...camera,
      connection: password === undefined ? connection : { ...connection, passwordSealed: this.#secrets.seal(password, sealContext(camera.id)) },
    };
    await this.#db.put(PREFIX + camera.id, stored);
  }

  async delete(id: string): Promise<void> {
    await this.#db.del(PREFIX + id);
  }

  #unseal(id: string, record: unknown): unknown {
    const connection = (record as { connection?: unknown } | null)?.connection;
    if (typeof connection !== 'object' || connection === null) return record;
    const { passwordSealed, ...rest } = connection as StoredConnection;
    if (passwordSealed === undefined) {
      if (rest.password !== undefined) this.#logger.warn({ cameraId: id }, 'stored camera has a plaintext password; it is sealed on the next write');
      return record;
    }
    try {
      if (typeof passwordSealed !== 'string') throw new TypeError('passwordSealed is not a string');
      const password = this.#secrets.open(passwordSealed, sealContext(id));
      return { ...(record as object), connection: { ...rest, password } };
    } catch (err) {
      const reason = hasErrorCode(err) ? err.message : String((err as Error).message ?? err);
      this.#logger.warn({ cameraId: id, reason }, 'stored camera password cannot be opened; camera loaded without it');
      return { ...(record as object), connection: rest };
    }
  }
}

function sealContext(id: string): string {
  return `camera:${id}`;
}
