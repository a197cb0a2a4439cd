import { ArgusError } from '../errors/argus-error.js';
import { CAPABILITIES, type CapabilityMap, type CapabilityName } from './capabilities.js';

/**
 * A connected device: the capabilities it has, each a small interface, and `close`.
 *
 * Capabilities are found at connect time; callers ask for what they need and the UI and API show only what is
 * there. Build one with {@link createDeviceSession} so the set and the implementations cannot drift apart.
 *
 * @example
 * ```ts
 * const session = await registry.connect('hikvision', { host: '10.0.0.5', username, password });
 * try {
 *   const info = await session.require('deviceInfo').getDeviceInfo();
 *   if (session.capabilities.has('ptz')) await session.require('ptz').gotoHome();
 * } finally {
 *   await session.close();
 * }
 * ```
 */
export interface DeviceSession {
  /** The capabilities this device has. */
  readonly capabilities: ReadonlySet<CapabilityName>;
  /** The capability's interface, or `undefined` when the device does not have it. */
  capability<K extends CapabilityName>(name: K): CapabilityMap[K] | undefined;
  /** The capability's interface; throws `ARGUS_ERR_DRIVER_UNSUPPORTED` when the device does not have it. */
  require<K extends CapabilityName>(name: K): CapabilityMap[K];
  /** Releases the session's connections; safe to call more than once (later calls share the first's result). */
  close(): Promise<void>;
}

/** The implementations a driver provides: one entry per capability the device has. */
export type CapabilityImplementations = Partial<CapabilityMap>;

/**
 * Builds a {@link DeviceSession} from the implementations a driver found on the device. `capabilities` is derived
 * from the entries present (an `undefined` entry counts as absent), and `close` runs once.
 *
 * @example
 * ```ts
 * return createDeviceSession(
 *   { deviceInfo: { getDeviceInfo: () => this.#readInfo(http) }, ...(hasPtz ? { ptz: new IsapiPtz(http) } : {}) },
 *   () => http.close(),
 * );
 * ```
 */
export function createDeviceSession(
  implementations: CapabilityImplementations,
  close: () => Promise<void> | void = () => undefined,
): DeviceSession {
  for (const key of Object.keys(implementations)) {
    if (!(CAPABILITIES as readonly string[]).includes(key)) throw new TypeError(`Unknown capability "${key}"`);
  }
  const impls: CapabilityImplementations = { ...implementations };
  const capabilities: ReadonlySet<CapabilityName> = new Set(
    CAPABILITIES.filter((name) => impls[name] !== undefined && impls[name] !== null),
  );
  let closing: Promise<void> | undefined;

  function capability<K extends CapabilityName>(name: K): CapabilityMap[K] | undefined {
    return capabilities.has(name) ? (impls[name] as CapabilityMap[K]) : undefined;
  }

  return Object.freeze({
    capabilities,
    capability,
    require<K extends CapabilityName>(name: K): CapabilityMap[K] {
      const found = capability(name);
      if (found === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', { capability: name });
      return found;
    },
    close(): Promise<void> {
      closing ??= (async () => close())();
      return closing;
    },
  });
}
