import { createHash, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { ArgusError, silentLogger, systemClock, type Clock, type Logger } from '@argus/core';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../open-database.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { checkPasswordPolicy } from './password-policy.js';

/** The role that may manage users and read the audit log. */
export const ADMIN_ROLE = 'admin';

/** A user as the API shows it: never a hash, never a token. */
export interface UserView {
  username: string;
  agency: string;
  roles: string[];
  mustChangePassword: boolean;
  createdAt: string;
  updatedAt: string;
}

interface StoredUser extends UserView {
  passwordHash: string;
}

interface StoredSession {
  username: string;
  createdAt: number;
  expiresAt: number;
}

interface StoredApiToken {
  id: string;
  username: string;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  createdAt: number;
  expiresAt: number;
  /** Order of creation among the user's tokens, for tokens created in the same millisecond. */
  seq: number;
}

/** What a valid token or cookie stands for: an interactive session, or an API token of an integration. */
export type AuthContext =
  | {
      kind: 'session';
      user: UserView;
      /** SHA-256 of the token: identifies the session without holding the secret. */
      sessionId: string;
    }
  | {
      kind: 'apiToken';
      user: UserView;
      /** Id of the API token (as listed by {@link AuthService.listApiTokens}), never its secret. */
      tokenId: string;
    };

/** An API token as the API lists it: never its secret. */
export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  /** Last authenticated use, to the minute; absent until first used. */
  lastUsedAt?: string;
}

/** Result of {@link AuthService.createApiToken}: the view plus the secret, shown this once. */
export interface CreatedApiToken extends ApiTokenView {
  token: string;
}

/** Prefix of every API token, so secret scanners can recognise a leaked one. */
export const API_TOKEN_PREFIX = 'argus_at_';

/** Most API tokens one user may hold at once (expired ones do not count). */
export const MAX_API_TOKENS_PER_USER = 20;

/** Result of {@link AuthService.login}. */
export interface LoginResult {
  /** The bearer token; shown once, stored only as its SHA-256. */
  token: string;
  mustChangePassword: boolean;
  expiresAt: string;
}

/** Options of {@link AuthService}. */
export interface AuthServiceOptions {
  db: Database;
  audit: AuditLog;
  clock?: Clock;
  logger?: Logger;
  /** Lifetime of a session from login; default 12 h. */
  sessionTtlMs?: number;
  throttle?: LoginThrottleOptions;
}

const USER = 'user!';
const SESSION = 'session!';
// `apitoken!<sha256>` -> { username, id } finds a token by its secret; `apitoken-of!<username>!<id>` holds the token
// itself, so a user's tokens are one range; `apitoken-used!<id>` is its last use, kept apart so that recording a use
// can never bring back a token revoked meanwhile.
const API_TOKEN = 'apitoken!';
const API_TOKEN_OF = 'apitoken-of!';
const API_TOKEN_USED = 'apitoken-used!';
const DAY_MS = 86_400_000;
// Writing the last use on every request would make each authenticated call a database write.
const LAST_USED_RESOLUTION_MS = 60_000;
const END = '\xff';

function view(user: StoredUser): UserView {
  return {
    username: user.username,
    agency: user.agency,
    roles: [...user.roles],
    mustChangePassword: user.mustChangePassword,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function tokenView(token: StoredApiToken, lastUsedAt: number | undefined): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    createdAt: new Date(token.createdAt).toISOString(),
    expiresAt: new Date(token.expiresAt).toISOString(),
    ...(lastUsedAt === undefined ? {} : { lastUsedAt: new Date(lastUsedAt).toISOString() }),
  };
}

/** A random password that meets the policy, for the first administrator. */
function randomPassword(): string {
  for (;;) {
    const candidate = randomBytes(18).toString('base64url');
    if (/[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /\d/.test(candidate)) return candidate;
  }
}

/**
 * The platform's own accounts: argon2id password hashes, sessions as random 256-bit tokens stored by their
 * SHA-256 with an expiry, long-lived API tokens for integrations (stored the same way, prefixed `argus_at_`),
 * lockout after repeated failures, forced change of initial passwords, and an audit entry for every login, lockout,
 * logout, password change, user change and API token creation or revocation.
 *
 * @example
 * ```ts
 * const auth = new AuthService({ db, audit, clock });
 * const { generatedPassword } = await auth.ensureAdmin(process.env.ARGUS_ADMIN_PASSWORD);
 * const { token } = await auth.login('admin', password);
 * const context = await auth.authenticate(token);
 * const apiToken = await auth.createApiToken(context!, { name: 'vms-bridge', expiresInDays: 90 });
 * ```
 */
export class AuthService {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #throttle: LoginThrottle;
  #dummyHash: Promise<string> | undefined;
  // Token creations run one at a time, so two concurrent requests cannot both pass the per-user limit.
  #tokenQueue: Promise<unknown> = Promise.resolve();

  constructor(options: AuthServiceOptions) {
    this.#db = options.db;
    this.#audit = options.audit;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#ttlMs = options.sessionTtlMs ?? 12 * 3600_000;
    this.#throttle = new LoginThrottle(options.throttle);
  }

  /** Session lifetime in milliseconds. */
  get sessionTtlMs(): number {
    return this.#ttlMs;
  }

  /**
   * Creates the `admin` account when no administrator exists, with `password` or else a random one (returned so
   * the caller can show it once). Either way it must be changed at first login.
   */
  async ensureAdmin(password?: string): Promise<{ created: boolean; generatedPassword?: string }> {
    for await (const value of this.#db.values({ gt: USER, lt: USER + END })) {
      if ((value as StoredUser).roles.includes(ADMIN_ROLE)) return { created: false };
    }
    const generated = password === undefined || password === '' ? randomPassword() : undefined;
    const now = this.#iso();
    const user: StoredUser = {
      username: 'admin',
      agency: 'city',
      roles: [ADMIN_ROLE],
      mustChangePassword: true,
      createdAt: now,
      updatedAt: now,
      passwordHash: await argonHash(generated ?? password!),
    };
    await this.#db.put(USER + user.username, user);
    await this.#audit.append({ actor: 'system', action: 'user.create', target: user.username, outcome: 'success', details: { roles: user.roles, initial: true } });
    this.#logger.warn({ username: user.username }, 'initial administrator created; its password must be changed at first login');
    return generated === undefined ? { created: true } : { created: true, generatedPassword: generated };
  }

  /**
   * Checks a username and password and opens a session. Unknown users and wrong passwords fail alike with
   * `ARGUS_ERR_AUTH_INVALID_CREDENTIALS`; a locked name fails with `ARGUS_ERR_AUTH_ACCOUNT_LOCKED`, even with the
   * right password.
   */
  async login(username: string, password: string, source?: string): Promise<LoginResult> {
    const name = username.toLowerCase();
    const details = source === undefined ? undefined : { source };
    this.#assertNotLocked(name);
    const user = await this.#get(name);
    // An unknown name still costs one argon2 verification, so timing does not tell which names exist.
    const ok = user === undefined ? (await argonVerify(await this.#dummy(), password), false) : await argonVerify(user.passwordHash, password);
    if (!ok || user === undefined) {
      await this.#audit.append({ actor: name, action: 'auth.login', outcome: 'failure', ...(details === undefined ? {} : { details }) });
      await this.#fail(name);
      throw new ArgusError('ARGUS_ERR_AUTH_INVALID_CREDENTIALS');
    }
    this.#throttle.succeed(name);
    const token = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const session: StoredSession = { username: name, createdAt: now, expiresAt: now + this.#ttlMs };
    await this.#db.put(SESSION + sha256(token), session);
    await this.#audit.append({ actor: name, action: 'auth.login', outcome: 'success', ...(details === undefined ? {} : { details }) });
    return { token, mustChangePassword: user.mustChangePassword, expiresAt: new Date(session.expiresAt).toISOString() };
  }

  /**
   * The session or API token a token stands for, or `undefined` for an unknown, expired or revoked one, or one
   * whose user no longer exists. Either acts with its user's current roles.
   */
  async authenticate(token: string): Promise<AuthContext | undefined> {
    if (token === '') return undefined;
    if (token.startsWith(API_TOKEN_PREFIX)) return this.#authenticateApiToken(token);
    const sessionId = sha256(token);
    const session = (await this.#db.get(SESSION + sessionId)) as StoredSession | undefined;
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#clock.now()) {
      await this.#db.del(SESSION + sessionId);
      return undefined;
    }
    const user = await this.#get(session.username);
    if (user === undefined) return undefined;
    return { kind: 'session', user: view(user), sessionId };
  }

  /** Revokes one session. An API token is not a session: revoke it with {@link AuthService.revokeApiToken}. */
  async logout(context: AuthContext): Promise<void> {
    if (context.kind !== 'session') throw new TypeError('logout() ends a session, not an API token');
    await this.#db.del(SESSION + context.sessionId);
    await this.#audit.append({ actor: context.user.username, action: 'auth.logout', outcome: 'success' });
  }

  /**
   * Changes the caller's own password after checking the current one, clears the forced-change flag and revokes
   * every session of the user (the caller logs in again). API tokens are separate credentials and stay valid.
   */
  async changePassword(context: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
    const name = context.user.username;
    this.#assertNotLocked(name);
    const user = await this.#require(name);
    if (!(await argonVerify(user.passwordHash, currentPassword))) {
      await this.#audit.append({ actor: name, action: 'auth.password', target: name, outcome: 'failure', details: { reason: 'wrong current password' } });
      await this.#fail(name);
      throw new ArgusError('ARGUS_ERR_AUTH_CURRENT_PASSWORD_WRONG');
    }
    try {
      checkPasswordPolicy(newPassword);
      if (newPassword === currentPassword) throw new ArgusError('ARGUS_ERR_AUTH_PASSWORD_REUSED');
    } catch (err) {
      await this.#audit.append({ actor: name, action: 'auth.password', target: name, outcome: 'failure', details: { reason: (err as ArgusError).code } });
      throw err;
    }
    await this.#db.put(USER + name, { ...user, passwordHash: await argonHash(newPassword), mustChangePassword: false, updatedAt: this.#iso() });
    const revoked = await this.#revokeSessions(name);
    await this.#audit.append({ actor: name, action: 'auth.password', target: name, outcome: 'success', details: { sessionsRevoked: revoked } });
  }

  /** Every user, by username. */
  async listUsers(): Promise<UserView[]> {
    const users: UserView[] = [];
    for await (const value of this.#db.values({ gt: USER, lt: USER + END })) users.push(view(value as StoredUser));
    return users;
  }

  /** One user; `ARGUS_ERR_AUTH_USER_NOT_FOUND` when absent. */
  async getUser(username: string): Promise<UserView> {
    return view(await this.#require(username));
  }

  /** Creates a user whose password must be changed at first login. */
  async createUser(actor: string, input: { username: string; agency: string; roles: string[]; password: string }): Promise<UserView> {
    checkPasswordPolicy(input.password);
    if ((await this.#get(input.username)) !== undefined) throw new ArgusError('ARGUS_ERR_AUTH_USER_EXISTS', { username: input.username });
    const now = this.#iso();
    const user: StoredUser = {
      username: input.username,
      agency: input.agency,
      roles: [...new Set(input.roles)],
      mustChangePassword: true,
      createdAt: now,
      updatedAt: now,
      passwordHash: await argonHash(input.password),
    };
    await this.#db.put(USER + user.username, user);
    await this.#audit.append({ actor, action: 'user.create', target: user.username, outcome: 'success', details: { agency: user.agency, roles: user.roles } });
    return view(user);
  }

  /**
   * Changes a user's agency or roles, or sets a new password (which the user must change again at next login;
   * the user's sessions are revoked, not their API tokens). Refuses to demote the last administrator.
   */
  async updateUser(actor: string, username: string, patch: { agency?: string; roles?: string[]; password?: string }): Promise<UserView> {
    const user = await this.#require(username);
    if (patch.password !== undefined) checkPasswordPolicy(patch.password);
    const roles = patch.roles === undefined ? user.roles : [...new Set(patch.roles)];
    if (user.roles.includes(ADMIN_ROLE) && !roles.includes(ADMIN_ROLE)) await this.#assertAnotherAdmin(username);
    const next: StoredUser = {
      ...user,
      agency: patch.agency ?? user.agency,
      roles,
      updatedAt: this.#iso(),
      ...(patch.password === undefined ? {} : { passwordHash: await argonHash(patch.password), mustChangePassword: true }),
    };
    await this.#db.put(USER + username, next);
    if (patch.password !== undefined) await this.#revokeSessions(username);
    const changed = Object.keys(patch).filter((key) => patch[key as keyof typeof patch] !== undefined);
    await this.#audit.append({ actor, action: 'user.update', target: username, outcome: 'success', details: { changed, agency: next.agency, roles: next.roles } });
    return view(next);
  }

  /** Deletes a user and revokes its sessions and API tokens. Refuses to delete the last administrator. */
  async deleteUser(actor: string, username: string): Promise<void> {
    const user = await this.#require(username);
    if (user.roles.includes(ADMIN_ROLE)) await this.#assertAnotherAdmin(username);
    await this.#db.del(USER + username);
    await this.#revokeSessions(username);
    const tokens = await this.#tokensOf(username);
    await this.#deleteTokens(tokens);
    await this.#audit.append({ actor, action: 'user.delete', target: username, outcome: 'success', ...(tokens.length === 0 ? {} : { details: { apiTokensRevoked: tokens.length } }) });
  }

  /**
   * Creates an API token for the caller's user, valid `expiresInDays` (default 365) days; the secret is returned
   * this once and stored only as its SHA-256. `ARGUS_ERR_AUTH_TOKEN_LIMIT` past {@link MAX_API_TOKENS_PER_USER}.
   * The routes allow this to sessions only; the service takes any context of the user.
   */
  async createApiToken(context: AuthContext, input: { name: string; expiresInDays?: number }): Promise<CreatedApiToken> {
    const days = input.expiresInDays ?? 365;
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw new RangeError(`expiresInDays must be an integer in 1..3650, got ${days}`);
    if (input.name.length < 1 || input.name.length > 64) throw new RangeError('name must have 1..64 characters');
    const username = context.user.username;
    const run = this.#tokenQueue.then(async () => {
      const held = await this.#tokensOf(username);
      if (held.length >= MAX_API_TOKENS_PER_USER) throw new ArgusError('ARGUS_ERR_AUTH_TOKEN_LIMIT', { max: MAX_API_TOKENS_PER_USER });
      const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const now = this.#clock.now();
      const seq = held.reduce((max, t) => Math.max(max, t.seq), 0) + 1;
      const stored: StoredApiToken = { id: randomBytes(8).toString('hex'), username, name: input.name, hash: sha256(token), createdAt: now, expiresAt: now + days * DAY_MS, seq };
      await this.#db.batch([
        { type: 'put', key: API_TOKEN + stored.hash, value: { username, id: stored.id } },
        { type: 'put', key: `${API_TOKEN_OF}${username}!${stored.id}`, value: stored },
      ]);
      await this.#audit.append({ actor: username, action: 'token.create', target: username, outcome: 'success', details: { id: stored.id, name: stored.name, expiresAt: new Date(stored.expiresAt).toISOString() } });
      return { ...tokenView(stored, undefined), token };
    });
    this.#tokenQueue = run.catch(() => undefined);
    return run;
  }

  /** The API tokens `username` holds (expired ones are dropped), oldest first, without their secrets. */
  async listApiTokens(username: string): Promise<ApiTokenView[]> {
    const tokens = await this.#tokensOf(username);
    const used = await this.#db.getMany(tokens.map((token) => API_TOKEN_USED + token.id));
    return tokens.map((token, i) => tokenView(token, used[i] as number | undefined));
  }

  /** The API tokens of an existing user; `ARGUS_ERR_AUTH_USER_NOT_FOUND` when absent. */
  async listUserApiTokens(username: string): Promise<ApiTokenView[]> {
    await this.#require(username);
    return this.listApiTokens(username);
  }

  /**
   * Revokes the API token `id` of `username` at once; `ARGUS_ERR_AUTH_TOKEN_NOT_FOUND` when that user holds no such
   * token (another user's token is not found either). `actor` is who revoked it, for the audit log.
   */
  async revokeApiToken(actor: string, username: string, id: string): Promise<void> {
    const token = (await this.#db.get(`${API_TOKEN_OF}${username}!${id}`)) as StoredApiToken | undefined;
    if (token === undefined || token.expiresAt <= this.#clock.now()) throw new ArgusError('ARGUS_ERR_AUTH_TOKEN_NOT_FOUND', { id });
    await this.#deleteTokens([token]);
    await this.#audit.append({ actor, action: 'token.revoke', target: username, outcome: 'success', details: { id: token.id, name: token.name } });
  }

  async #authenticateApiToken(secret: string): Promise<AuthContext | undefined> {
    const ref = (await this.#db.get(API_TOKEN + sha256(secret))) as { username: string; id: string } | undefined;
    if (ref === undefined) return undefined;
    const token = (await this.#db.get(`${API_TOKEN_OF}${ref.username}!${ref.id}`)) as StoredApiToken | undefined;
    const now = this.#clock.now();
    if (token === undefined || token.expiresAt <= now) {
      if (token !== undefined) await this.#deleteTokens([token]);
      return undefined;
    }
    const user = await this.#get(token.username);
    if (user === undefined) return undefined;
    const lastUsed = (await this.#db.get(API_TOKEN_USED + token.id)) as number | undefined;
    if (lastUsed === undefined || now - lastUsed >= LAST_USED_RESOLUTION_MS) await this.#db.put(API_TOKEN_USED + token.id, now);
    return { kind: 'apiToken', user: view(user), tokenId: token.id };
  }

  /** The live API tokens of a user, oldest first; expired ones are deleted on the way. */
  async #tokensOf(username: string): Promise<StoredApiToken[]> {
    const prefix = `${API_TOKEN_OF}${username}!`;
    const now = this.#clock.now();
    const live: StoredApiToken[] = [];
    const expired: StoredApiToken[] = [];
    for await (const value of this.#db.values({ gt: prefix, lt: prefix + END })) {
      const token = value as StoredApiToken;
      (token.expiresAt <= now ? expired : live).push(token);
    }
    if (expired.length > 0) await this.#deleteTokens(expired);
    return live.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  async #deleteTokens(tokens: StoredApiToken[]): Promise<void> {
    await this.#db.batch(
      tokens.flatMap((token) => [
        { type: 'del' as const, key: API_TOKEN + token.hash },
        { type: 'del' as const, key: `${API_TOKEN_OF}${token.username}!${token.id}` },
        { type: 'del' as const, key: API_TOKEN_USED + token.id },
      ]),
    );
  }

  #assertNotLocked(name: string): void {
    const ms = this.#throttle.lockedFor(name, this.#clock.now());
    if (ms > 0) throw new ArgusError('ARGUS_ERR_AUTH_ACCOUNT_LOCKED', { retryAfterSeconds: Math.ceil(ms / 1000) });
  }

  async #fail(name: string): Promise<void> {
    if (!this.#throttle.fail(name, this.#clock.now())) return;
    await this.#audit.append({ actor: 'system', action: 'auth.lockout', target: name, outcome: 'success', details: { lockedForSeconds: Math.ceil(this.#throttle.lockedFor(name, this.#clock.now()) / 1000) } });
    this.#logger.warn({ username: name }, 'login locked after repeated failures');
  }

  async #assertAnotherAdmin(username: string): Promise<void> {
    for await (const value of this.#db.values({ gt: USER, lt: USER + END })) {
      const other = value as StoredUser;
      if (other.username !== username && other.roles.includes(ADMIN_ROLE)) return;
    }
    throw new ArgusError('ARGUS_ERR_AUTH_LAST_ADMIN');
  }

  async #revokeSessions(username: string): Promise<number> {
    const keys: string[] = [];
    for await (const [key, value] of this.#db.iterator({ gt: SESSION, lt: SESSION + END })) {
      if ((value as StoredSession).username === username) keys.push(key);
    }
    await this.#db.batch(keys.map((key) => ({ type: 'del' as const, key })));
    return keys.length;
  }

  async #get(username: string): Promise<StoredUser | undefined> {
    return (await this.#db.get(USER + username)) as StoredUser | undefined;
  }

  async #require(username: string): Promise<StoredUser> {
    const user = await this.#get(username);
    if (user === undefined) throw new ArgusError('ARGUS_ERR_AUTH_USER_NOT_FOUND', { username });
    return user;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= argonHash(randomBytes(16).toString('hex'));
    return this.#dummyHash;
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
