import { Type, type Static } from '@sinclair/typebox';
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
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type Snapshot,
  type StreamProfile,
} from '@argus/core';
import { RtspClient, rtspSource, videoTrackFromParameterSets, type RtspDescription, type SdpTrack } from '@argus/core/media';
import { DeviceHttpClient, parseAuthChallenges, type DeviceRequest } from '@argus/driver-kit';
import { AxisPtz } from './axis-ptz.js';
import { mediaUrl, subResolution } from './axis-streams.js';
import { metadataEvents$ } from './metadata-events.js';
import { normalizeMac, parseBasicDeviceInfo, parseParamDeviceInfo, toDeviceInfo, vapixJsonError, type AxisDeviceProperties } from './parse-device-info.js';
import { paramFlag, paramNumber, paramValue, parseParamList, type ParamList } from './parse-param-list.js';
import { parsePtzParams } from './parse-ptz-params.js';

/** Options of {@link axis}: defaults for every camera of this driver. */
export interface AxisDriverOptions {
  /** Per-request timeout (HTTP and RTSP); default 10 s. */
  timeoutMs?: number;
  /** RTP transport of live streams; default `tcp`. */
  transport?: 'tcp' | 'udp';
  /** First reconnection delay of the event stream (doubling up to 10 s); default 250 ms. */
  eventsBackoffMs?: number;
}

/** Per-camera settings, in `camera.connection.options`. */
export const AxisCameraOptionsSchema = Type.Object(
  {
    /** `http` (default) or `https` for the VAPIX API. */
    scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
    /** Verify the device's TLS certificate (https only); default false, cameras use self-signed ones. */
    verifyTls: Type.Optional(Type.Boolean()),
    /** RTSP port; default what the device reports in `Network.RTSP.Port`, else 554. */
    rtspPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** Video channel of multi-channel encoders and multi-sensor cameras (`camera=<n>`); default 1. */
    camera: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** Query of the main stream after `media.amp?`; default `videocodec=h264`. */
    mainStream: Type.Optional(Type.String({ maxLength: 512 })),
    /** Query of the sub stream; default `videocodec=h264&resolution=<a small resolution the device lists>`. */
    subStream: Type.Optional(Type.String({ maxLength: 512 })),
    /** RTP transport of live streams; default the driver's (`tcp`). */
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
    /** Open the RTSP metadata event stream; default true. */
    events: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Per-camera settings of the Axis driver. */
export type AxisCameraOptions = Static<typeof AxisCameraOptionsSchema>;

const MANIFEST: DriverManifest = {
  id: 'axis',
  name: 'Axis VAPIX',
  vendor: 'Axis Communications',
  version: '0.1.0',
  cameraTypes: [9],
  protocols: ['vapix', 'http', 'rtsp'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'],
};

const CAMERA_TYPE = 9;
const BASIC_DEVICE_INFO = '/axis-cgi/basicdeviceinfo.cgi';
const PARAM_CGI = '/axis-cgi/param.cgi';
/** The groups read at connect, in one `param.cgi` request. */
const CONNECT_GROUPS = [
  'root.Brand',
  'root.Properties',
  'root.Network.RTSP',
  'root.Network.eth0.MACAddress',
  'root.Image.I0.Appearance.Resolution',
  'root.PTZ',
];
const AXIS_REALM = /^AXIS_[0-9A-F]{12}$/i;

/** Probe scores: the device answered with its own VAPIX document, or only its authentication realm looks Axis. */
const SCORE_IDENTIFIED = 95;
const SCORE_OEM = 85;
const SCORE_REALM = 65;

/** A `basicdeviceinfo.cgi` JSON API call (`getAllProperties`, `getAllUnrestrictedProperties`). */
function basicDeviceInfoRequest(method: string, signal?: AbortSignal): DeviceRequest {
  const body = JSON.stringify({ apiVersion: '1.0', context: 'argus', method });
  return { method: 'POST', path: BASIC_DEVICE_INFO, headers: { 'Content-Type': 'application/json' }, body, ...(signal === undefined ? {} : { signal }) };
}

/**
 * SOI at the start and EOI near the end: laxer than `isJpeg` of `@argus/core/media` (EOI as the last two bytes)
 * because some Axis encoders pad a few bytes after the EOI marker.
 */
function isPaddedJpeg(data: Uint8Array): boolean {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return false;
  // The EOI marker ends the image; some encoders pad a few bytes after it.
  for (let i = data.length - 2; i >= Math.max(2, data.length - 64); i--) if (data[i] === 0xff && data[i + 1] === 0xd9) return true;
  return false;
}

function videoFormat(video: SdpTrack | undefined): Pick<StreamProfile, 'codec' | 'width' | 'height' | 'fps'> {
  if (video === undefined) return { codec: 'none', width: 0, height: 0 };
  const codec = video.codec === 'other' ? video.encoding.toLowerCase() : video.codec;
  if ((video.codec === 'h264' || video.codec === 'h265') && video.parameterSets.length > 0) {
    try {
      const track = videoTrackFromParameterSets(video.codec, video.parameterSets, 0);
      return { codec, width: track.width ?? 0, height: track.height ?? 0, ...(track.fps === undefined ? {} : { fps: track.fps }) };
    } catch (err) {
      if (!hasErrorCode(err)) throw err;
    }
  }
  return { codec, width: video.width ?? 0, height: video.height ?? 0, ...(video.framerate === undefined ? {} : { fps: video.framerate }) };
}

/**
 * The driver for Axis network cameras and video encoders over VAPIX (camera type 9): identity from
 * `basicdeviceinfo.cgi` (or `param.cgi` Brand/Properties on older firmware), live media and stream profiles over
 * RTSP `/axis-media/media.amp`, JPEG snapshots from `jpg/image.cgi`, PTZ through `com/ptz.cgi`, and events from the
 * RTSP metadata stream (`?video=0&audio=0&event=on`, ONVIF `tt:MetadataStream` in RTP).
 */
export class AxisDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  protected override readonly optionsSchema = AxisCameraOptionsSchema;
  readonly #options: AxisDriverOptions;

  constructor(options: AxisDriverOptions, components: DriverComponents) {
    super(components);
    this.#options = options;
  }

  // ---- probe ----

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    const scheme = endpoint.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') return null;
    const url = deviceUrl({ scheme, host: endpoint.host, port: endpoint.port });
    const timeoutMs = Math.min(options.timeoutMs, this.#options.timeoutMs ?? 10_000);
    const common = { baseUrl: url, timeoutMs, logger: this.logger, tls: { rejectUnauthorized: false } };
    const anonymous = new DeviceHttpClient(common);
    try {
      const signal = options.signal;
      let response;
      try {
        response = await anonymous.request(basicDeviceInfoRequest('getAllUnrestrictedProperties', signal));
        if (response.status === 200 && vapixJsonError(safeJson(response.text())) !== undefined) {
          // Basic device info 1.0 has no unrestricted method; its full one is often open too.
          response = await anonymous.request(basicDeviceInfoRequest('getAllProperties', signal));
        }
        if (response.status === 404) response = await anonymous.request({ path: `${PARAM_CGI}?action=list&group=root.Brand`, signal });
      } catch (err) {
        // Bytes that are not HTTP: whatever it is, it is not a VAPIX device.
        if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return null;
        throw err;
      }
      if (response.status === 200) return this.#matchAnonymous(response.text(), url);
      if (response.status !== 401) return null;
      const realm = parseAuthChallenges(response.headers['www-authenticate'] ?? '').map((c) => c.params['realm']).find((r) => r !== undefined && AXIS_REALM.test(r));
      if (realm === undefined) return null;
      const mac = normalizeMac(realm.slice('AXIS_'.length));
      if (endpoint.username === undefined) {
        return { driver: MANIFEST.id, score: SCORE_REALM, cameraType: CAMERA_TYPE, details: { realm, ...(mac === undefined ? {} : { mac }) } };
      }
      const http = new DeviceHttpClient({ ...common, username: endpoint.username, password: endpoint.password ?? '' });
      try {
        const list = parseParamList(await http.text({ path: `${PARAM_CGI}?action=list&group=root.Brand`, signal }), { endpoint: http.endpoint });
        const props = parseParamDeviceInfo(list, { endpoint: http.endpoint });
        return this.#match(props, { realm, ...(mac === undefined ? {} : { mac }) });
      } finally {
        await http.close();
      }
    } finally {
      await anonymous.close();
    }
  }

  #matchAnonymous(text: string, endpoint: string): ProbeMatch | null {
    try {
      const json = safeJson(text);
      const props = json === undefined ? parseParamDeviceInfo(parseParamList(text, { endpoint }), { endpoint }) : parseBasicDeviceInfo(json, { endpoint });
      return this.#match(props, {});
    } catch (err) {
      if (hasErrorCode(err)) return null;
      throw err;
    }
  }

  #match(props: AxisDeviceProperties, extra: Record<string, unknown>): ProbeMatch {
    return {
      driver: MANIFEST.id,
      score: props.brand.toUpperCase() === 'AXIS' ? SCORE_IDENTIFIED : SCORE_OEM,
      cameraType: CAMERA_TYPE,
      model: props.model,
      details: {
        brand: props.brand,
        ...(props.fullName === undefined ? {} : { fullName: props.fullName }),
        ...(props.firmware === undefined ? {} : { firmware: props.firmware }),
        ...(props.serial === undefined ? {} : { serial: props.serial }),
        ...extra,
      },
    };
  }

  // ---- connect ----

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const options = (config.options ?? {}) as AxisCameraOptions;
    const scheme = options.scheme ?? 'http';
    const url = deviceUrl({ scheme, host: config.host, port: config.port });
    const timeoutMs = this.#options.timeoutMs;
    const credentials = {
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
    };
    const http = new DeviceHttpClient({
      baseUrl: url,
      ...credentials,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      logger: this.logger,
      tls: { rejectUnauthorized: options.verifyTls ?? false },
    });
    let ptz: AxisPtz | undefined;
    try {
      // One listing proves the credentials and tells what the device has.
      const params = parseParamList(await http.text({ path: `${PARAM_CGI}?action=list&group=${CONNECT_GROUPS.join(',')}` }), { endpoint: http.endpoint });
      const camera = options.camera ?? 1;
      const rtspPort = options.rtspPort ?? paramNumber(paramValue(params, 'Network.RTSP.Port')) ?? 554;
      const mac = paramValue(params, 'Network.eth0.MACAddress');
      let legacy = false;
      /** From basicdeviceinfo, else (older firmware) from param.cgi; `listed` when those groups are already at hand. */
      const readDeviceInfo = async (listed?: ParamList): Promise<DeviceInfo> => {
        if (!legacy) {
          const response = await http.request(basicDeviceInfoRequest('getAllProperties'));
          if (response.status !== 404) {
            if (response.status < 200 || response.status > 299) {
              throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', { endpoint: http.endpoint, method: 'POST', path: BASIC_DEVICE_INFO, status: response.status });
            }
            const json = safeJson(response.text());
            if (json === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: http.endpoint, reason: 'basicdeviceinfo reply is not JSON' });
            return toDeviceInfo(parseBasicDeviceInfo(json, { endpoint: http.endpoint }), mac);
          }
          legacy = true;
        }
        const list = listed ?? parseParamList(await http.text({ path: `${PARAM_CGI}?action=list&group=root.Brand,root.Properties.Firmware,root.Properties.System` }), { endpoint: http.endpoint });
        return toDeviceInfo(parseParamDeviceInfo(list, { endpoint: http.endpoint }), mac);
      };
      // The identity must parse at connect: a device that is not VAPIX fails here, not later. The connect listing
      // already holds root.Brand and root.Properties, so legacy firmware is not asked for them again.
      await readDeviceInfo(params);

      const queries = this.#streamQueries(params, options, camera);
      const urls = new Map(Object.entries(queries).map(([id, query]) => [id, mediaUrl(config.host, rtspPort, query)]));
      const descriptions = new Map<string, RtspDescription>();
      const transport = options.transport ?? this.#options.transport ?? 'tcp';
      ptz = this.#ptz(params, http, camera);
      const eventsOn = options.events !== false && paramFlag(paramValue(params, 'Properties.API.Metadata.Metadata')) !== false;
      const events$ = eventsOn
        ? metadataEvents$({
            // One stream carries the events of every channel; each notification names its own.
            url: mediaUrl(config.host, rtspPort, 'video=0&audio=0&event=on'),
            ...credentials,
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
            ...(this.#options.eventsBackoffMs === undefined ? {} : { minBackoffMs: this.#options.eventsBackoffMs }),
            logger: this.logger,
            clock: this.clock,
          })
        : undefined;
      const snapshotQuery = (profileId: string | undefined): string => {
        const query = new URLSearchParams(profileId === undefined ? '' : (queries[profileId] ?? ''));
        const out = new URLSearchParams();
        if (camera !== 1) out.set('camera', String(camera));
        const resolution = query.get('resolution');
        if (resolution !== null) out.set('resolution', resolution);
        const text = out.toString();
        return text === '' ? '' : `?${text}`;
      };
      const session = ptz;
      return createDeviceSession(
        {
          deviceInfo: { getDeviceInfo: () => readDeviceInfo() },
          streams: {
            getStreamProfiles: async () => {
              const profiles: StreamProfile[] = [];
              for (const [id, uri] of urls) {
                let description = descriptions.get(id);
                if (description === undefined) {
                  description = await this.#describe(uri, credentials);
                  descriptions.set(id, description);
                }
                profiles.push({ id, name: id, ...videoFormat(description.tracks.find((t) => t.type === 'video')), uri });
              }
              return profiles;
            },
          },
          liveMedia: {
            openStream: (profileId) => {
              const uri = urls.get(profileId);
              if (uri === undefined) throw new TypeError(`Unknown stream profile "${profileId}"`);
              return rtspSource({ url: uri, ...credentials, transport, logger: this.logger, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
            },
          },
          snapshot: {
            snapshot: async (profileId?: string): Promise<Snapshot> => {
              if (profileId !== undefined && !urls.has(profileId)) throw new TypeError(`Unknown stream profile "${profileId}"`);
              const response = await http.bytes({ path: `/axis-cgi/jpg/image.cgi${snapshotQuery(profileId)}` });
              if (!isPaddedJpeg(response.body)) {
                throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint: http.endpoint, reason: 'jpg/image.cgi did not answer a complete JPEG' });
              }
              return { contentType: 'image/jpeg', data: response.body };
            },
          },
          ...(session === undefined ? {} : { ptz: session }),
          ...(events$ === undefined ? {} : { events: { events$ } }),
        },
        async () => {
          session?.dispose();
          await http.close();
        },
      );
    } catch (err) {
      ptz?.dispose();
      await http.close();
      throw err;
    }
  }

  #streamQueries(params: ParamList, options: AxisCameraOptions, camera: number): Record<string, string> {
    const prefix = camera === 1 ? '' : `camera=${camera}&`;
    const main = options.mainStream ?? 'videocodec=h264';
    let sub = options.subStream;
    if (sub === undefined) {
      const resolution = subResolution(paramValue(params, 'Properties.Image.Resolution'));
      if (resolution !== undefined) sub = `videocodec=h264&resolution=${resolution.width}x${resolution.height}`;
    }
    return { main: `${prefix}${main}`, ...(sub === undefined ? {} : { sub: `${prefix}${sub}` }) };
  }

  #ptz(params: ParamList, http: DeviceHttpClient, camera: number): AxisPtz | undefined {
    if (paramFlag(paramValue(params, 'Properties.PTZ.PTZ')) === false) return undefined;
    const ptz = parsePtzParams(params);
    if (ptz === undefined || !ptz.enabled) return undefined;
    const entry = ptz.cameras.find((c) => c.camera === camera);
    const s = entry?.support;
    if (entry === undefined || s === undefined || !(s.continuousPan || s.continuousTilt || s.continuousZoom)) return undefined;
    return new AxisPtz({ http, camera: entry });
  }

  async #describe(url: string, credentials: { username?: string; password?: string }): Promise<RtspDescription> {
    const client = new RtspClient({
      url,
      ...credentials,
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
      logger: this.logger,
    });
    try {
      return await client.describe();
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The Axis VAPIX driver factory.
 *
 * @example
 * ```ts
 * kernel.drivers.register(axis({ transport: 'tcp' }));
 * await kernel.devices.add({ id: 'dock-4', driver: 'axis', cameraType: 9, ptz: true,
 *   connection: { host: '10.0.0.9', username: 'root', password, options: { subStream: 'resolution=640x360' } }, ... });
 * ```
 */
export function axis(options: AxisDriverOptions = {}): DriverFactory {
  return (components) => new AxisDriver(options, components);
}
