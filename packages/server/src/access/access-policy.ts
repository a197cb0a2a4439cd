import type { Camera } from '@argus/core';

/** What a role can grant. Camera features apply over the rule's scope; the others are global. */
export const FEATURES = ['live', 'playback', 'export', 'ptz', 'ptz.priority', 'admin', 'audit.read', 'sharing.manage'] as const;

/** One feature of {@link FEATURES}. */
export type Feature = (typeof FEATURES)[number];

/**
 * Features that make a camera visible: a user who has any of them on a camera sees it. (`ptz.priority` only raises
 * the priority of `ptz`, so it is a camera feature that shows nothing by itself.)
 */
export const CAMERA_FEATURES: readonly Feature[] = ['live', 'playback', 'export', 'ptz'];

/**
 * The cameras a rule covers: every camera, the user's own agency, listed agencies, configuration groups, or listed
 * cameras. Global features (`admin`, `audit.read`, `sharing.manage`) ignore the scope.
 */
export type Scope =
  | { readonly all: true }
  | { readonly ownAgency: true }
  | { readonly agencies: readonly string[] }
  | { readonly groups: readonly string[] }
  | { readonly cameras: readonly string[] };

/** One line of a role: allow or deny some features over a scope. */
export interface AccessRule {
  readonly effect: 'allow' | 'deny';
  readonly features: readonly Feature[];
  readonly scope: Scope;
}

/** A named set of rules that users are given. */
export interface Role {
  /** Stable id, referenced by `user.roles`: lower-case letters, digits and dashes. */
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rules: readonly AccessRule[];
  /** Built-in roles cannot be changed or deleted. */
  readonly builtIn?: boolean;
}

/** The roles every server has. */
export const BUILT_IN_ROLES: readonly Role[] = Object.freeze([
  {
    id: 'admin',
    name: 'Administrator',
    description: 'Everything, on every camera',
    rules: [{ effect: 'allow', features: [...FEATURES], scope: { all: true } }],
    builtIn: true,
  },
  {
    id: 'operator',
    name: 'Operator',
    description: "Live, playback, export and PTZ on the own agency's cameras (the default role of new users)",
    rules: [{ effect: 'allow', features: ['live', 'playback', 'export', 'ptz'], scope: { ownAgency: true } }],
    builtIn: true,
  },
  {
    id: 'viewer',
    name: 'Viewer',
    description: "Live and playback on the own agency's cameras",
    rules: [{ effect: 'allow', features: ['live', 'playback'], scope: { ownAgency: true } }],
    builtIn: true,
  },
  {
    id: 'auditor',
    name: 'Auditor',
    description: 'Reads the audit log',
    rules: [{ effect: 'allow', features: ['audit.read'], scope: { all: true } }],
    builtIn: true,
  },
]);

/** The user as the policy needs it. */
export interface Subject {
  readonly agency: string;
  readonly roles: readonly string[];
}

const GLOBAL: ReadonlySet<Feature> = new Set(['admin', 'audit.read', 'sharing.manage']);

function covers(scope: Scope, subject: Subject, camera: Pick<Camera, 'id' | 'agency' | 'groups'> | undefined): boolean {
  if ('all' in scope) return true;
  if (camera === undefined) return false;
  if ('ownAgency' in scope) return camera.agency === subject.agency;
  if ('agencies' in scope) return scope.agencies.includes(camera.agency);
  if ('groups' in scope) return camera.groups.some((group) => scope.groups.includes(group));
  return scope.cameras.includes(camera.id);
}

/**
 * Decides what a user may do: the rules of the user's roles, where a deny that covers the feature and the camera
 * overrides any allow, and `admin` allowed implies every feature (still subject to denies). Roles the user names
 * that do not exist grant nothing.
 *
 * @example
 * ```ts
 * const policy = new AccessPolicy(roles);
 * policy.can({ agency: 'police', roles: ['operator'] }, 'ptz', camera); // true for a police camera
 * policy.sees({ agency: 'police', roles: ['operator'] }, otherAgencyCamera); // false -> the API answers 404
 * ```
 */
export class AccessPolicy {
  readonly #roles: ReadonlyMap<string, Role>;

  constructor(roles: readonly Role[]) {
    this.#roles = new Map(roles.map((role) => [role.id, role]));
  }

  /** Whether `subject` may use `feature` (on `camera`, for camera features). */
  can(subject: Subject, feature: Feature, camera?: Pick<Camera, 'id' | 'agency' | 'groups'>): boolean {
    const target = GLOBAL.has(feature) ? undefined : camera;
    let allowed = false;
    for (const rule of this.#rules(subject)) {
      const matches = (rule.features.includes(feature) || (rule.effect === 'allow' && rule.features.includes('admin'))) && (GLOBAL.has(feature) || covers(rule.scope, subject, target));
      if (!matches) continue;
      if (rule.effect === 'deny') return false;
      allowed = true;
    }
    return allowed;
  }

  /** Whether `subject` sees `camera` at all: some camera feature is allowed on it. */
  sees(subject: Subject, camera: Pick<Camera, 'id' | 'agency' | 'groups'>): boolean {
    return CAMERA_FEATURES.some((feature) => this.can(subject, feature, camera));
  }

  /**
   * {@link AccessPolicy.sees} for one subject, compiled for many cameras (a list of 40,000): without denies on
   * camera features it is set lookups over the allowed scopes; with denies it asks {@link AccessPolicy.sees}.
   */
  visibility(subject: Subject): (camera: Pick<Camera, 'id' | 'agency' | 'groups'>) => boolean {
    const rules = [...this.#rules(subject)];
    const showing = (rule: AccessRule) => rule.features.includes('admin') || rule.features.some((f) => CAMERA_FEATURES.includes(f));
    if (rules.some((rule) => rule.effect === 'deny' && rule.features.some((f) => CAMERA_FEATURES.includes(f)))) return (camera) => this.sees(subject, camera);
    const allows = rules.filter((rule) => rule.effect === 'allow' && showing(rule));
    if (allows.some((rule) => 'all' in rule.scope)) return () => true;
    const agencies = new Set<string>();
    const groups = new Set<string>();
    const cameras = new Set<string>();
    for (const { scope } of allows) {
      if ('ownAgency' in scope) agencies.add(subject.agency);
      else if ('agencies' in scope) for (const agency of scope.agencies) agencies.add(agency);
      else if ('groups' in scope) for (const group of scope.groups) groups.add(group);
      else if ('cameras' in scope) for (const id of scope.cameras) cameras.add(id);
    }
    return (camera) => agencies.has(camera.agency) || cameras.has(camera.id) || (groups.size > 0 && camera.groups.some((group) => groups.has(group)));
  }

  *#rules(subject: Subject): Iterable<AccessRule> {
    for (const id of subject.roles) {
      const role = this.#roles.get(id);
      if (role !== undefined) yield* role.rules;
    }
  }
}
