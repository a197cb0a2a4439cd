/**
 * Who an emulated device says it is: what its device-information call answers. Drivers' `getDeviceInfo()` must
 * report these values (the conformance suite compares them).
 */
export interface EmulatorIdentity {
  /** Manufacturer name as the device reports it (`Hikvision`, `Dahua`, `AXIS`...). */
  manufacturer: string;
  /** Model name or number. */
  model: string;
  /** Firmware version string. */
  firmware: string;
  /** Serial number. */
  serial: string;
  /** MAC address of the main interface, `aa:bb:cc:dd:ee:ff` (lower case, colon separated). */
  mac: string;
  /** Vendor hardware id or revision, where the family reports one. */
  hardwareId?: string;
}

/** The identity of an emulator built without `identity` options: a generic, recognisably fake device. */
export const DEFAULT_EMULATOR_IDENTITY: Readonly<EmulatorIdentity> = Object.freeze({
  manufacturer: 'Argus',
  model: 'EMU-1000',
  firmware: '1.0.0',
  serial: 'ARGUS0000000001',
  mac: '02:00:00:00:00:01',
  hardwareId: '88',
});

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * The full identity of an emulator: `overrides` over `defaults` (by default {@link DEFAULT_EMULATOR_IDENTITY}),
 * with the MAC address normalised to lower case.
 *
 * @throws RangeError when the MAC address is not six hex pairs separated by `:` or `-`.
 * @example
 * ```ts
 * const identity = emulatorIdentity({ manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I' });
 * ```
 */
export function emulatorIdentity(overrides: Partial<EmulatorIdentity> = {}, defaults: Readonly<EmulatorIdentity> = DEFAULT_EMULATOR_IDENTITY): EmulatorIdentity {
  const merged: EmulatorIdentity = { ...defaults };
  for (const [key, value] of Object.entries(overrides) as [keyof EmulatorIdentity, string | undefined][]) {
    if (value !== undefined) merged[key] = value;
  }
  const mac = merged.mac.toLowerCase().replaceAll('-', ':');
  if (!MAC.test(mac)) throw new RangeError(`identity.mac must look like aa:bb:cc:dd:ee:ff, got "${merged.mac}"`);
  merged.mac = mac;
  return merged;
}
