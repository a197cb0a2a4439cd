import {
  ArgusError,
  CAMERA_TYPES,
  errorMessage,
  formatEndpoint,
  hasErrorCode,
  type CapabilityName,
  type DeviceInfo,
  type DriverRegistry,
  type ProbeFailure,
  type StreamProfile,
} from '@argus/core';
import type { DeviceAddress } from './device-address.js';

/** What `argus probe` found at a device address. */
export interface DeviceProbeReport {
  /** The address probed, without credentials. */
  readonly endpoint: string;
  /** The driver chosen: the best score, or the one the address named. */
  readonly driver: string;
  readonly score: number;
  /** Camera type 1..33 and its names, as the driver identified it (else its first type). */
  readonly cameraType: number;
  readonly typeSlug: string;
  readonly typeName: string;
  readonly model?: string;
  /** Every driver that recognised the device, best first. */
  readonly candidates: readonly { readonly driver: string; readonly score: number; readonly cameraType?: number }[];
  /** Drivers whose probe failed (refused, timed out, wrong credentials), with their codes. */
  readonly failures: readonly ProbeFailure[];
  /** What the device says it is, when the session could be opened and the driver reads it. */
  readonly deviceInfo?: DeviceInfo;
  /** Capabilities of the opened session (what this device has, not all the driver could offer). */
  readonly capabilities: readonly CapabilityName[];
  readonly streams?: readonly StreamProfile[];
  /** Why the session could not be opened after a match (e.g. no credentials given); the match stands. */
  readonly sessionError?: { readonly code?: string; readonly message: string };
}

/** Options of {@link probeDevice}. */
export interface ProbeDeviceOptions {
  /** Time each driver's probe has; default 5 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Identifies a device by scored probing: every registered driver (or only the one the address names) is asked "is
 * this yours?" at once; the best score wins. Then a session is opened with that driver to read the device info,
 * capabilities and stream profiles. Throws `ARGUS_ERR_DRIVER_NO_MATCH` (failures in its details) when no driver
 * recognised the device, `ARGUS_ERR_DRIVER_NOT_FOUND` for a scheme that names no driver.
 *
 * @example
 * ```ts
 * const report = await probeDevice(registry, parseDeviceAddress('127.0.0.1:8080', { username: 'admin', password }));
 * report.driver; // 'hikvision'
 * ```
 */
export async function probeDevice(registry: DriverRegistry, address: DeviceAddress, options: ProbeDeviceOptions = {}): Promise<DeviceProbeReport> {
  const endpoint = {
    host: address.host,
    ...(address.port === undefined ? {} : { port: address.port }),
    ...(address.path === undefined ? {} : { path: address.path }),
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
  };
  // A scheme that names no driver is ARGUS_ERR_DRIVER_NOT_FOUND from the registry itself.
  const drivers = address.driver === undefined ? undefined : [registry.get(address.driver).manifest.id];
  const { matches, failures } = await registry.probe(endpoint, {
    ...(drivers === undefined ? {} : { drivers }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const match = matches[0];
  if (match === undefined) {
    // A device that one driver recognised but whose credentials it refused says so, rather than "no match".
    if (failures.some((f) => f.code === 'ARGUS_ERR_DRIVER_AUTH')) throw new ArgusError('ARGUS_ERR_DRIVER_AUTH', { endpoint: formatEndpoint(endpoint), failures });
    throw new ArgusError('ARGUS_ERR_DRIVER_NO_MATCH', { endpoint: formatEndpoint(endpoint), failures });
  }
  const manifest = registry.get(match.driver).manifest;
  const cameraType = match.cameraType ?? manifest.cameraTypes[0] ?? 26;
  const type = CAMERA_TYPES[cameraType - 1];
  const report = {
    endpoint: formatEndpoint(endpoint),
    driver: match.driver,
    score: match.score,
    cameraType,
    typeSlug: type?.slug ?? '',
    typeName: type?.name ?? '',
    ...(match.model === undefined ? {} : { model: match.model }),
    candidates: matches.map((m) => ({ driver: m.driver, score: m.score, ...(m.cameraType === undefined ? {} : { cameraType: m.cameraType }) })),
    failures,
  };
  let session;
  try {
    session = await registry.get(match.driver).connect(endpoint);
  } catch (err) {
    return { ...report, capabilities: [], sessionError: { ...(hasErrorCode(err) ? { code: err.code } : {}), message: errorMessage(err) } };
  }
  try {
    const capabilities = [...session.capabilities];
    const deviceInfo = session.capability('deviceInfo') === undefined ? undefined : await session.require('deviceInfo').getDeviceInfo();
    const streams = session.capability('streams') === undefined ? undefined : await session.require('streams').getStreamProfiles();
    return {
      ...report,
      capabilities,
      ...(deviceInfo === undefined ? {} : { deviceInfo }),
      ...(streams === undefined ? {} : { streams }),
    };
  } finally {
    await session.close();
  }
}
