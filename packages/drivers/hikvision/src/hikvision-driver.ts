import { Type, type Static } from '@sinclair/typebox';
import {
  ArgusError,
  BaseDriver,
  createDeviceSession,
  deviceUrl,
  hasErrorCode,
  type CapabilityImplementations,
  type ConnectConfig,
  type DeviceEvent,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type Snapshot,
  type StreamProfile,
} from '@argus/core';
import { isJpeg, rtspSource, type RtspSourceObservable } from '@argus/core/media';
import { DeviceHttpClient } from '@argus/driver-kit';
import { alertStreamQuirk, type AlertStreamQuirk } from './alert-quirks.js';
import { alertStream$ } from './alert-stream.js';
import { AlertTracker } from './alert-tracker.js';
import type { IsapiDeviceFamily } from './device-families.js';
import { IsapiClient } from './isapi-client.js';
import { IsapiPtz } from './isapi-ptz.js';
import { parseAdminAccesses, rtspPortOf } from './parse-admin-accesses.js';
import { familyOf, parseDeviceInfo, toDeviceInfo, type IsapiDeviceInfo } from './parse-device-info.js';
import { parseInputProxyChannels } from './parse-input-proxy-channels.js';
import { parsePtzCapabilities, type IsapiPtzCapabilities } from './parse-ptz.js';
import { tryParseResponseStatus } from './parse-response-status.js';
import { parseStreamingChannels, streamingChannelId, type IsapiStreamingChannel } from './parse-streaming-channels.js';
import { isapiHint, type IsapiHint } from './probe-hints.js';
import { describeProfile } from './rtsp-profile.js';

/** Options of {@link hikvision}: defaults for every camera of this driver. */
export interface HikvisionDriverOptions {
  /** Per-request timeout of ISAPI and RTSP requests; default 10 s. */
  timeoutMs?: number;
  /** RTP transport of live media; default `tcp`. */
  transport?: 'tcp' | 'udp';
  /** Extra alertStream quirk rows, tried before {@link ALERT_STREAM_QUIRKS}. */
  alertQuirks?: readonly AlertStreamQuirk[];
  /** Overrides the quirk table's quiet period after which a silent motion/tamper/intrusion event has stopped. */
  heldQuietMs?: number;
  /** First alertStream reconnection delay (doubling up to 30 s); default 1000 ms. */
  eventBackoffMs?: number;
  /** Reconnect the alertStream when it is silent this long (devices send heartbeats); default 120 000 ms. */
  alertStreamIdleMs?: number;
  /** Replaces the device family table (camera / recorder / Ezviz rows). */
  deviceFamilies?: readonly IsapiDeviceFamily[];
}

/** Per-camera settings, in `camera.connection.options`. */
export const HikvisionCameraOptionsSchema = Type.Object(
  {
    /** Video channel: 1 for cameras; the recorder channel N for NVR/DVR channels (streams `N01`/`N02`). */
    channel: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
    /** RTSP port when the device does not report one in `/ISAPI/Security/adminAccesses`; default 554. */
    rtspPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** `http` (default) or `https` for ISAPI. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
    /** Verify the device's TLS certificate (most carry self-signed ones); default false. */
    verifyTls: Type.Optional(Type.Boolean()),
    /** False for devices reached over RTSP only (Ezviz with LAN ISAPI off); default true. */
    isapi: Type.Optional(Type.Boolean()),
    /** RTP transport; default the driver's. */
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the Hikvision driver. */
export type HikvisionCameraOptions = Static<typeof HikvisionCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'hikvision',
  name: 'Hikvision ISAPI',
  vendor: 'Hikvision',
  version: '0.1.0',
  cameraTypes: [1, 3, 4],
  protocols: ['isapi', 'http', 'rtsp'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'],
};

const DEVICE_INFO = '/ISAPI/System/deviceInfo';
const ADMIN_ACCESSES = '/ISAPI/Security/adminAccesses';
const STREAMING_CHANNELS = '/ISAPI/Streaming/channels';
const INPUT_PROXY_CHANNELS = '/ISAPI/ContentMgmt/InputProxy/channels';
const DEFAULT_RTSP_PORT = 554;
/** Probe scores: the device answered with its own `<DeviceInfo>` in an ISAPI namespace; without one. */
const SCORE_ISAPI_DOCUMENT = 95;
const SCORE_DEVICE_INFO = 85;

/** A failure that means "the device does not have this", as opposed to "the device is unwell". */
function isMissing(err: unknown): boolean {
  return hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL');
}

/** The RTSP server has no such stream (a sub stream turned off). */
function isMissingStream(err: unknown): boolean {
  return hasErrorCode(err, 'ARGUS_ERR_RTSP_NOT_FOUND') || hasErrorCode(err, 'ARGUS_ERR_RTSP_STATUS');
}

type Credentials = { username?: string; password?: string };

/** The camera's credentials for ISAPI and RTSP (absent ones left out). */
function credentialsOf(config: ConnectConfig): Credentials {
  return {
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
}

/** The profile a stream id names; this driver hands out `main` and `sub` only. */
function profileOf(profileId: string): 'main' | 'sub' {
  if (profileId !== 'main' && profileId !== 'sub') throw new TypeError(`Unknown stream profile "${profileId}" (expected main or sub)`);
  return profileId;
}

/** Hikvision's RTSP path of a channel's stream: `/Streaming/Channels/<ch>01` (main) or `<ch>02` (sub). */
function streamUrl(host: string, port: number, channel: number, profile: 'main' | 'sub'): string {
  return deviceUrl({ scheme: 'rtsp', host, port, path: `/Streaming/Channels/${streamingChannelId(channel, profile)}` });
}

/**
 * The driver for Hikvision ISAPI devices: IP cameras and PTZ domes (type 1), NVR/DVR channels (type 3) and Ezviz
 * (type 4). Identity from `/ISAPI/System/deviceInfo`, streams from `/ISAPI/Streaming/channels` played over RTSP
 * (`/Streaming/Channels/<ch>01|02`, port from `/ISAPI/Security/adminAccesses`), pictures, PTZ and presets over
 * `/ISAPI/PTZCtrl`, events from the alertStream with motion stops derived from a quiet period.
 */
export class HikvisionDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = HikvisionCameraOptionsSchema;
  readonly #options: HikvisionDriverOptions;

  constructor(options: HikvisionDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    const scheme = endpoint.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') return null;
    const baseUrl = deviceUrl({ scheme, host: endpoint.host, port: endpoint.port });
    const common = { baseUrl, timeoutMs: options.timeoutMs, logger: this.logger, tls: { rejectUnauthorized: false }, connections: 1 };
    const anonymous = new DeviceHttpClient(common);
    try {
      let res;
      try {
        res = await anonymous.request({ path: DEVICE_INFO, signal: options.signal });
      } catch (err) {
        // Bytes that are not HTTP: not an ISAPI device.
        if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
        throw err;
      }
      if (res.status >= 200 && res.status <= 299) return this.#matchDeviceInfo(res.text(), anonymous.endpoint, undefined);
      if (res.status !== 401) return null;
      const hint = isapiHint(res.headers, res.text());
      if (endpoint.username === undefined || endpoint.username === '') return hint === undefined ? null : this.#hintMatch(hint);
      const authenticated = new DeviceHttpClient({ ...common, username: endpoint.username, password: endpoint.password ?? '' });
      try {
        const text = await authenticated.text({ path: DEVICE_INFO, signal: options.signal });
        return this.#matchDeviceInfo(text, authenticated.endpoint, hint);
      } catch (err) {
        if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH')) {
          // Wrong credentials on a device that looks like ours is an answer; elsewhere it says nothing.
          if (hint !== undefined) throw err;
          return null;
        }
        if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) return hint === undefined ? null : this.#hintMatch(hint);
        throw err;
      } finally {
        await authenticated.close();
      }
    } finally {
      await anonymous.close();
    }
  }

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as HikvisionCameraOptions;
    if (options.isapi === false) return this.#rtspOnlySession(config, options);
    const channel = options.channel ?? 1;
    const scheme = options.scheme ?? 'http';
    const credentials = credentialsOf(config);
    const http = new DeviceHttpClient({
      baseUrl: deviceUrl({ scheme, host: config.host, port: config.port }),
      ...credentials,
      ...this.#requestOptions(),
      tls: { rejectUnauthorized: options.verifyTls ?? false },
    });
    const client = new IsapiClient(http);
    let ptz: IsapiPtz | undefined;
    try {
      const info = parseDeviceInfo(await client.get(DEVICE_INFO), http.endpoint);
      const family = familyOf(info, this.#options.deviceFamilies);
      const rtspPort = await this.#rtspPort(client, channel, options.rtspPort);
      const channelName = family.recorder ? await this.#checkRecorderChannel(client, channel) : undefined;
      const ptzCaps = await this.#ptzCapabilities(client, channel);
      ptz = ptzCaps === undefined ? undefined : new IsapiPtz(client, channel, ptzCaps);
      const streamIds = { main: streamingChannelId(channel, 'main'), sub: streamingChannelId(channel, 'sub') } as const;
      const uri = (profile: 'main' | 'sub') => streamUrl(config.host, rtspPort, channel, profile);

      const implementations: CapabilityImplementations = {
        deviceInfo: { getDeviceInfo: async () => toDeviceInfo(parseDeviceInfo(await client.get(DEVICE_INFO), http.endpoint), this.#options.deviceFamilies) },
        streams: { getStreamProfiles: () => this.#streamProfiles(client, streamIds, uri, channelName, credentials) },
        liveMedia: { openStream: (profileId) => this.#openStream(uri(profileOf(profileId)), credentials, options) },
        snapshot: { snapshot: (profileId) => this.#snapshot(client, streamIds[profileOf(profileId ?? 'main')]) },
        ...(ptz === undefined ? {} : { ptz }),
        ...(family.alertStream ? { events: { events$: alertStream$(this.#alertStreamOptions(client, info, family.recorder ? channel : undefined)) } } : {}),
      };
      const ptzToDispose = ptz;
      return createDeviceSession(implementations, async () => {
        ptzToDispose?.dispose();
        await http.close();
      });
    } catch (err) {
      ptz?.dispose();
      await http.close();
      throw err;
    }
  }

  // ---- probe ----

  #matchDeviceInfo(text: string, endpoint: string, hint: IsapiHint | undefined): ProbeMatch | null {
    let info: IsapiDeviceInfo;
    try {
      info = parseDeviceInfo(text, endpoint);
    } catch (err) {
      // A device that looked like ours and sent a broken document is ours and unwell; anything else is not ours.
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL') && hint === undefined) return null;
      throw err;
    }
    const family = familyOf(info, this.#options.deviceFamilies);
    return {
      driver: MANIFEST.id,
      score: info.isapiNamespace ? SCORE_ISAPI_DOCUMENT : SCORE_DEVICE_INFO,
      cameraType: family.cameraType,
      model: info.model,
      details: {
        family: family.name,
        firmware: info.firmwareVersion,
        serial: info.serialNumber,
        ...(info.deviceType === undefined ? {} : { deviceType: info.deviceType }),
        ...(info.namespace === undefined ? {} : { namespace: info.namespace }),
      },
    };
  }

  #hintMatch(hint: IsapiHint): ProbeMatch {
    return {
      driver: MANIFEST.id,
      score: hint.score,
      ...(hint.model === undefined ? {} : { model: hint.model }),
      details: { hint: hint.matched, ...(hint.realm === undefined ? {} : { realm: hint.realm }) },
    };
  }

  // ---- connect helpers ----

  async #rtspPort(client: IsapiClient, channel: number, fallback: number | undefined): Promise<number> {
    try {
      const port = rtspPortOf(parseAdminAccesses(await client.get(ADMIN_ACCESSES), client.endpoint));
      if (port !== undefined) return port;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    try {
      const [own] = parseStreamingChannels(await client.get(`${STREAMING_CHANNELS}/${streamingChannelId(channel, 'main')}`), client.endpoint);
      if (own?.rtspPort !== undefined) return own.rtspPort;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    return fallback ?? DEFAULT_RTSP_PORT;
  }

  /** A recorder channel must exist; its InputProxy name (the IP camera's) is kept for profile names. */
  async #checkRecorderChannel(client: IsapiClient, channel: number): Promise<string | undefined> {
    let channels: IsapiStreamingChannel[] | undefined;
    try {
      channels = parseStreamingChannels(await client.get(STREAMING_CHANNELS), client.endpoint);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (channels !== undefined && channels.length > 0 && !channels.some((c) => c.id === streamingChannelId(channel, 'main'))) {
      throw new ArgusError('ARGUS_ERR_DRIVER_CONFIG_INVALID', {
        driver: MANIFEST.id,
        reason: `the recorder has no channel ${channel} (stream ${streamingChannelId(channel, 'main')})`,
        errors: [{ path: '/options/channel', message: `no channel ${channel} on the recorder` }],
      });
    }
    try {
      return parseInputProxyChannels(await client.get(INPUT_PROXY_CHANNELS), client.endpoint).find((c) => c.id === channel)?.name;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return undefined;
    }
  }

  async #ptzCapabilities(client: IsapiClient, channel: number): Promise<IsapiPtzCapabilities | undefined> {
    try {
      return parsePtzCapabilities(await client.get(`/ISAPI/PTZCtrl/channels/${channel}/capabilities`), client.endpoint);
    } catch (err) {
      if (!isMissing(err)) throw err;
      return undefined;
    }
  }

  async #streamProfiles(
    client: IsapiClient,
    ids: { readonly main: string; readonly sub: string },
    uri: (profile: 'main' | 'sub') => string,
    channelName: string | undefined,
    credentials: Credentials,
  ): Promise<StreamProfile[]> {
    let channels: IsapiStreamingChannel[] | undefined;
    try {
      channels = parseStreamingChannels(await client.get(STREAMING_CHANNELS), client.endpoint);
    } catch (err) {
      if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) throw err;
    }
    const profiles: StreamProfile[] = [];
    for (const profile of ['main', 'sub'] as const) {
      const channel = channels?.find((c) => c.id === ids[profile]);
      if (channel !== undefined) {
        if (!channel.enabled) continue;
        profiles.push({
          id: profile,
          name: `${channelName ?? channel.name ?? 'Camera'} ${profile}`,
          codec: channel.codec,
          width: channel.width,
          height: channel.height,
          ...(channel.fps === undefined ? {} : { fps: channel.fps }),
          ...(channel.bitrateKbps === undefined ? {} : { bitrateKbps: channel.bitrateKbps }),
          uri: uri(profile),
        });
      } else if (channels === undefined) {
        // No ISAPI streaming list (an ISAPI subset): the stream's own SDP says what it is.
        try {
          profiles.push(await describeProfile(profile, uri(profile), credentials, this.#requestOptions()));
        } catch (err) {
          if (profile === 'main' || !isMissingStream(err)) throw err;
        }
      }
    }
    return profiles;
  }

  async #snapshot(client: IsapiClient, streamId: string): Promise<Snapshot> {
    const path = `${STREAMING_CHANNELS}/${streamId}/picture`;
    const res = await client.getBytes(path);
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!isJpeg(res.body)) {
      // Some firmware answers 200 with a <ResponseStatus> (deviceError, badXmlContent) instead of a picture.
      const status = contentType.includes('xml') ? tryParseResponseStatus(res.text(), client.endpoint) : undefined;
      if (status !== undefined) {
        throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', {
          endpoint: client.endpoint,
          method: 'GET',
          path,
          status: res.status,
          statusCode: status.statusCode,
          statusString: status.statusString,
          subStatusCode: status.subStatusCode,
        });
      }
      throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
        endpoint: client.endpoint,
        reason: `${path} did not answer a complete JPEG (${contentType || 'no content type'}, ${res.body.byteLength} bytes)`,
      });
    }
    return { contentType: 'image/jpeg', data: res.body };
  }

  #alertStreamOptions(client: IsapiClient, info: IsapiDeviceInfo, recorderChannel: number | undefined) {
    const base = alertStreamQuirk({ model: info.model, firmware: info.firmwareVersion, ...(info.deviceType === undefined ? {} : { deviceType: info.deviceType }) }, this.#options.alertQuirks);
    const quirk = this.#options.heldQuietMs === undefined ? base : { ...base, heldQuietMs: this.#options.heldQuietMs };
    const filter =
      recorderChannel === undefined ? undefined : (event: DeviceEvent) => event.kind === 'io' || event.channel === undefined || event.channel === recorderChannel;
    return {
      client,
      tracker: () => new AlertTracker(quirk),
      clock: this.clock,
      logger: this.logger,
      ...(filter === undefined ? {} : { filter }),
      ...(this.#options.eventBackoffMs === undefined ? {} : { backoffMs: this.#options.eventBackoffMs }),
      ...(this.#options.alertStreamIdleMs === undefined ? {} : { idleTimeoutMs: this.#options.alertStreamIdleMs }),
    };
  }

  /** The driver's per-request timeout and logger, for ISAPI and RTSP clients. */
  #requestOptions(): { timeoutMs?: number; logger: DriverComponents['logger'] } {
    return { ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }), logger: this.logger };
  }

  /** Live media of one stream over RTSP, in the camera's transport (else the driver's, else TCP). */
  #openStream(url: string, credentials: Credentials, options: HikvisionCameraOptions): RtspSourceObservable {
    return rtspSource({ url, ...credentials, transport: options.transport ?? this.#options.transport ?? 'tcp', ...this.#requestOptions() });
  }

  /** Ezviz with LAN ISAPI off: RTSP at Hikvision's paths, profiles from the SDP; the DESCRIBE checks credentials. */
  async #rtspOnlySession(config: ConnectConfig, options: HikvisionCameraOptions): Promise<DeviceSession> {
    const port = options.rtspPort ?? config.port ?? DEFAULT_RTSP_PORT;
    const channel = options.channel ?? 1;
    const credentials = credentialsOf(config);
    const uri = (profile: 'main' | 'sub') => streamUrl(config.host, port, channel, profile);
    const main = await describeProfile('main', uri('main'), credentials, this.#requestOptions());
    return createDeviceSession({
      streams: {
        getStreamProfiles: async () => {
          const profiles = [main];
          try {
            profiles.push(await describeProfile('sub', uri('sub'), credentials, this.#requestOptions()));
          } catch (err) {
            if (!isMissingStream(err)) throw err;
          }
          return profiles;
        },
      },
      liveMedia: { openStream: (profileId) => this.#openStream(uri(profileOf(profileId)), credentials, options) },
    });
  }
}

/**
 * The Hikvision ISAPI driver factory.
 *
 * @example
 * ```ts
 * kernel.drivers.register(hikvision({ heldQuietMs: 5000 }));
 * await kernel.devices.add({ id: 'gate-1', driver: 'hikvision', cameraType: 1,
 *   connection: { host: '10.0.0.5', username: 'admin', password: 'S3cret!pass', options: { channel: 1 } }, ... });
 * ```
 */
export function hikvision(options: HikvisionDriverOptions = {}): DriverFactory {
  return (components) => new HikvisionDriver(options, components);
}
