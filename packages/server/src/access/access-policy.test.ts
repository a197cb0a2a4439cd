import { describe, expect, it } from 'vitest';
import { AccessPolicy, BUILT_IN_ROLES, type Role } from './access-policy.js';

const cam = (id: string, agency: string, groups: string[] = []) => ({ id, agency, groups });
const police = cam('p-1', 'police', ['old-quarter']);
const policeGate = cam('p-gate', 'police', ['gates']);
const transport = cam('t-1', 'transport', ['old-quarter']);

const custom: Role[] = [
  {
    id: 'traffic-desk',
    name: 'Traffic desk',
    rules: [
      { effect: 'allow', features: ['live', 'ptz', 'ptz.priority'], scope: { agencies: ['transport'] } },
      { effect: 'allow', features: ['live'], scope: { groups: ['old-quarter'] } },
    ],
  },
  { id: 'no-gates', name: 'No gates', rules: [{ effect: 'deny', features: ['live', 'playback', 'export', 'ptz'], scope: { groups: ['gates'] } }] },
  { id: 'one-camera', name: 'One camera', rules: [{ effect: 'allow', features: ['playback'], scope: { cameras: ['p-gate'] } }] },
  { id: 'no-audit', name: 'No audit', rules: [{ effect: 'deny', features: ['audit.read'], scope: { all: true } }] },
];
const policy = new AccessPolicy([...BUILT_IN_ROLES, ...custom]);

describe('AccessPolicy', () => {
  it('gives an operator its own agency, and nothing of another', () => {
    const officer = { agency: 'police', roles: ['operator'] };
    expect(policy.can(officer, 'live', police)).toBe(true);
    expect(policy.can(officer, 'ptz', police)).toBe(true);
    expect(policy.can(officer, 'ptz.priority', police)).toBe(false);
    expect(policy.sees(officer, transport)).toBe(false);
    expect(policy.can(officer, 'admin')).toBe(false);
    expect(policy.can(officer, 'audit.read')).toBe(false);
  });

  it('gives a viewer live and playback, not export or PTZ', () => {
    const viewer = { agency: 'police', roles: ['viewer'] };
    expect(['live', 'playback', 'export', 'ptz'].map((f) => policy.can(viewer, f as never, police))).toEqual([true, true, false, false]);
    expect(policy.sees(viewer, police)).toBe(true);
  });

  it('scopes by agencies, groups and camera lists, and sums the rules of several roles', () => {
    const desk = { agency: 'police', roles: ['traffic-desk'] };
    expect(policy.can(desk, 'ptz.priority', transport)).toBe(true);
    expect(policy.can(desk, 'live', police)).toBe(true); // through the old-quarter group
    expect(policy.can(desk, 'ptz', police)).toBe(false);
    expect(policy.sees(desk, policeGate)).toBe(false);
    const both = { agency: 'environment', roles: ['traffic-desk', 'one-camera'] };
    expect(policy.can(both, 'playback', policeGate)).toBe(true);
    expect(policy.can(both, 'live', policeGate)).toBe(false);
  });

  it('lets a deny override any allow, admin included', () => {
    const admin = { agency: 'city', roles: ['admin', 'no-gates', 'no-audit'] };
    expect(policy.can(admin, 'live', police)).toBe(true);
    expect(policy.can(admin, 'live', policeGate)).toBe(false);
    expect(policy.sees(admin, policeGate)).toBe(false);
    expect(policy.can(admin, 'audit.read')).toBe(false);
    expect(policy.can(admin, 'admin')).toBe(true);
    const officer = { agency: 'police', roles: ['operator', 'no-gates'] };
    expect(policy.sees(officer, policeGate)).toBe(false);
    expect(policy.sees(officer, police)).toBe(true);
  });

  it('compiles visibility to the same answers as sees, for every subject and camera here', () => {
    const subjects = [
      { agency: 'police', roles: ['operator'] },
      { agency: 'police', roles: ['viewer', 'one-camera'] },
      { agency: 'environment', roles: ['traffic-desk', 'one-camera'] },
      { agency: 'police', roles: ['operator', 'no-gates'] },
      { agency: 'city', roles: ['admin'] },
      { agency: 'city', roles: ['admin', 'no-gates'] },
      { agency: 'x', roles: ['auditor'] },
      { agency: 'x', roles: [] },
    ];
    const cameras = [police, policeGate, transport, cam('e-1', 'environment'), cam('t-gate', 'transport', ['gates'])];
    for (const subject of subjects) {
      const visible = policy.visibility(subject);
      for (const camera of cameras) expect(visible(camera), `${subject.roles.join('+')} ${camera.id}`).toBe(policy.sees(subject, camera));
    }
  });

  it('treats global features without a camera, and unknown roles as nothing', () => {
    expect(policy.can({ agency: 'x', roles: ['auditor'] }, 'audit.read')).toBe(true);
    expect(policy.sees({ agency: 'x', roles: ['auditor'] }, police)).toBe(false);
    expect(policy.can({ agency: 'police', roles: ['ghost'] }, 'live', police)).toBe(false);
    expect(policy.can({ agency: 'police', roles: [] }, 'live', police)).toBe(false);
    // A camera feature asked without a camera is only granted by an all-cameras rule.
    expect(policy.can({ agency: 'police', roles: ['operator'] }, 'live')).toBe(false);
    expect(policy.can({ agency: 'city', roles: ['admin'] }, 'live')).toBe(true);
  });
});
