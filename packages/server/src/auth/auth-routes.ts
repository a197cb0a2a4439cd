import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { ArgusError, type Camera } from '@argus/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Feature } from '../access/access-policy.js';
import { bindAccess } from '../access/request-access.js';
import type { AgencyStore } from '../access/agency-store.js';
import type { RoleStore } from '../access/role-store.js';
import { API_TOKEN_PREFIX, type AuthContext, type AuthService } from './auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's session or API token on `/api/v1/*` routes (set by the authentication hook). */
    auth: AuthContext | null;
  }
}

/** Options of the authentication and user routes. */
export interface AuthRoutesOptions {
  auth: AuthService;
  audit: AuditLog;
  /** Roles and their access policy: what each session may do. */
  roles: RoleStore;
  /** The agencies behind `GET|POST /api/v1/agencies`. */
  agencies: AgencyStore;
  /**
   * The inventory, for the one check every `/api/v1/cameras/:id...` route gets before anything else: a camera that
   * does not exist or that the user does not see is `404 ARGUS_ERR_DEVICE_NOT_FOUND`, whatever the route, method or
   * body (so nothing about other agencies' cameras leaks through a 400 or a 403). Without it, routes check alone.
   */
  cameras?: { tryGet(id: string): Camera | undefined };
  /**
   * `Secure` flag of the session cookie: `'auto'` (default) sets it when the request came over HTTPS. Browsers
   * drop a `Secure` cookie received over plain HTTP, so forcing `true` behind plain-HTTP loopback breaks logins.
   */
  cookieSecure?: boolean | 'auto';
  /** Requests per IP and window on the login and password routes; `false` turns the limit off. Default 20/min. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'argus_session';

const API = '/api/v1';
// Routes a user who must change the password may still use.
const OPEN_WHILE_CHANGE_REQUIRED = new Set([`POST ${API}/auth/password`, `POST ${API}/auth/logout`, `GET ${API}/auth/me`]);
// Routes an API token may not use, whatever its user's roles: a leaked token must not mint more tokens, learn
// which others exist, or take the account over by changing its password. Checked before input validation.
const SESSION_ONLY: ReadonlyMap<string, string> = new Map([
  [`POST ${API}/auth/tokens`, 'create API tokens with an API token (log in for a session)'],
  [`GET ${API}/auth/tokens`, 'list API tokens with an API token (log in for a session)'],
  [`GET ${API}/users/:username/tokens`, 'list API tokens with an API token (log in for a session)'],
  [`DELETE ${API}/users/:username/tokens/:id`, "revoke other users' API tokens with an API token (log in for a session)"],
  [`POST ${API}/auth/password`, 'change the password with an API token (log in for a session)'],
]);

const USERNAME = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,63}$' } as const;
const AGENCY = { type: 'string', minLength: 1, maxLength: 64 } as const;
const ROLES = { type: 'array', maxItems: 16, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } } as const;
const PASSWORD = { type: 'string', minLength: 1, maxLength: 256 } as const;
const USER_PARAMS = { type: 'object', required: ['username'], properties: { username: USERNAME } } as const;
const TOKEN_ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const TOKEN_PARAMS = { type: 'object', required: ['id'], properties: { id: TOKEN_ID } } as const;
const USER_TOKEN_PARAMS = { type: 'object', required: ['username', 'id'], properties: { username: USERNAME, id: TOKEN_ID } } as const;
// 1..64 characters, at least one not blank, no control characters (names show in lists and the audit log).
const TOKEN_NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]*\\S[^\\u0000-\\u001f\\u007f]*$' } as const;

/** The caller's token: the bearer header, else the session cookie (which carries sessions only, never API tokens). */
function tokenOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const cookie = request.cookies[SESSION_COOKIE] ?? '';
  return cookie.startsWith(API_TOKEN_PREFIX) ? '' : cookie;
}

/**
 * Routes that need a global feature, checked in the authentication hook before input validation: a user without it
 * gets 403 whatever they send, and learns nothing of the route's schema.
 */
const FEATURE_ROUTES: ReadonlyMap<string, { feature: Feature; action: string }> = new Map(
  (
    [
      [`GET ${API}/users`, 'admin', 'list users'],
      [`POST ${API}/users`, 'admin', 'create users'],
      [`GET ${API}/users/:username`, 'admin', 'read users'],
      [`PATCH ${API}/users/:username`, 'admin', 'update users'],
      [`DELETE ${API}/users/:username`, 'admin', 'delete users'],
      [`GET ${API}/users/:username/tokens`, 'admin', "list users' API tokens"],
      [`DELETE ${API}/users/:username/tokens/:id`, 'admin', "revoke users' API tokens"],
      [`GET ${API}/audit`, 'audit.read', 'read the audit log'],
      [`POST ${API}/cameras`, 'admin', 'create cameras'],
      [`PATCH ${API}/cameras/:id`, 'admin', 'update cameras'],
      [`DELETE ${API}/cameras/:id`, 'admin', 'delete cameras'],
      [`POST ${API}/cameras/import`, 'admin', 'import cameras'],
      [`GET ${API}/storage`, 'admin', 'read storage usage'],
      [`GET ${API}/roles`, 'admin', 'list roles'],
      [`POST ${API}/roles`, 'admin', 'create roles'],
      [`GET ${API}/roles/:id`, 'admin', 'read roles'],
      [`PUT ${API}/roles/:id`, 'admin', 'change roles'],
      [`DELETE ${API}/roles/:id`, 'admin', 'delete roles'],
      [`GET ${API}/agencies`, 'admin', 'list agencies'],
      [`POST ${API}/agencies`, 'admin', 'create agencies'],
      [`GET ${API}/agencies/:id`, 'admin', 'read agencies'],
      [`PATCH ${API}/agencies/:id`, 'admin', 'change agencies'],
      [`DELETE ${API}/agencies/:id`, 'admin', 'delete agencies'],
    ] as const
  ).map(([route, feature, action]) => [route, { feature, action }]),
);

function requireFeature(request: FastifyRequest, feature: Feature, action: string): AuthContext {
  request.access!.require(feature, action);
  return request.auth!;
}

/**
 * Registers authentication on every `/api/v1/*` route (bearer session or API token, or session cookie; only
 * `POST /api/v1/auth/login` is open), the forced password change, and the auth, API token, user and audit routes.
 */
export async function registerAuthRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { auth, audit } = options;
  const limit = options.rateLimit ?? { max: 20, timeWindowMs: 60_000 };
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new ArgusError('ARGUS_ERR_AUTH_RATE_LIMITED', { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });
  const limited = limit === false ? {} : { rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs } };
  app.decorateRequest('auth', null);
  app.decorateRequest('access', null);

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(`${API}/`) || request.is404) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (route === `POST ${API}/auth/login`) return;
    const context = await auth.authenticate(tokenOf(request));
    if (context === undefined) throw new ArgusError('ARGUS_ERR_API_UNAUTHORIZED');
    // The forced change guards interactive logins with a given password; an API token is a separate credential.
    if (context.kind === 'session' && context.user.mustChangePassword && !OPEN_WHILE_CHANGE_REQUIRED.has(route)) {
      throw new ArgusError('ARGUS_ERR_AUTH_PASSWORD_CHANGE_REQUIRED');
    }
    request.auth = context;
    request.access = bindAccess(options.roles.policy, context.user);
    if (options.cameras !== undefined && request.routeOptions.url?.startsWith(`${API}/cameras/:id`) === true) {
      const id = (request.params as { id?: string }).id ?? '';
      const camera = options.cameras.tryGet(id);
      if (camera === undefined || !request.access.sees(camera)) throw new ArgusError('ARGUS_ERR_DEVICE_NOT_FOUND', { id: id.slice(0, 64) });
    }
    const needed = FEATURE_ROUTES.get(route);
    if (needed !== undefined) requireFeature(request, needed.feature, needed.action);
    const sessionOnly = SESSION_ONLY.get(route);
    if (sessionOnly !== undefined && context.kind !== 'session') throw new ArgusError('ARGUS_ERR_API_FORBIDDEN', { action: sessionOnly });
  });

  /** The roles given to a user must exist: an unknown id would grant nothing and hide a typo. */
  const knownRoles = (ids: string[]): string[] => {
    const unknown = ids.filter((id) => !options.roles.has(id));
    if (unknown.length > 0) throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: `unknown role(s): ${unknown.join(', ')}` });
    return ids;
  };

  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: options.cookieSecure === undefined || options.cookieSecure === 'auto' ? request.protocol === 'https' : options.cookieSecure,
      maxAge: Math.floor(auth.sessionTtlMs / 1000),
    });
  const clearCookie = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { path: '/' });

  app.post<{ Body: { username: string; password: string } }>(
    `${API}/auth/login`,
    {
      config: limited,
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: PASSWORD },
        },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body.username, request.body.password, request.ip);
      setCookie(request, reply, result.token);
      return result;
    },
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    `${API}/auth/password`,
    {
      config: limited,
      schema: {
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
          properties: { currentPassword: PASSWORD, newPassword: PASSWORD },
        },
      },
    },
    async (request, reply) => {
      await auth.changePassword(request.auth!, request.body.currentPassword, request.body.newPassword);
      clearCookie(reply);
      return reply.status(204).send();
    },
  );

  app.post(`${API}/auth/logout`, async (request, reply) => {
    const context = request.auth!;
    // Answering 204 would let an integration believe its token is gone while it still works.
    if (context.kind !== 'session') {
      throw new ArgusError('ARGUS_ERR_API_INVALID_REQUEST', { reason: 'logout ends a session; revoke an API token with DELETE /api/v1/auth/tokens/:id' });
    }
    await auth.logout(context);
    clearCookie(reply);
    return reply.status(204).send();
  });

  app.get(`${API}/auth/me`, async (request) => {
    const { username, agency, roles, mustChangePassword } = request.auth!.user;
    return { username, agency, roles, mustChangePassword };
  });

  app.post<{ Body: { name: string; expiresInDays?: number } }>(
    `${API}/auth/tokens`,
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: TOKEN_NAME, expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 } },
        },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createApiToken(request.auth!, request.body)),
  );

  app.get(`${API}/auth/tokens`, async (request) => ({ tokens: await auth.listApiTokens(request.auth!.user.username) }));

  app.delete<{ Params: { id: string } }>(`${API}/auth/tokens/:id`, { schema: { params: TOKEN_PARAMS } }, async (request, reply) => {
    const context = request.auth!;
    // An API token may revoke itself (a found leak can be killed with the leak), never its siblings.
    if (context.kind !== 'session' && context.tokenId !== request.params.id) {
      throw new ArgusError('ARGUS_ERR_API_FORBIDDEN', { action: 'revoke other API tokens with an API token (log in for a session)' });
    }
    await auth.revokeApiToken(context.user.username, context.user.username, request.params.id);
    return reply.status(204).send();
  });

  app.get<{ Params: { username: string } }>(`${API}/users/:username/tokens`, { schema: { params: USER_PARAMS } }, async (request) => {
    requireFeature(request, 'admin', "list users' API tokens");
    return { tokens: await auth.listUserApiTokens(request.params.username) };
  });

  app.delete<{ Params: { username: string; id: string } }>(`${API}/users/:username/tokens/:id`, { schema: { params: USER_TOKEN_PARAMS } }, async (request, reply) => {
    const actor = requireFeature(request, 'admin', "revoke users' API tokens").user.username;
    await auth.revokeApiToken(actor, request.params.username, request.params.id);
    return reply.status(204).send();
  });

  app.get(`${API}/users`, async (request) => {
    requireFeature(request, 'admin', 'list users');
    return { users: await auth.listUsers() };
  });

  app.post<{ Body: { username: string; agency: string; roles?: string[]; password: string } }>(
    `${API}/users`,
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'agency', 'password'],
          additionalProperties: false,
          properties: { username: USERNAME, agency: AGENCY, roles: ROLES, password: PASSWORD },
        },
      },
    },
    async (request, reply) => {
      const actor = requireFeature(request, 'admin', 'create users').user.username;
      const roles = knownRoles(request.body.roles ?? ['operator']);
      const user = await auth.createUser(actor, { ...request.body, roles });
      return reply.status(201).send(user);
    },
  );

  app.get<{ Params: { username: string } }>(`${API}/users/:username`, { schema: { params: USER_PARAMS } }, async (request) => {
    requireFeature(request, 'admin', 'read users');
    return auth.getUser(request.params.username);
  });

  app.patch<{ Params: { username: string }; Body: { agency?: string; roles?: string[]; password?: string } }>(
    `${API}/users/:username`,
    {
      schema: {
        params: USER_PARAMS,
        body: { type: 'object', minProperties: 1, additionalProperties: false, properties: { agency: AGENCY, roles: ROLES, password: PASSWORD } },
      },
    },
    async (request) => {
      const actor = requireFeature(request, 'admin', 'update users').user.username;
      if (request.body.roles !== undefined) knownRoles(request.body.roles);
      return auth.updateUser(actor, request.params.username, request.body);
    },
  );

  app.delete<{ Params: { username: string } }>(`${API}/users/:username`, { schema: { params: USER_PARAMS } }, async (request, reply) => {
    const actor = requireFeature(request, 'admin', 'delete users').user.username;
    await auth.deleteUser(actor, request.params.username);
    return reply.status(204).send();
  });

  app.get<{ Querystring: { from?: number; limit?: number } }>(
    `${API}/audit`,
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
        },
      },
    },
    async (request) => {
      requireFeature(request, 'audit.read', 'read the audit log');
      const limit = request.query.limit ?? 100;
      const entries = await audit.list({ ...(request.query.from === undefined ? {} : { from: request.query.from }), limit: limit + 1 });
      const next = entries.length > limit ? entries.pop()!.seq : undefined;
      return { entries, ...(next === undefined ? {} : { next }) };
    },
  );
}
