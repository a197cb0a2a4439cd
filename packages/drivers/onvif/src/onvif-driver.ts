import { defer, from, switchMap, type Observable } from 'rxjs';
import { Type, type Static } from '@sinclair/typebox';
import {
  BaseDriver,
  createDeviceSession,
  deviceUrl,
  errorMessage,
  hasErrorCode,
  type ConnectConfig,
  type ConnectOptions,
  type DeviceInfo,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type Logger,
  type MediaPacket,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type PtzCapability,
  type PtzVector,
  type StreamProfile,
} from '@argus/core';
import { redactUrl, rtspSource } from '@argus/core/media';
import { DeviceHttpClient, parseXml, soapEnvelope, xmlPath, type XmlValue } from '@argus/driver-kit';
import { DEFAULT_DEVICE_PATH, OnvifClient, type OnvifSoapStack } from './onvif-client.js';
import { deviceRequest } from './onvif-requests.js';
import type { OnvifProfile } from './parse-profiles.js';
import { parseSystemDateAndTime } from './parse-system-date-and-time.js';
import { pullPointEvents } from './pull-point-events.js';

/** Options of {@link onvif}: defaults for every camera of this driver. */
export interface OnvifDriverOptions {
  /** Per-request time limit; default 10 s. */
  readonly timeoutMs?: number;
  /** RTP transport of live media; default `tcp`. */
  readonly transport?: 'tcp' | 'udp';
  /** SOAP stack for what node-onvif covers; default `node-onvif` (see the README). */
  readonly soapStack?: OnvifSoapStack;
  /** Longest PullMessages wait; default 10 s. */
  readonly pullTimeoutMs?: number;
  /** Pull-point subscription lifetime (renewed at half-life); default 60 s. */
  readonly subscriptionMs?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const OnvifCameraOptionsSchema = Type.Object(
  {
    /** `http` (default) or `https`. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
    /** Device service path; default `connection.path` or `/onvif/device_service`. */
    devicePath: Type.Optional(Type.String({ minLength: 1, pattern: '^/' })),
    /** RTP transport of live media. */
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
    /** SOAP stack, overriding the driver's. */
    soapStack: Type.Optional(Type.Union([Type.Literal('node-onvif'), Type.Literal('kit')])),
    /** Token of the profile offered as `main`; default the device's first profile. */
    mainProfile: Type.Optional(Type.String({ minLength: 1 })),
    /** Token of the profile offered as `sub`; default the device's second profile. */
    subProfile: Type.Optional(Type.String({ minLength: 1 })),
    /** Set false to leave the event service alone; default true. */
    events: Type.Optional(Type.Boolean()),
    /** Set false to read profiles and URIs from Media ver10 even when the device has Media2 (Profile T; ignored without ver10); default true. */
    media2: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the ONVIF driver. */
export type OnvifCameraOptions = Static<typeof OnvifCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'onvif',
  name: 'ONVIF Profile S/T',
  vendor: 'ONVIF',
  version: '0.1.0',
  cameraTypes: [16, 17, 18, 19, 20, 23, 24],
  protocols: ['onvif', 'rtsp', 'http'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'],
};

/** An ONVIF-first brand: the camera type of a device whose manufacturer matches. Quirks as data. */
export interface OnvifBrandType {
  /** Matched against GetDeviceInformation's Manufacturer. */
  readonly manufacturer: RegExp;
  /** Camera type (1..33). */
  readonly cameraType: number;
}

/** Manufacturers that have a camera type of their own among the ONVIF ones. */
export const ONVIF_BRAND_TYPES: readonly OnvifBrandType[] = Object.freeze([
  { manufacturer: /avigilon/i, cameraType: 16 },
  { manufacturer: /pelco/i, cameraType: 17 },
  { manufacturer: /honeywell/i, cameraType: 18 },
  { manufacturer: /tiandy/i, cameraType: 19 },
  { manufacturer: /milesight/i, cameraType: 20 },
]);

/** Generic ONVIF Profile S (23), or Profile T (24) when the device has a Media2 service. */
export function onvifCameraType(manufacturer: string, media2: boolean): number {
  return ONVIF_BRAND_TYPES.find((b) => b.manufacturer.test(manufacturer))?.cameraType ?? (media2 ? 24 : 23);
}

/** A SOAP reply to the unauthenticated GetSystemDateAndTime: a strong ONVIF fingerprint. */
const PROBE_SCORE_SOAP = 80;
/** Some other SOAP envelope (a fault: the device wants authentication even for the clock). */
const PROBE_SCORE_FAULT = 70;
/** GetDeviceInformation answered with the credentials given. */
const PROBE_SCORE_IDENTIFIED = 95;

/** A connection or probe path that names a service (`/...`, not just `/`), else undefined. */
function servicePath(path: string | undefined): string | undefined {
  return path !== undefined && path.startsWith('/') && path !== '/' ? path : undefined;
}

function profileIds(profiles: readonly OnvifProfile[], options: OnvifCameraOptions): Map<string, OnvifProfile> {
  const byId = new Map<string, OnvifProfile>();
  const main = profiles.find((p) => p.token === options.mainProfile) ?? profiles[0];
  const rest = profiles.filter((p) => p !== main);
  const sub = rest.find((p) => p.token === options.subProfile) ?? rest[0];
  if (main !== undefined) byId.set('main', main);
  if (sub !== undefined) byId.set('sub', sub);
  for (const p of profiles) if (p !== main && p !== sub && !byId.has(p.token)) byId.set(p.token, p);
  return byId;
}

/** Faults that say "not this service / not this way" rather than "the device is broken": the cue to fall back to ver10. */
function refusedByDevice(err: unknown): boolean {
  return hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNSUPPORTED');
}

/**
 * Where a session's profiles come from: Media2 (ver20) when the device has it, which lists H.265 profiles that
 * Media ver10 cannot describe; Media ver10 when the device has no Media2, when Media2 is switched off, or when
 * Media2 refuses GetProfiles or lists no video profile (then for the rest of the session).
 */
class MediaProfiles {
  readonly #client: OnvifClient;
  readonly #logger: Logger;
  #media2: boolean;

  constructor(client: OnvifClient, media2: boolean, logger: Logger) {
    this.#client = client;
    // A device with Media2 only is asked through Media2 whatever the option says.
    this.#media2 = client.services?.media2 !== undefined && (media2 || client.services.media === undefined);
    this.#logger = logger;
  }

  async load(signal?: AbortSignal): Promise<OnvifProfile[]> {
    const ver10 = this.#client.services?.media !== undefined;
    if (this.#media2) {
      try {
        const found = await this.#client.getMedia2Profiles(signal);
        if (!ver10 || found.some((p) => p.codec !== 'none')) return found;
        this.#logger.info({ device: this.#client.endpoint }, 'Media2 lists no video profile; using Media ver10 for this session');
      } catch (err) {
        if (!ver10 || !refusedByDevice(err)) throw err;
        this.#logger.info({ device: this.#client.endpoint, reason: errorMessage(err) }, 'Media2 GetProfiles refused; using Media ver10 for this session');
      }
      this.#media2 = false;
    }
    return this.#client.getProfiles(signal);
  }

  /**
   * The profiles that carry the PTZ binding: `profiles`, or the ver10 profiles when Media2's (same tokens on a real
   * device) came without a PTZ configuration.
   */
  async ptzProfiles(profiles: readonly OnvifProfile[], signal?: AbortSignal): Promise<readonly OnvifProfile[]> {
    if (profiles.some((p) => p.ptz !== undefined) || !profiles.some((p) => p.mediaService === 'media2') || this.#client.services?.media === undefined) return profiles;
    try {
      return await this.#client.getProfiles(signal);
    } catch (err) {
      if (!refusedByDevice(err)) throw err;
      return profiles;
    }
  }
}

/**
 * The driver for ONVIF Profile S/T devices (camera types 16-20, 23, 24): node-onvif for the calls it covers, the
 * kit's SOAP client beside it for Media2, PullPoint events and HTTP Digest devices. Profiles come from Media2
 * (Profile T: H.265 profiles included) when the device lists it in GetServices, else from Media ver10; live media
 * through `rtspSource` from the URIs GetStreamUri returns, snapshots from GetSnapshotUri over Digest/Basic HTTP.
 */
export class OnvifDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = OnvifCameraOptionsSchema;
  readonly #options: OnvifDriverOptions;

  constructor(options: OnvifDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  #client(config: { host: string; port?: number; username?: string; password?: string; path?: string }, options: OnvifCameraOptions, timeoutMs?: number): OnvifClient {
    const devicePath = options.devicePath ?? servicePath(config.path);
    const soapStack = options.soapStack ?? this.#options.soapStack;
    const timeout = timeoutMs ?? this.#options.timeoutMs;
    return new OnvifClient({
      host: config.host,
      ...(config.port === undefined ? {} : { port: config.port }),
      ...(options.scheme === undefined ? {} : { scheme: options.scheme }),
      ...(devicePath === undefined ? {} : { devicePath }),
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      ...(this.#options.pullTimeoutMs === undefined ? {} : { pullTimeoutMs: this.#options.pullTimeoutMs }),
      ...(soapStack === undefined ? {} : { soapStack }),
      logger: this.logger,
      clock: this.clock,
    });
  }

  /** GetSystemDateAndTime; devices that refuse it unauthenticated (or lack it) keep a zero clock offset. */
  async #syncClock(client: OnvifClient, signal?: AbortSignal): Promise<void> {
    try {
      await client.getSystemDateAndTime(signal);
    } catch (err) {
      if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH') && !hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) throw err;
      this.logger.debug({ device: client.endpoint, reason: errorMessage(err) }, 'GetSystemDateAndTime refused; WS-Security uses the local clock');
    }
  }

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    if (endpoint.scheme !== undefined && !['http', 'https', 'onvif'].includes(endpoint.scheme)) return null;
    const scheme = endpoint.scheme === 'https' ? 'https' : 'http';
    const path = servicePath(endpoint.path) ?? DEFAULT_DEVICE_PATH;
    const http = new DeviceHttpClient({ baseUrl: deviceUrl({ scheme, host: endpoint.host, port: endpoint.port }), timeoutMs: options.timeoutMs, logger: this.logger });
    let score: number;
    let clockReply: XmlValue | undefined;
    try {
      const response = await http.request({
        method: 'POST',
        path,
        headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
        body: soapEnvelope(deviceRequest('GetSystemDateAndTime')),
        signal: options.signal,
      });
      let envelope;
      try {
        envelope = xmlPath(parseXml(response.text()), 'Envelope');
      } catch (err) {
        if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
        throw err;
      }
      if (envelope === undefined || xmlPath(envelope, 'Body') === undefined) return null;
      clockReply = xmlPath(envelope, 'Body', 'GetSystemDateAndTimeResponse');
      score = clockReply === undefined ? PROBE_SCORE_FAULT : PROBE_SCORE_SOAP;
    } catch (err) {
      // Bytes that are not HTTP at all: whatever listens there is not an ONVIF device.
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
      throw err;
    } finally {
      await http.close();
    }
    const fingerprint: ProbeMatch = { driver: MANIFEST.id, score, details: { devicePath: path } };
    if (endpoint.username === undefined || endpoint.username === '') return fingerprint;
    const client = this.#client(endpoint, { ...(scheme === 'https' ? { scheme } : {}), devicePath: path }, options.timeoutMs);
    try {
      // The fingerprint was the clock reading: no second GetSystemDateAndTime (a device that faulted it keeps a zero offset).
      if (clockReply !== undefined) client.setDeviceTime(parseSystemDateAndTime({ GetSystemDateAndTimeResponse: clockReply }, client.endpoint));
      await client.resolveServices(options.signal);
      const info = await client.getDeviceInformation(options.signal);
      const media2 = client.services?.media2 !== undefined;
      return {
        driver: MANIFEST.id,
        score: PROBE_SCORE_IDENTIFIED,
        cameraType: onvifCameraType(info.manufacturer, media2),
        model: info.model,
        details: { devicePath: path, manufacturer: info.manufacturer, firmware: info.firmware, serial: info.serial, profileT: media2 },
      };
    } catch (err) {
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) throw err;
      if (options.signal.aborted) throw options.signal.reason;
      this.logger.debug({ device: client.endpoint, reason: errorMessage(err) }, 'ONVIF probe: identification failed after the fingerprint');
      return fingerprint;
    } finally {
      await client.close();
    }
  }

  protected async doConnect(config: ConnectConfig, connectOptions: ConnectOptions): Promise<DeviceSession> {
    const options = (config.options ?? {}) as OnvifCameraOptions;
    const signal = connectOptions.signal;
    const client = this.#client(config, options);
    try {
      await this.#syncClock(client, signal);
      await client.resolveServices(signal);
      // The credential check: every device wants authentication for its identity.
      await client.getDeviceInformation(signal);
      const services = client.services;
      const hasMedia = services?.media !== undefined || services?.media2 !== undefined;
      const media = new MediaProfiles(client, options.media2 !== false, this.logger);
      let profiles = new Map<string, OnvifProfile>();
      if (hasMedia) profiles = profileIds(await media.load(signal), options);
      const refreshProfiles = async (): Promise<Map<string, OnvifProfile>> => {
        profiles = profileIds(await media.load(), options);
        return profiles;
      };
      const profileFor = async (id: string | undefined): Promise<OnvifProfile> => {
        const key = id ?? 'main';
        const known = profiles.get(key) ?? (await refreshProfiles()).get(key);
        if (known === undefined) throw new TypeError(`Unknown stream profile "${key}"`);
        return known;
      };
      const ptz = services?.ptz === undefined ? undefined : await this.#ptz(client, await media.ptzProfiles([...profiles.values()], signal), signal);
      const transport = options.transport ?? this.#options.transport ?? 'tcp';
      const credentials = {
        ...(config.username === undefined ? {} : { username: config.username }),
        ...(config.password === undefined ? {} : { password: config.password }),
      };
      const events = options.events !== false && services?.events !== undefined;
      return createDeviceSession(
        {
          deviceInfo: { getDeviceInfo: () => this.#deviceInfo(client) },
          ...(hasMedia
            ? {
                streams: {
                  getStreamProfiles: async (): Promise<StreamProfile[]> => {
                    const out: StreamProfile[] = [];
                    for (const [id, p] of await refreshProfiles()) {
                      const uri = (await client.streamUri(p)).uri;
                      out.push({
                        id,
                        name: p.name,
                        codec: p.codec,
                        width: p.width,
                        height: p.height,
                        ...(p.fps === undefined ? {} : { fps: p.fps }),
                        ...(p.bitrateKbps === undefined ? {} : { bitrateKbps: p.bitrateKbps }),
                        uri: redactUrl(uri),
                      });
                    }
                    return out;
                  },
                },
                liveMedia: {
                  openStream: (profileId: string): Observable<MediaPacket> =>
                    defer(() => from(profileFor(profileId).then((p) => client.streamUri(p)))).pipe(
                      switchMap(({ uri }) =>
                        rtspSource({
                          url: uri,
                          ...credentials,
                          transport,
                          logger: this.logger,
                          ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
                        }),
                      ),
                    ),
                },
                snapshot: {
                  snapshot: async (profileId?: string) => {
                    const profile = await profileFor(profileId);
                    return client.fetchSnapshot((await client.snapshotUri(profile)).uri);
                  },
                },
              }
            : {}),
          ...(ptz === undefined ? {} : { ptz }),
          ...(events
            ? {
                events: {
                  events$: pullPointEvents(client, {
                    logger: this.logger,
                    clock: this.clock,
                    ...(this.#options.subscriptionMs === undefined ? {} : { subscriptionMs: this.#options.subscriptionMs }),
                  }),
                },
              }
            : {}),
        },
        () => client.close(),
      );
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  async #deviceInfo(client: OnvifClient): Promise<DeviceInfo> {
    const info = await client.getDeviceInformation();
    let mac: string | undefined;
    try {
      mac = await client.getMac();
    } catch (err) {
      // GetNetworkInterfaces is optional to a client: identity without the MAC rather than no identity.
      if (!hasErrorCode(err) || hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')) throw err;
    }
    return { ...info, ...(mac === undefined ? {} : { mac }) };
  }

  async #ptz(client: OnvifClient, profiles: readonly OnvifProfile[], signal?: AbortSignal): Promise<PtzCapability | undefined> {
    const profile = profiles.find((p) => p.ptz !== undefined);
    if (profile?.ptz === undefined) return undefined;
    const token = profile.token;
    let node;
    try {
      const nodes = await client.getPtzNodes(signal);
      node = nodes.find((n) => n.token === profile.ptz?.nodeToken) ?? nodes[0];
    } catch (err) {
      if (!hasErrorCode(err) || hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')) throw err;
      this.logger.debug({ device: client.endpoint, reason: errorMessage(err) }, 'PTZ GetNodes failed; assuming the basic PTZ features');
    }
    const absolute = node?.absolute ?? profile.ptz.absolute;
    const relative = node?.relative ?? profile.ptz.relative;
    const check = (v: PtzVector, what: string, zoomMin: number): void => {
      for (const axis of ['pan', 'tilt', 'zoom'] as const) {
        const value = v?.[axis];
        const min = axis === 'zoom' ? zoomMin : -1;
        if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 1) {
          throw new RangeError(`${what}.${axis} must be a number in ${min}..1, got ${String(value)}`);
        }
      }
    };
    return {
      ptzFeatures: {
        absoluteMove: absolute,
        relativeMove: relative,
        presets: node?.maxPresets === undefined ? true : node.maxPresets > 0,
        ...(node?.maxPresets === undefined ? {} : { maxPresets: node.maxPresets }),
        home: node?.home ?? true,
      },
      continuousMove: async (velocity, timeoutMs) => {
        check(velocity, 'velocity', -1);
        if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
        await client.continuousMove(token, velocity, timeoutMs === undefined ? undefined : Math.round(timeoutMs));
      },
      stop: () => client.stop(token),
      ...(absolute
        ? {
            absoluteMove: async (position: PtzVector, speed?: PtzVector) => {
              check(position, 'position', 0);
              await client.absoluteMove(token, position, speed);
            },
          }
        : {}),
      ...(relative
        ? {
            relativeMove: async (translation: PtzVector, speed?: PtzVector) => {
              check(translation, 'translation', -1);
              await client.relativeMove(token, translation, speed);
            },
          }
        : {}),
      getPresets: async () => (await client.getPresets(token)).map((p) => ({ id: p.token, ...(p.name === undefined ? {} : { name: p.name }) })),
      setPreset: (name, id) => client.setPreset(token, name, id),
      gotoPreset: (id) => client.gotoPreset(token, id),
      removePreset: (id) => client.removePreset(token, id),
      gotoHome: () => client.gotoHome(token),
    };
  }
}

/**
 * The ONVIF driver factory.
 *
 * @example
 * ```ts
 * kernel.drivers.register(onvif({ timeoutMs: 8000 }));
 * const session = await kernel.drivers.connect('onvif', { host: '10.0.0.7', port: 80, username: 'admin', password });
 * const profiles = await session.require('streams').getStreamProfiles();
 * session.require('events').events$.subscribe((e) => console.log(e.kind, e.state));
 * ```
 */
export function onvif(options: OnvifDriverOptions = {}): DriverFactory {
  return (components) => new OnvifDriver(options, components);
}
