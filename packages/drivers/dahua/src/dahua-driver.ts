import { Type, type Static } from '@sinclair/typebox';
import { defer, switchMap, type Observable } from 'rxjs';
import {
  ArgusError,
  BaseDriver,
  createDeviceSession,
  deviceUrl,
  hasErrorCode,
  type ConnectConfig,
  type DeviceInfo,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type MediaPacket,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type Snapshot,
  type StreamProfile,
} from '@argus/core';
import { rtspSource } from '@argus/core/media';
import { DeviceHttpClient, parseAuthChallenges } from '@argus/driver-kit';
import { DahuaApi, isRequestRefused } from './dahua-api.js';
import { dahuaEvents$ } from './dahua-events.js';
import { dahuaCameraType, dahuaModel } from './dahua-models.js';
import { DahuaPtz } from './dahua-ptz.js';
import { parseEncodeConfig, parseRtspPort } from './parse-encode-config.js';
import { parsePtzCaps } from './parse-ptz-status.js';
import { parseNetworkMac, parseSoftwareVersion, parseSystemInfo, parseVendor, type DahuaSystemInfo } from './parse-system-info.js';

/** Options of {@link dahua}: defaults for every camera of this driver. */
export interface DahuaDriverOptions {
  /** Per-request timeout of the HTTP API and RTSP, ms; default 10 000. */
  readonly timeoutMs?: number;
  /** RTP transport; default `tcp`. */
  readonly transport?: 'tcp' | 'udp';
  /** `heartbeat=` of the event channel, seconds; default 5. */
  readonly heartbeatSec?: number;
  /** Delay before the first reconnection of the event channel, ms; default 500. */
  readonly eventRetryInitialMs?: number;
  /** Longest delay between reconnections of the event channel, ms; default 10 000. */
  readonly eventRetryMaxMs?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const DahuaCameraOptionsSchema = Type.Object(
  {
    /** Video channel from 1 (`channel=` of RTSP and snapshots); a recorder's camera input. Default 1. */
    channel: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    /** `channel=` of `ptz.cgi`; default `channel - 1` (Dahua's examples count PTZ channels from 0). */
    ptzChannel: Type.Optional(Type.Integer({ minimum: 0, maximum: 1024 })),
    /** Force PTZ on or off; default: ask `ptz.cgi?action=getCurrentProtocolCaps`. */
    ptz: Type.Optional(Type.Boolean()),
    /** RTSP port; default the device's `RTSP.Port` config, else 554. */
    rtspPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** Talk HTTPS to the API; default false. */
    https: Type.Optional(Type.Boolean()),
    /** Verify the device's TLS certificate; default false (cameras ship self-signed ones). */
    tlsVerify: Type.Optional(Type.Boolean()),
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the Dahua driver. */
export type DahuaCameraOptions = Static<typeof DahuaCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'dahua',
  name: 'Dahua HTTP API',
  vendor: 'Dahua',
  version: '0.1.0',
  cameraTypes: [5, 7, 8],
  protocols: ['http', 'rtsp'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'],
};

/** The vendor API answered with its own document. */
const SCORE_IDENTIFIED = 95;
/** Only the Digest realm looked like Dahua's. */
const SCORE_REALM_HINT = 60;
/** Dahua realms: `Login to <serial>` (older firmware `Login to <name>` or a hash). */
const DAHUA_REALM = /^Login to\b/i;

const SYSTEM_INFO = '/cgi-bin/magicBox.cgi?action=getSystemInfo';
const DEFAULT_RTSP_PORT = 554;

/** Profile id of an RTSP subtype: `main` (0), `sub` (1), `sub2` (2)... */
export function profileIdOfSubtype(subtype: number): string {
  return subtype === 0 ? 'main' : subtype === 1 ? 'sub' : `sub${subtype}`;
}

/** RTSP subtype of a profile id, or `undefined` for an id this driver never hands out. */
export function subtypeOfProfileId(id: string): number | undefined {
  if (id === 'main') return 0;
  if (id === 'sub') return 1;
  const match = /^sub([2-9])$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

/** True when bytes look like a complete JPEG (SOI at the start, EOI at the end, ignoring trailing padding). */
function isCompleteJpeg(data: Uint8Array): boolean {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return false;
  let end = data.length;
  while (end > 2 && (data[end - 1] === 0x00 || data[end - 1] === 0x0a || data[end - 1] === 0x0d)) end -= 1;
  return data[end - 2] === 0xff && data[end - 1] === 0xd9;
}

/**
 * The driver for Dahua devices over the Dahua HTTP API (camera types 5 Dahua/KBVision/Amcrest IP cameras and PTZ,
 * 7 NVR/XVR channels, 8 Imou): identity from `magicBox.cgi`, stream profiles from the `Encode` config, live media
 * over RTSP `/cam/realmonitor?channel=N&subtype=S` (the native path), snapshots from `snapshot.cgi`, PTZ through
 * `ptz.cgi`, and events from the `eventManager.cgi` multipart stream.
 */
export class DahuaDriver extends BaseDriver {
  /** The driver's manifest (id `dahua`). */
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = DahuaCameraOptionsSchema;
  readonly #options: DahuaDriverOptions;

  constructor(options: DahuaDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    const scheme = endpoint.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') return null;
    const baseUrl = deviceUrl({ scheme, host: endpoint.host, port: endpoint.port });
    const timeoutMs = Math.min(options.timeoutMs, this.#options.timeoutMs ?? options.timeoutMs);
    const common = { baseUrl, timeoutMs, logger: this.logger, tls: { rejectUnauthorized: false } };
    const anonymous = new DeviceHttpClient(common);
    let first;
    try {
      first = await anonymous.request({ path: SYSTEM_INFO, signal: options.signal });
    } catch (err) {
      // Something that does not speak HTTP at all is clearly not a Dahua API.
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
      throw err;
    } finally {
      await anonymous.close();
    }
    if (first.status === 200) return this.#identified(first.text(), baseUrl, { auth: 'none' });
    if (first.status !== 401) return null;
    const realm = parseAuthChallenges(first.headers['www-authenticate'] ?? '').find((c) => c.scheme === 'digest')?.params['realm'];
    if (realm === undefined || !DAHUA_REALM.test(realm)) return null;
    if (endpoint.username === undefined || endpoint.username === '') {
      return { driver: MANIFEST.id, score: SCORE_REALM_HINT, details: { realm } };
    }
    const http = new DeviceHttpClient({ ...common, username: endpoint.username, password: endpoint.password ?? '' });
    try {
      // A 401 after authenticating throws ARGUS_ERR_DRIVER_AUTH: a recognised device with the wrong password.
      const reply = await http.request({ path: SYSTEM_INFO, signal: options.signal });
      if (reply.status !== 200) return { driver: MANIFEST.id, score: SCORE_REALM_HINT, details: { realm, status: reply.status } };
      return this.#identified(reply.text(), baseUrl, { realm }) ?? { driver: MANIFEST.id, score: SCORE_REALM_HINT, details: { realm } };
    } finally {
      await http.close();
    }
  }

  #identified(text: string, endpoint: string, details: Record<string, unknown>): ProbeMatch | null {
    let info: DahuaSystemInfo;
    try {
      info = parseSystemInfo(text, { endpoint });
    } catch (err) {
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
      throw err;
    }
    return {
      driver: MANIFEST.id,
      score: SCORE_IDENTIFIED,
      cameraType: dahuaCameraType(info.deviceType),
      model: dahuaModel(info),
      details: { ...details, serial: info.serialNumber, deviceType: info.deviceType },
    };
  }

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as DahuaCameraOptions;
    const channel = options.channel ?? 1;
    const ptzChannel = options.ptzChannel ?? channel - 1;
    const scheme = options.https === true ? 'https' : 'http';
    const baseUrl = deviceUrl({ scheme, host: config.host, port: config.port });
    const timeoutMs = this.#options.timeoutMs;
    const credentials = {
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
    };
    const http = new DeviceHttpClient({
      baseUrl,
      ...credentials,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      logger: this.logger,
      tls: { rejectUnauthorized: options.tlsVerify ?? false },
    });
    const api = new DahuaApi(http);
    try {
      // Reading the identity proves the device answers and the credentials work before the session is handed out.
      parseSystemInfo(await api.text(SYSTEM_INFO), { endpoint: api.endpoint });
      const ptz = await this.#ptz(api, options, ptzChannel);
      let rtspPort: Promise<number> | undefined;
      const resolveRtspPort = (): Promise<number> => {
        rtspPort ??= this.#rtspPort(api, options).catch((err: unknown) => {
          rtspPort = undefined;
          throw err;
        });
        return rtspPort;
      };
      const rtspUrl = (port: number, subtype: number): string =>
        deviceUrl({ scheme: 'rtsp', host: config.host, port, path: `/cam/realmonitor?channel=${channel}&subtype=${subtype}` });

      return createDeviceSession(
        {
          deviceInfo: { getDeviceInfo: () => this.#deviceInfo(api) },
          streams: {
            getStreamProfiles: async (): Promise<StreamProfile[]> => {
              const streams = parseEncodeConfig(await api.text('/cgi-bin/configManager.cgi?action=getConfig&name=Encode'), channel, { endpoint: api.endpoint });
              const port = await resolveRtspPort();
              return streams
                .filter((s) => s.enabled)
                .map((s) => ({
                  id: profileIdOfSubtype(s.subtype),
                  name: s.subtype === 0 ? 'Main stream' : `Sub stream ${s.subtype}`,
                  codec: s.codec,
                  width: s.width,
                  height: s.height,
                  ...(s.fps === undefined ? {} : { fps: s.fps }),
                  ...(s.bitrateKbps === undefined ? {} : { bitrateKbps: s.bitrateKbps }),
                  uri: rtspUrl(port, s.subtype),
                }));
            },
          },
          liveMedia: {
            openStream: (profileId: string): Observable<MediaPacket> => {
              const subtype = subtypeOfProfileId(profileId);
              if (subtype === undefined) throw new TypeError(`Unknown stream profile "${profileId}"`);
              return defer(() => resolveRtspPort()).pipe(
                switchMap((port) =>
                  rtspSource({
                    url: rtspUrl(port, subtype),
                    ...credentials,
                    transport: options.transport ?? this.#options.transport ?? 'tcp',
                    logger: this.logger,
                    ...(timeoutMs === undefined ? {} : { timeoutMs }),
                  }),
                ),
              );
            },
          },
          snapshot: {
            snapshot: async (): Promise<Snapshot> => {
              const reply = await api.bytes(`/cgi-bin/snapshot.cgi?channel=${channel}`);
              if (!isCompleteJpeg(reply.body)) {
                throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: api.endpoint, reason: 'snapshot.cgi did not answer a complete JPEG' });
              }
              return { contentType: 'image/jpeg', data: reply.body };
            },
          },
          ...(ptz === undefined ? {} : { ptz }),
          events: {
            events$: dahuaEvents$({
              api,
              channel,
              clock: this.clock,
              logger: this.logger,
              ...(this.#options.heartbeatSec === undefined ? {} : { heartbeatSec: this.#options.heartbeatSec }),
              ...(this.#options.eventRetryInitialMs === undefined ? {} : { initialDelayMs: this.#options.eventRetryInitialMs }),
              ...(this.#options.eventRetryMaxMs === undefined ? {} : { maxDelayMs: this.#options.eventRetryMaxMs }),
            }),
          },
        },
        async () => {
          ptz?.dispose();
          await api.close();
        },
      );
    } catch (err) {
      await api.close();
      throw err;
    }
  }

  /** PTZ when forced on, or when the device reports pan, tilt or zoom; `undefined` otherwise. */
  async #ptz(api: DahuaApi, options: DahuaCameraOptions, ptzChannel: number): Promise<DahuaPtz | undefined> {
    if (options.ptz === false) return undefined;
    let maxPresets: number | undefined;
    if (options.ptz !== true) {
      try {
        const caps = parsePtzCaps(await api.text(`/cgi-bin/ptz.cgi?action=getCurrentProtocolCaps&channel=${ptzChannel}`), { endpoint: api.endpoint });
        if (!caps.pan && !caps.tilt && !caps.zoom) return undefined;
        maxPresets = caps.presetMax;
      } catch (err) {
        // A fixed camera refuses the PTZ API (400 "Error", 404): no PTZ. Anything else is a real failure.
        if (isRequestRefused(err)) return undefined;
        throw err;
      }
    }
    return new DahuaPtz({ api, channel: ptzChannel, logger: this.logger, ...(maxPresets === undefined ? {} : { maxPresets }) });
  }

  async #rtspPort(api: DahuaApi, options: DahuaCameraOptions): Promise<number> {
    if (options.rtspPort !== undefined) return options.rtspPort;
    try {
      return parseRtspPort(await api.text('/cgi-bin/configManager.cgi?action=getConfig&name=RTSP'), { endpoint: api.endpoint }) ?? DEFAULT_RTSP_PORT;
    } catch (err) {
      if (isRequestRefused(err)) return DEFAULT_RTSP_PORT;
      throw err;
    }
  }

  async #deviceInfo(api: DahuaApi): Promise<DeviceInfo> {
    const endpoint = api.endpoint;
    const info = parseSystemInfo(await api.text(SYSTEM_INFO), { endpoint });
    const firmware = parseSoftwareVersion(await api.text('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'), { endpoint });
    const manufacturer = await this.#optional(() => api.text('/cgi-bin/magicBox.cgi?action=getVendor').then((t) => parseVendor(t, { endpoint })));
    const mac = await this.#optional(() => api.text('/cgi-bin/configManager.cgi?action=getConfig&name=Network').then((t) => parseNetworkMac(t, { endpoint })));
    return {
      manufacturer: manufacturer ?? 'Dahua',
      model: dahuaModel(info),
      firmware: firmware.version,
      serial: info.serialNumber,
      ...(info.hardwareVersion === undefined ? {} : { hardwareId: info.hardwareVersion }),
      ...(mac === undefined ? {} : { mac }),
    };
  }

  /** A call some firmware does not answer (400 "Error", 404): `undefined` then. */
  async #optional<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (isRequestRefused(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The Dahua driver factory (camera types 5, 7 and 8).
 *
 * @example
 * ```ts
 * kernel.drivers.register(dahua({ heartbeatSec: 5 }));
 * await kernel.devices.add({ id: 'dome-3', driver: 'dahua', cameraType: 5, ptz: true,
 *   connection: { host: '10.0.0.7', username: 'admin', password: 'S3cret!pass', options: { channel: 1 } }, ... });
 * ```
 */
export function dahua(options: DahuaDriverOptions = {}): DriverFactory {
  return (components) => new DahuaDriver(options, components);
}
