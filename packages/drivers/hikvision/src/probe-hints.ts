import { parseAuthChallenges } from '@argus/driver-kit';

/** A pattern that hints at an ISAPI device before authenticating, with how much it says. */
export interface IsapiHintRule {
  /** What the rule looks at. */
  readonly source: 'realm' | 'server' | 'body';
  readonly pattern: RegExp;
  /** Probe score when this is the best hint (a hint, not an identification: 50..70). */
  readonly score: number;
  /** True when the realm is the model number (older firmware), so the probe can report it. */
  readonly realmIsModel?: boolean;
}

/**
 * Signs of a Hikvision ISAPI device in an unauthenticated answer, as data:
 * - Digest realms: current firmware says `IP Camera(XXXXX)` (cameras) and similar; older firmware uses the model
 *   number (`DS-2CD2142FWD-IS`, `DS-7608NI-K2`, `iDS-7204HUHI-M1`); some OEM builds say `Hikvision`/`HIKVISION`.
 * - `Server` headers of Hikvision's embedded web servers: `App-webs/`, `DNVRS-Webs`, `DVRDVS-Webs`, `Hikvision-Webs`.
 * - 401 bodies in ISAPI's own shapes: `<userCheck>` (older firmware) or a `<ResponseStatus>` in an ISAPI namespace.
 */
export const ISAPI_HINT_RULES: readonly IsapiHintRule[] = [
  { source: 'body', pattern: /<ResponseStatus[^>]*xmlns="http:\/\/www\.(?:hikvision\.com|isapi\.org)\//, score: 65 },
  { source: 'body', pattern: /<userCheck>\s*<statusValue>401<\/statusValue>/, score: 65 },
  { source: 'realm', pattern: /^IP ?Camera\([^)]*\)$/i, score: 60 },
  { source: 'realm', pattern: /^i?DS-\d[\w/-]*$/i, score: 60, realmIsModel: true },
  { source: 'realm', pattern: /^(?:hikvision|hik)\b/i, score: 60 },
  { source: 'server', pattern: /^(?:App-webs|DNVRS-Webs|DVRDVS-Webs|Hikvision-Webs)\b/i, score: 60 },
];

/** What the hints said. */
export interface IsapiHint {
  readonly score: number;
  readonly realm?: string;
  /** The model, when the realm is one. */
  readonly model?: string;
  /** Which rule sources matched. */
  readonly matched: readonly IsapiHintRule['source'][];
}

/**
 * Looks for ISAPI signs in an unauthenticated reply (`headers` with lower-case names). `undefined` when none
 * matched.
 *
 * @example
 * ```ts
 * isapiHint({ 'www-authenticate': 'Digest qop="auth", realm="IP Camera(C1234)", nonce="..."' }, '');
 * // { score: 60, realm: 'IP Camera(C1234)', matched: ['realm'] }
 * ```
 */
export function isapiHint(headers: Readonly<Record<string, string>>, body: string, rules: readonly IsapiHintRule[] = ISAPI_HINT_RULES): IsapiHint | undefined {
  const realm = parseAuthChallenges(headers['www-authenticate']).find((c) => c.scheme === 'digest' || c.scheme === 'basic')?.params['realm'];
  const server = headers['server'];
  let score = 0;
  let model: string | undefined;
  const matched: IsapiHintRule['source'][] = [];
  for (const rule of rules) {
    const value = rule.source === 'realm' ? realm : rule.source === 'server' ? server : body;
    if (value === undefined || !rule.pattern.test(value)) continue;
    score = Math.max(score, rule.score);
    if (!matched.includes(rule.source)) matched.push(rule.source);
    if (rule.realmIsModel === true && realm !== undefined) model = realm;
  }
  if (matched.length === 0) return undefined;
  // Two independent signs (e.g. realm and server header) are worth a little more than one.
  const total = Math.min(70, score + (matched.length - 1) * 5);
  return { score: total, ...(realm === undefined ? {} : { realm }), ...(model === undefined ? {} : { model }), matched };
}
