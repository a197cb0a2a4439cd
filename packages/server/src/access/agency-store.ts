import { ArgusError, type Clock } from '@argus/core';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../open-database.js';

const AGENCY = 'agency!';
const END = '\xff';

/** An agency that owns cameras and users (police, transport, a district...). */
export interface Agency {
  /** Id used in `camera.agency` and `user.agency`. */
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** Contact for data-sharing requests and incidents. */
  readonly contact?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What an administrator sends to create an agency, or patches. */
export interface AgencyInput {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly contact?: string;
}

/**
 * The agencies of the platform, in LevelDB, with audited changes. An agency still named by a user or a camera
 * cannot be deleted (`ARGUS_ERR_AUTH_AGENCY_IN_USE`).
 *
 * @example
 * ```ts
 * const agencies = new AgencyStore({ db, audit, clock });
 * await agencies.create('admin', { id: 'police', name: 'City police' });
 * ```
 */
export class AgencyStore {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #clock: Clock;

  constructor(options: { db: Database; audit: AuditLog; clock: Clock }) {
    this.#db = options.db;
    this.#audit = options.audit;
    this.#clock = options.clock;
  }

  /** Every agency, by id. */
  async list(): Promise<Agency[]> {
    const agencies: Agency[] = [];
    for await (const value of this.#db.values({ gt: AGENCY, lt: AGENCY + END })) agencies.push(value as Agency);
    return agencies;
  }

  /** The agency; throws `ARGUS_ERR_AUTH_AGENCY_NOT_FOUND`. */
  async get(id: string): Promise<Agency> {
    const agency = await this.#db.get(AGENCY + id);
    if (agency === undefined) throw new ArgusError('ARGUS_ERR_AUTH_AGENCY_NOT_FOUND', { id });
    return agency as Agency;
  }

  /** Adds an agency; `ARGUS_ERR_AUTH_AGENCY_EXISTS` when the id is taken. */
  async create(actor: string, input: AgencyInput): Promise<Agency> {
    if ((await this.#db.get(AGENCY + input.id)) !== undefined) throw new ArgusError('ARGUS_ERR_AUTH_AGENCY_EXISTS', { id: input.id });
    const now = new Date(this.#clock.now()).toISOString();
    const agency: Agency = { ...input, createdAt: now, updatedAt: now };
    await this.#db.put(AGENCY + agency.id, agency);
    await this.#audit.append({ actor, action: 'agency.create', target: agency.id, outcome: 'success', details: { name: agency.name } });
    return agency;
  }

  /** Changes name, description or contact. */
  async update(actor: string, id: string, patch: Partial<Omit<AgencyInput, 'id'>>): Promise<Agency> {
    const current = await this.get(id);
    const agency: Agency = { ...current, ...patch, id, updatedAt: new Date(this.#clock.now()).toISOString() };
    await this.#db.put(AGENCY + id, agency);
    await this.#audit.append({ actor, action: 'agency.update', target: id, outcome: 'success', details: { changed: Object.keys(patch) } });
    return agency;
  }

  /** Deletes an agency that no user and no camera names (`inUse` counts them). */
  async delete(actor: string, id: string, inUse: (id: string) => Promise<{ users: number; cameras: number }>): Promise<void> {
    await this.get(id);
    const { users, cameras } = await inUse(id);
    if (users + cameras > 0) throw new ArgusError('ARGUS_ERR_AUTH_AGENCY_IN_USE', { id, users, cameras });
    await this.#db.del(AGENCY + id);
    await this.#audit.append({ actor, action: 'agency.delete', target: id, outcome: 'success' });
  }
}
