import { ArgusError } from '@argus/core';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../open-database.js';
import { AccessPolicy, BUILT_IN_ROLES, type AccessRule, type Role } from './access-policy.js';

const ROLE = 'role!';
const END = '\xff';

/** What an administrator sends to create or replace a role. */
export interface RoleInput {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rules: readonly AccessRule[];
}

/**
 * The roles of the platform: the built-in ones ({@link BUILT_IN_ROLES}, read-only) and the ones administrators make,
 * kept in LevelDB. {@link RoleStore.policy} is the {@link AccessPolicy} of the current roles, rebuilt on every change,
 * so a change applies to the next request of every session. Every change is audited.
 *
 * @example
 * ```ts
 * const roles = await RoleStore.open({ db, audit });
 * await roles.create('admin', { id: 'traffic-ptz', name: 'Traffic PTZ', rules: [{ effect: 'allow', features: ['live', 'ptz'], scope: { agencies: ['transport'] } }] });
 * roles.policy.can(user, 'ptz', camera);
 * ```
 */
export class RoleStore {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #custom = new Map<string, Role>();
  #policy: AccessPolicy = new AccessPolicy(BUILT_IN_ROLES);

  private constructor(db: Database, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  /** Loads the stored roles. */
  static async open(options: { db: Database; audit: AuditLog }): Promise<RoleStore> {
    const store = new RoleStore(options.db, options.audit);
    for await (const value of options.db.values({ gt: ROLE, lt: ROLE + END })) {
      const role = value as Role;
      store.#custom.set(role.id, role);
    }
    store.#rebuild();
    return store;
  }

  /** The access policy of the roles as they are now. */
  get policy(): AccessPolicy {
    return this.#policy;
  }

  /** Every role, built-in first, then by id. */
  list(): Role[] {
    return [...BUILT_IN_ROLES, ...[...this.#custom.values()].sort((a, b) => (a.id < b.id ? -1 : 1))];
  }

  /** True when a role with this id exists. */
  has(id: string): boolean {
    return BUILT_IN_ROLES.some((role) => role.id === id) || this.#custom.has(id);
  }

  /** The role; throws `ARGUS_ERR_AUTH_ROLE_NOT_FOUND`. */
  get(id: string): Role {
    const role = BUILT_IN_ROLES.find((r) => r.id === id) ?? this.#custom.get(id);
    if (role === undefined) throw new ArgusError('ARGUS_ERR_AUTH_ROLE_NOT_FOUND', { id });
    return role;
  }

  /** Adds a role; `ARGUS_ERR_AUTH_ROLE_EXISTS` when the id is taken (built-in ids too). */
  async create(actor: string, input: RoleInput): Promise<Role> {
    if (this.has(input.id)) throw new ArgusError('ARGUS_ERR_AUTH_ROLE_EXISTS', { id: input.id });
    return this.#write(actor, 'role.create', input);
  }

  /** Replaces a role's name, description and rules; built-in roles refuse with `ARGUS_ERR_AUTH_ROLE_BUILT_IN`. */
  async replace(actor: string, input: RoleInput): Promise<Role> {
    this.#assertCustom(input.id);
    return this.#write(actor, 'role.update', input);
  }

  /** Deletes a role that nobody has (`usersWith` counts the users who do); built-in roles cannot be deleted. */
  async delete(actor: string, id: string, usersWith: (id: string) => Promise<number>): Promise<void> {
    this.#assertCustom(id);
    const users = await usersWith(id);
    if (users > 0) throw new ArgusError('ARGUS_ERR_AUTH_ROLE_IN_USE', { id, users });
    await this.#db.del(ROLE + id);
    this.#custom.delete(id);
    this.#rebuild();
    await this.#audit.append({ actor, action: 'role.delete', target: id, outcome: 'success' });
  }

  #assertCustom(id: string): void {
    if (BUILT_IN_ROLES.some((role) => role.id === id)) throw new ArgusError('ARGUS_ERR_AUTH_ROLE_BUILT_IN', { id });
    if (!this.#custom.has(id)) throw new ArgusError('ARGUS_ERR_AUTH_ROLE_NOT_FOUND', { id });
  }

  async #write(actor: string, action: string, input: RoleInput): Promise<Role> {
    const role: Role = {
      id: input.id,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      rules: input.rules.map((rule) => ({ effect: rule.effect, features: [...new Set(rule.features)], scope: rule.scope })),
    };
    await this.#db.put(ROLE + role.id, role);
    this.#custom.set(role.id, role);
    this.#rebuild();
    await this.#audit.append({ actor, action, target: role.id, outcome: 'success', details: { rules: role.rules } });
    return role;
  }

  #rebuild(): void {
    this.#policy = new AccessPolicy([...BUILT_IN_ROLES, ...this.#custom.values()]);
  }
}
