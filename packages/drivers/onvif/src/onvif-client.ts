import OnvifServiceDevice from 'node-onvif/lib/modules/service-device.js';
import OnvifServiceMedia from 'node-onvif/lib/modules/service-media.js';
import OnvifServicePtz from 'node-onvif/lib/modules/service-ptz.js';
import { ArgusError, deviceUrl, errorMessage, hasErrorCode, silentLogger, systemClock, type Clock, type DeviceInfo, type Logger, type PtzVector, type Snapshot } from '@argus/core';
import { isJpeg } from '@argus/core/media';
import { ClockOffset, DeviceHttpClient, SoapClient, type XmlObject } from '@argus/driver-kit';
import { HTTP_UNAUTHORIZED, mapNodeOnvifError } from './node-onvif-errors.js';
import {
  type Media2StreamProtocol,
  absoluteMoveRequest,
  continuousMoveRequest,
  createPullPointSubscriptionRequest,
  deviceRequest,
  getNodesRequest,
  getPresetsRequest,
  getProfilesRequest,
  getSnapshotUriRequest,
  getStreamUriRequest,
  gotoHomeRequest,
  gotoPresetRequest,
  media2GetProfilesRequest,
  media2GetSnapshotUriRequest,
  media2GetStreamUriRequest,
  onvifAction,
  pullMessagesRequest,
  relativeMoveRequest,
  removePresetRequest,
  renewRequest,
  setPresetRequest,
  stopRequest,
  unsubscribeRequest,
} from './onvif-requests.js';
import { parseCapabilities, parseServices, type OnvifServiceAddresses } from './parse-capabilities.js';
import { parseDeviceInformation, parseNetworkInterfacesMac } from './parse-device-information.js';
import { parseMedia2SnapshotUri, parseMedia2StreamUri, parseSnapshotUri, parseStreamUri, type OnvifMediaUri } from './parse-media-uri.js';
import { parseMedia2Profiles } from './parse-media2-profiles.js';
import {
  parseCreatePullPointSubscription,
  parsePullMessages,
  parseRenewResponse,
  type OnvifPullMessages,
  type OnvifPullPointSubscription,
  type OnvifRenewed,
} from './parse-notifications.js';
import { parseProfiles, type OnvifProfile } from './parse-profiles.js';
import { parsePresets, parsePtzNodes, parseSetPresetResponse, type OnvifPreset, type OnvifPtzNode } from './parse-ptz.js';
import { parseSystemDateAndTime } from './parse-system-date-and-time.js';
import { soapBody } from './soap-body.js';
import { protocolError } from './xml-values.js';

/** Which SOAP stack carries the calls node-onvif covers. */
export type OnvifSoapStack = 'node-onvif' | 'kit';

/** Options of an {@link OnvifClient}. */
export interface OnvifClientOptions {
  /** Device host. */
  readonly host: string;
  /** HTTP(S) port of the device service; default 80 (443 for https). */
  readonly port?: number;
  /** Default `http`. node-onvif speaks http only: https devices go through the kit. */
  readonly scheme?: 'http' | 'https';
  /** Path of the device service; default `/onvif/device_service`. */
  readonly devicePath?: string;
  /** User for WS-Security and HTTP Digest. */
  readonly username?: string;
  /** Password. */
  readonly password?: string;
  /** Per-request time limit; default 10 s. */
  readonly timeoutMs?: number;
  /** Longest PullMessages wait asked of the device; default 10 s. */
  readonly pullTimeoutMs?: number;
  /** `node-onvif` (default): node-onvif for what it covers, the kit for the rest and when the device wants HTTP Digest; `kit`: the kit for everything. */
  readonly soapStack?: OnvifSoapStack;
  /** Where to log. */
  readonly logger?: Logger;
  /** Local clock (for the device clock offset). */
  readonly clock?: Clock;
}

/** node-onvif's socket idle timeout in 0.1.7 (`OnvifSoap.HTTP_TIMEOUT`), after which it aborts with `socket hang up`. */
const NODE_ONVIF_IDLE_TIMEOUT_MS = 3000;
/** Where ONVIF devices serve the device management service unless told otherwise. */
export const DEFAULT_DEVICE_PATH = '/onvif/device_service';

/** Strings node-onvif can carry: it refuses non-ASCII and `<>`, and does not escape `&`. */
function nodeOnvifSafe(...values: (string | undefined)[]): boolean {
  return values.every((v) => v === undefined || (v !== '' && /^[\x20-\x7e]*$/.test(v) && !/[<>&]/.test(v)));
}

/** node-onvif writes PTZ numbers with String(); keep them finite and in the generic range. */
function xyz(v: PtzVector): { x: number; y: number; z: number } {
  return { x: v.pan, y: v.tilt, z: v.zoom };
}

interface NodeServices {
  readonly anonymous: OnvifServiceDevice;
  readonly device: OnvifServiceDevice;
  media?: OnvifServiceMedia;
  ptz?: OnvifServicePtz;
}

type Service = 'device' | 'media' | 'media2' | 'ptz' | 'events';

/** Service paths on the device's origin. */
export interface OnvifServicePaths {
  /** Device management service. */
  readonly device: string;
  /** Media ver10. */
  readonly media?: string;
  /** Media2 (ver20), from GetServices. */
  readonly media2?: string;
  /** PTZ service. */
  readonly ptz?: string;
  /** Event service. */
  readonly events?: string;
}

/** Media2 stream protocols asked for, in order: RTP over UDP first (every Profile T device has it), then interleaved. */
const MEDIA2_STREAM_PROTOCOLS: readonly Media2StreamProtocol[] = ['RtspUnicast', 'RTSP'];

interface CallSpec {
  readonly service: Service;
  readonly operation: string;
  /** The request body for the kit path. */
  readonly body: string;
  /** False for PRE_AUTH calls sent without credentials. */
  readonly auth?: boolean;
  /** The same call through node-onvif, when node-onvif covers it with these arguments. */
  readonly nodeOnvif?: (services: NodeServices) => Promise<{ soap: string }> | undefined;
  readonly signal?: AbortSignal;
}

/**
 * One ONVIF device: SOAP calls through node-onvif where it covers them (GetSystemDateAndTime, GetCapabilities,
 * GetServices, GetDeviceInformation, GetNetworkInterfaces, GetProfiles, GetStreamUri, GetSnapshotUri, PTZ), and
 * through the kit's SoapClient beside it for what node-onvif lacks (PullPoint: CreatePullPointSubscription,
 * PullMessages, Renew, Unsubscribe; Media2: GetProfiles, GetStreamUri, GetSnapshotUri), for arguments it cannot carry (sub-second ContinuousMove timeouts, non-ASCII or
 * XML-special strings, https), and for every call once the device asked for HTTP Digest (node-onvif speaks only
 * WS-Security). Replies are parsed by this package's parsers from the raw SOAP either way.
 *
 * Service addresses come from GetCapabilities, and Media2's from GetServices; their host and port are replaced by the ones the device was reached
 * at (devices behind NAT report internal addresses), keeping path and query. Media URIs are returned untouched.
 */
export class OnvifClient {
  /** `http://host:port`, for messages; never with credentials. */
  readonly endpoint: string;
  readonly #origin: string;
  readonly #devicePath: string;
  /** For HTTP Digest/Basic and WS-Security; undefined without a user. */
  readonly #credentials: { readonly username: string; readonly password: string } | undefined;
  readonly #timeoutMs: number;
  readonly #pullTimeoutMs: number;
  readonly #logger: Logger;
  readonly #offset: ClockOffset;
  readonly #http: DeviceHttpClient;
  readonly #soap: SoapClient;
  readonly #snapshotClients = new Map<string, DeviceHttpClient>();
  #stack: OnvifSoapStack;
  #node: NodeServices | undefined;
  #paths: OnvifServicePaths | undefined;
  #media2Protocol: Media2StreamProtocol | undefined;
  #closed = false;

  constructor(options: OnvifClientOptions) {
    const scheme = options.scheme ?? 'http';
    this.#origin = deviceUrl({ scheme, host: options.host, port: options.port });
    this.endpoint = this.#origin;
    this.#devicePath = options.devicePath ?? DEFAULT_DEVICE_PATH;
    this.#credentials = options.username === undefined || options.username === '' ? undefined : { username: options.username, password: options.password ?? '' };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#pullTimeoutMs = options.pullTimeoutMs ?? 10_000;
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'onvif-client', device: this.endpoint });
    this.#offset = new ClockOffset(options.clock ?? systemClock);
    this.#http = this.#httpClient(this.#origin);
    this.#soap = new SoapClient({ http: this.#http, ...this.#credentials, clock: this.#offset, logger: this.#logger });
    this.#stack = options.soapStack ?? 'node-onvif';
    if (scheme === 'https') this.#stack = 'kit';
    if (this.#stack === 'node-onvif') this.#node = this.#nodeServices();
  }

  /** Service addresses (paths on the device's origin) once {@link OnvifClient.resolveServices} ran. */
  get services(): OnvifServicePaths | undefined {
    return this.#paths;
  }

  #nodeServices(): NodeServices | undefined {
    const xaddr = `${this.#origin}${this.#devicePath}`;
    try {
      return {
        anonymous: new OnvifServiceDevice({ xaddr }),
        device: new OnvifServiceDevice({ xaddr, ...this.#nodeCredentials() }),
      };
    } catch (err) {
      // node-onvif refuses credentials outside printable ASCII: the kit carries everything then.
      this.#logger.debug({ reason: errorMessage(err) }, 'node-onvif cannot take these settings; using the kit SOAP client');
      this.#stack = 'kit';
      return undefined;
    }
  }

  #nodeCredentials(): { user?: string; pass?: string } {
    return this.#credentials === undefined ? {} : { user: this.#credentials.username, pass: this.#credentials.password };
  }

  #httpClient(baseUrl: string): DeviceHttpClient {
    return new DeviceHttpClient({ baseUrl, ...this.#credentials, timeoutMs: this.#timeoutMs, logger: this.#logger });
  }

  /** A path on the device's origin for a URL the device gave (its host and port are not used). */
  #localPath(url: string, what: string): string {
    try {
      const parsed = new URL(url);
      return `${parsed.pathname}${parsed.search}`;
    } catch (err) {
      throw protocolError(this.endpoint, `${what} is not a URL: ${url}`, err);
    }
  }

  async #call(spec: CallSpec): Promise<XmlObject> {
    if (this.#closed) throw new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: this.endpoint, reason: 'the session is closed' });
    spec.signal?.throwIfAborted();
    const node = this.#stack === 'node-onvif' ? this.#node : undefined;
    const pending = node === undefined ? undefined : spec.nodeOnvif?.(node);
    if (pending !== undefined) {
      const path = this.#pathOf(spec.service);
      const started = Date.now();
      try {
        const result = await this.#bounded(pending, spec.signal);
        return soapBody(result.soap, this.endpoint);
      } catch (err) {
        if (spec.signal?.aborted === true) throw spec.signal.reason;
        if (hasErrorCode(err)) throw err;
        const mapped = mapNodeOnvifError(err, {
          endpoint: this.endpoint,
          path,
          operation: spec.operation,
          elapsedMs: Date.now() - started,
          idleTimeoutMs: NODE_ONVIF_IDLE_TIMEOUT_MS,
        });
        if (mapped !== HTTP_UNAUTHORIZED) throw mapped;
        this.#logger.info({ operation: spec.operation }, 'the device asked for HTTP authentication: switching to the kit SOAP client (HTTP Digest + WS-Security)');
        this.#stack = 'kit';
      }
    }
    return this.#kitCall(this.#pathOf(spec.service), spec);
  }

  async #kitCall(path: string, spec: Pick<CallSpec, 'service' | 'operation' | 'body' | 'auth' | 'signal'>, timeoutMs?: number): Promise<XmlObject> {
    const service = spec.service === 'events' && ['Renew', 'Unsubscribe'].includes(spec.operation) ? 'wsnt' : spec.service;
    const { name, value } = await this.#soap.callNamed(path, spec.body, {
      action: onvifAction(service, spec.operation),
      ...(spec.signal === undefined ? {} : { signal: spec.signal }),
      ...(spec.auth === false ? { auth: false } : {}),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    // The parsers take the Body (`{ GetProfilesResponse: {...} }`), whichever stack carried the call.
    return name === '' ? {} : { [name]: value };
  }

  /** node-onvif cannot be aborted: race it against the caller's signal and the driver's deadline. */
  #bounded<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    promise.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ArgusError('ARGUS_ERR_DRIVER_TIMEOUT', { endpoint: this.endpoint, reason: 'no answer', timeoutMs: this.#timeoutMs })),
        this.#timeoutMs,
      );
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  #pathOf(service: Service): string {
    if (service === 'device') return this.#paths?.device ?? this.#devicePath;
    const path = this.#paths?.[service];
    if (path === undefined) throw new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', { capability: service === 'events' ? 'events' : service === 'ptz' ? 'ptz' : 'streams' });
    return path;
  }

  // ---- device service ----

  /** GetSystemDateAndTime without credentials (PRE_AUTH); records the device clock offset used by WS-Security. */
  async getSystemDateAndTime(signal?: AbortSignal): Promise<Date> {
    const body = await this.#call({
      service: 'device',
      operation: 'GetSystemDateAndTime',
      body: deviceRequest('GetSystemDateAndTime'),
      auth: false,
      nodeOnvif: (s) => s.anonymous.getSystemDateAndTime(),
      ...(signal === undefined ? {} : { signal }),
    });
    const deviceTime = parseSystemDateAndTime(body, this.endpoint);
    this.setDeviceTime(deviceTime);
    return deviceTime;
  }

  /** Records the device's current time (from a GetSystemDateAndTime read just now) for WS-Security `Created`, on both stacks. */
  setDeviceTime(deviceTime: Date): void {
    this.#offset.update(deviceTime);
    const node = this.#node;
    if (node === undefined) return;
    for (const service of [node.device, node.media, node.ptz]) if (service !== undefined) service.time_diff = this.#offset.offsetMs;
  }

  /**
   * Finds the media, PTZ and event services: GetCapabilities, or GetServices when the device refuses that; then
   * GetServices for the Media2 service, which only GetServices lists (a device that refuses GetServices has no
   * Media2 as far as the driver knows). Builds node-onvif's service objects for them.
   */
  async resolveServices(signal?: AbortSignal): Promise<OnvifServiceAddresses> {
    let addresses: OnvifServiceAddresses;
    let listed = false;
    try {
      const body = await this.#call({
        service: 'device',
        operation: 'GetCapabilities',
        body: deviceRequest('GetCapabilities'),
        nodeOnvif: (s) => s.device.getCapabilities(),
        ...(signal === undefined ? {} : { signal }),
      });
      addresses = parseCapabilities(body, this.endpoint);
    } catch (err) {
      if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED') && !hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNSUPPORTED')) throw err;
      addresses = await this.getServices(signal);
      listed = true;
    }
    if (!listed) {
      try {
        const services = await this.getServices(signal);
        // GetCapabilities has no Media2: GetServices adds it, and the rest GetCapabilities did not name.
        addresses = { ...services, ...addresses };
      } catch (err) {
        if (!hasErrorCode(err) || hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNREACHABLE') || hasErrorCode(err, 'ARGUS_ERR_DRIVER_TIMEOUT')) throw err;
        this.#logger.debug({ reason: errorMessage(err) }, 'GetServices failed: no Media2 (Profile T) service known');
      }
    }
    const path = (url: string | undefined, what: string): string | undefined => (url === undefined ? undefined : this.#localPath(url, what));
    const media = path(addresses.media, 'the media XAddr');
    const media2 = path(addresses.media2, 'the Media2 XAddr');
    const ptz = path(addresses.ptz, 'the PTZ XAddr');
    const events = path(addresses.events, 'the event XAddr');
    this.#paths = {
      device: path(addresses.device, 'the device XAddr') ?? this.#devicePath,
      ...(media === undefined ? {} : { media }),
      ...(media2 === undefined ? {} : { media2 }),
      ...(ptz === undefined ? {} : { ptz }),
      ...(events === undefined ? {} : { events }),
    };
    if (this.#node !== undefined) {
      const base = { ...this.#nodeCredentials(), time_diff: this.#offset.offsetMs };
      if (media !== undefined) this.#node.media = new OnvifServiceMedia({ xaddr: `${this.#origin}${media}`, ...base });
      if (ptz !== undefined) this.#node.ptz = new OnvifServicePtz({ xaddr: `${this.#origin}${ptz}`, ...base });
    }
    return addresses;
  }

  /** GetServices (PRE_AUTH on most devices): service addresses including Media2. */
  async getServices(signal?: AbortSignal): Promise<OnvifServiceAddresses> {
    const body = await this.#call({
      service: 'device',
      operation: 'GetServices',
      body: deviceRequest('GetServices'),
      nodeOnvif: (s) => s.device.getServices({ IncludeCapability: false }),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseServices(body, this.endpoint);
  }

  /** GetDeviceInformation (needs valid credentials on every device: the driver's credential check). */
  async getDeviceInformation(signal?: AbortSignal): Promise<DeviceInfo> {
    const body = await this.#call({
      service: 'device',
      operation: 'GetDeviceInformation',
      body: deviceRequest('GetDeviceInformation'),
      nodeOnvif: (s) => s.device.getDeviceInformation(),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseDeviceInformation(body, this.endpoint);
  }

  /** The MAC address from GetNetworkInterfaces; undefined when the device lists none. */
  async getMac(signal?: AbortSignal): Promise<string | undefined> {
    const body = await this.#call({
      service: 'device',
      operation: 'GetNetworkInterfaces',
      body: deviceRequest('GetNetworkInterfaces'),
      nodeOnvif: (s) => s.device.getNetworkInterfaces(),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseNetworkInterfacesMac(body, this.endpoint);
  }

  // ---- media service ----

  /** GetProfiles (Media ver10). */
  async getProfiles(signal?: AbortSignal): Promise<OnvifProfile[]> {
    const body = await this.#call({
      service: 'media',
      operation: 'GetProfiles',
      body: getProfilesRequest(),
      nodeOnvif: (s) => s.media?.getProfiles(),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseProfiles(body, this.endpoint);
  }

  /** GetStreamUri for RTSP (RTP unicast); the URI is the device's, untouched. */
  async getStreamUri(profileToken: string): Promise<OnvifMediaUri> {
    const body = await this.#call({
      service: 'media',
      operation: 'GetStreamUri',
      body: getStreamUriRequest(profileToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken) ? s.media?.getStreamUri({ ProfileToken: profileToken, Protocol: 'RTSP' }) : undefined),
    });
    return parseStreamUri(body, this.endpoint);
  }

  /** GetSnapshotUri. */
  async getSnapshotUri(profileToken: string): Promise<OnvifMediaUri> {
    const body = await this.#call({
      service: 'media',
      operation: 'GetSnapshotUri',
      body: getSnapshotUriRequest(profileToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken) ? s.media?.getSnapshotUri({ ProfileToken: profileToken }) : undefined),
    });
    return parseSnapshotUri(body, this.endpoint);
  }

  // ---- Media2 service (ver20; node-onvif has none of it: always the kit's SoapClient) ----

  /** GetProfiles of Media2 with every configuration (`Type` All): H.265 profiles included. */
  async getMedia2Profiles(signal?: AbortSignal): Promise<OnvifProfile[]> {
    const body = await this.#call({
      service: 'media2',
      operation: 'GetProfiles',
      body: media2GetProfilesRequest(['All']),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseMedia2Profiles(body, this.endpoint);
  }

  /**
   * GetStreamUri of Media2: protocol `RtspUnicast`, and `RTSP` when the device refuses that with a fault (the one
   * that worked is kept for the session). The URI is the device's, untouched.
   */
  async getMedia2StreamUri(profileToken: string, signal?: AbortSignal): Promise<OnvifMediaUri> {
    const protocols = this.#media2Protocol === undefined ? MEDIA2_STREAM_PROTOCOLS : [this.#media2Protocol];
    let refused: unknown;
    for (const protocol of protocols) {
      try {
        const body = await this.#call({
          service: 'media2',
          operation: 'GetStreamUri',
          body: media2GetStreamUriRequest(profileToken, protocol),
          ...(signal === undefined ? {} : { signal }),
        });
        const uri = parseMedia2StreamUri(body, this.endpoint);
        this.#media2Protocol = protocol;
        return uri;
      } catch (err) {
        // A fault about the protocol (InvalidArgVal, InvalidStreamSetup, not supported): try the next one.
        if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED') && !hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNSUPPORTED')) throw err;
        this.#logger.debug({ protocol, reason: errorMessage(err) }, 'Media2 GetStreamUri refused this protocol');
        refused = err;
      }
    }
    throw refused;
  }

  /** GetSnapshotUri of Media2. */
  async getMedia2SnapshotUri(profileToken: string, signal?: AbortSignal): Promise<OnvifMediaUri> {
    const body = await this.#call({
      service: 'media2',
      operation: 'GetSnapshotUri',
      body: media2GetSnapshotUriRequest(profileToken),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseMedia2SnapshotUri(body, this.endpoint);
  }

  /** GetStreamUri on the media service that listed the profile. */
  streamUri(profile: Pick<OnvifProfile, 'token' | 'mediaService'>, signal?: AbortSignal): Promise<OnvifMediaUri> {
    return profile.mediaService === 'media2' ? this.getMedia2StreamUri(profile.token, signal) : this.getStreamUri(profile.token);
  }

  /** GetSnapshotUri on the media service that listed the profile. */
  snapshotUri(profile: Pick<OnvifProfile, 'token' | 'mediaService'>, signal?: AbortSignal): Promise<OnvifMediaUri> {
    return profile.mediaService === 'media2' ? this.getMedia2SnapshotUri(profile.token, signal) : this.getSnapshotUri(profile.token);
  }

  /**
   * Fetches a snapshot URI with HTTP Digest/Basic (the kit's client; node-onvif's `fetchSnapshot` shares one
   * module-level Digest state between devices). Only `image/*` replies are accepted.
   */
  async fetchSnapshot(uri: string, signal?: AbortSignal): Promise<Snapshot> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch (err) {
      throw protocolError(this.endpoint, `the snapshot URI is not a URL: ${uri}`, err);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw protocolError(this.endpoint, `the snapshot URI is not http(s): ${url.protocol}`);
    let http = url.origin === this.#origin ? this.#http : this.#snapshotClients.get(url.origin);
    if (http === undefined) {
      http = this.#httpClient(url.origin);
      this.#snapshotClients.set(url.origin, http);
    }
    const response = await http.bytes({ path: `${url.pathname}${url.search}`, ...(signal === undefined ? {} : { signal }) });
    const contentType = (response.headers['content-type'] ?? 'image/jpeg').split(';')[0]?.trim() ?? 'image/jpeg';
    if (!contentType.toLowerCase().startsWith('image/')) throw protocolError(this.endpoint, `the snapshot is ${contentType}, not an image`);
    const data = response.body;
    if (data.length === 0) throw protocolError(this.endpoint, 'the snapshot is empty');
    if (contentType.toLowerCase() === 'image/jpeg' && !isJpeg(data)) {
      throw protocolError(this.endpoint, 'the snapshot is not a complete JPEG (no SOI/EOI marker)');
    }
    return { contentType, data };
  }

  // ---- PTZ service ----

  /** GetNodes of the PTZ service. */
  async getPtzNodes(signal?: AbortSignal): Promise<OnvifPtzNode[]> {
    const body = await this.#call({
      service: 'ptz',
      operation: 'GetNodes',
      body: getNodesRequest(),
      nodeOnvif: (s) => s.ptz?.getNodes(),
      ...(signal === undefined ? {} : { signal }),
    });
    return parsePtzNodes(body, this.endpoint);
  }

  /** ContinuousMove; node-onvif when the timeout is absent or whole seconds (it writes `PT<n>S` of an integer). */
  async continuousMove(profileToken: string, velocity: PtzVector, timeoutMs?: number): Promise<void> {
    const wholeSeconds = timeoutMs === undefined || (timeoutMs > 0 && timeoutMs % 1000 === 0);
    await this.#call({
      service: 'ptz',
      operation: 'ContinuousMove',
      body: continuousMoveRequest(profileToken, velocity, timeoutMs),
      nodeOnvif: (s) =>
        wholeSeconds && nodeOnvifSafe(profileToken)
          ? s.ptz?.continuousMove({ ProfileToken: profileToken, Velocity: xyz(velocity), ...(timeoutMs === undefined ? {} : { Timeout: timeoutMs / 1000 }) })
          : undefined,
    });
  }

  /** Stop (pan, tilt and zoom). */
  async stop(profileToken: string): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'Stop',
      body: stopRequest(profileToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken) ? s.ptz?.stop({ ProfileToken: profileToken, PanTilt: true, Zoom: true }) : undefined),
    });
  }

  /** AbsoluteMove. */
  async absoluteMove(profileToken: string, position: PtzVector, speed?: PtzVector): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'AbsoluteMove',
      body: absoluteMoveRequest(profileToken, position, speed),
      nodeOnvif: (s) =>
        nodeOnvifSafe(profileToken) ? s.ptz?.absoluteMove({ ProfileToken: profileToken, Position: xyz(position), ...(speed === undefined ? {} : { Speed: xyz(speed) }) }) : undefined,
    });
  }

  /** RelativeMove. */
  async relativeMove(profileToken: string, translation: PtzVector, speed?: PtzVector): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'RelativeMove',
      body: relativeMoveRequest(profileToken, translation, speed),
      nodeOnvif: (s) =>
        nodeOnvifSafe(profileToken)
          ? s.ptz?.relativeMove({ ProfileToken: profileToken, Translation: xyz(translation), ...(speed === undefined ? {} : { Speed: xyz(speed) }) })
          : undefined,
    });
  }

  /** GetPresets. */
  async getPresets(profileToken: string): Promise<OnvifPreset[]> {
    const body = await this.#call({
      service: 'ptz',
      operation: 'GetPresets',
      body: getPresetsRequest(profileToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken) ? s.ptz?.getPresets({ ProfileToken: profileToken }) : undefined),
    });
    return parsePresets(body, this.endpoint);
  }

  /** SetPreset; resolves to the preset token the device stored. */
  async setPreset(profileToken: string, name?: string, presetToken?: string): Promise<string> {
    const body = await this.#call({
      service: 'ptz',
      operation: 'SetPreset',
      body: setPresetRequest(profileToken, name, presetToken),
      nodeOnvif: (s) =>
        nodeOnvifSafe(profileToken, name, presetToken) && (name !== undefined || presetToken !== undefined)
          ? s.ptz?.setPreset({ ProfileToken: profileToken, ...(name === undefined ? {} : { PresetName: name }), ...(presetToken === undefined ? {} : { PresetToken: presetToken }) })
          : undefined,
    });
    return parseSetPresetResponse(body, this.endpoint);
  }

  /** GotoPreset. */
  async gotoPreset(profileToken: string, presetToken: string): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'GotoPreset',
      body: gotoPresetRequest(profileToken, presetToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken, presetToken) ? s.ptz?.gotoPreset({ ProfileToken: profileToken, PresetToken: presetToken }) : undefined),
    });
  }

  /** RemovePreset. */
  async removePreset(profileToken: string, presetToken: string): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'RemovePreset',
      body: removePresetRequest(profileToken, presetToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken, presetToken) ? s.ptz?.removePreset({ ProfileToken: profileToken, PresetToken: presetToken }) : undefined),
    });
  }

  /** GotoHomePosition. */
  async gotoHome(profileToken: string): Promise<void> {
    await this.#call({
      service: 'ptz',
      operation: 'GotoHomePosition',
      body: gotoHomeRequest(profileToken),
      nodeOnvif: (s) => (nodeOnvifSafe(profileToken) ? s.ptz?.gotoHomePosition({ ProfileToken: profileToken }) : undefined),
    });
  }

  // ---- event service (PullPoint; node-onvif has none of it) ----

  /** CreatePullPointSubscription; the address returned is a path on the device's origin. */
  async createPullPoint(terminationMs: number, signal?: AbortSignal): Promise<OnvifPullPointSubscription> {
    const body = await this.#call({
      service: 'events',
      operation: 'CreatePullPointSubscription',
      body: createPullPointSubscriptionRequest(terminationMs),
      ...(signal === undefined ? {} : { signal }),
    });
    const subscription = parseCreatePullPointSubscription(body, this.endpoint);
    return { ...subscription, address: this.#localPath(subscription.address, 'the subscription address') };
  }

  /** PullMessages on a pull point (long poll of up to the client's pull timeout). */
  async pullMessages(address: string, limit: number, signal?: AbortSignal): Promise<OnvifPullMessages> {
    if (this.#closed) throw new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: this.endpoint, reason: 'the session is closed' });
    const body = await this.#kitCall(
      address,
      { service: 'events', operation: 'PullMessages', body: pullMessagesRequest(this.#pullTimeoutMs, limit), ...(signal === undefined ? {} : { signal }) },
      this.#pullTimeoutMs + this.#timeoutMs,
    );
    return parsePullMessages(body, this.endpoint);
  }

  /** Renew of a pull point for `terminationMs` more. */
  async renew(address: string, terminationMs: number, signal?: AbortSignal): Promise<OnvifRenewed> {
    const body = await this.#kitCall(address, {
      service: 'events',
      operation: 'Renew',
      body: renewRequest(terminationMs),
      ...(signal === undefined ? {} : { signal }),
    });
    return parseRenewResponse(body, this.endpoint);
  }

  /** Unsubscribe of a pull point. */
  async unsubscribe(address: string, signal?: AbortSignal): Promise<void> {
    await this.#kitCall(address, { service: 'events', operation: 'Unsubscribe', body: unsubscribeRequest(), ...(signal === undefined ? {} : { signal }) });
  }

  /** True once {@link OnvifClient.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Releases the HTTP clients. node-onvif requests in flight end by themselves (its 3 s idle timeout). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [this.#http, ...this.#snapshotClients.values()];
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}
