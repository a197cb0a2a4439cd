import { createHash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { deviceUrl, hasErrorCode, type PtzVector } from '@argus/core';
import { HttpAuthServer, parseXml, xmlArray, xmlPath, type XmlObject, type XmlValue } from '@argus/driver-kit';
import {
  DeviceEmulator,
  type EmulatorEvent,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type StreamingReply,
} from '@argus/driver-kit/emulator';
import { attr, first, isXmlObject, num, text } from '../xml-values.js';
import { parseXsDuration } from '../xs-duration.js';
import {
  FAULTS,
  SOAP_CONTENT_TYPE,
  capabilitiesReply,
  createPullPointReply,
  deviceInformationReply,
  emptyPtzReply,
  eventPropertiesReply,
  faultEnvelope,
  media2ProfilesReply,
  media2UriReply,
  mediaUriReply,
  networkInterfacesReply,
  profileReply,
  profilesReply,
  ptzNodesReply,
  ptzStatusReply,
  presetsReply,
  pullMessagesReply,
  renewReply,
  servicesReply,
  setPresetReply,
  synchronizationPointReply,
  systemDateAndTimeReply,
  unsubscribeReply,
  type EmulatedNotification,
  type EmulatedProfile,
  type ServiceUrls,
  type SoapFaultSpec,
} from './onvif-replies.js';
import { WsDiscoveryResponder } from './ws-discovery-responder.js';
import { WsseVerifier } from './wsse-verifier.js';

/** Which authentication an {@link OnvifEmulator} accepts on its SOAP services. */
export type OnvifEmulatorAuth = 'any' | 'wsse' | 'digest';

/**
 * How Media ver10 shows a profile whose camera is H.265 (ver10's `tt:VideoEncoding` has no H.265):
 * `H264` (default) reports it as H.264, as Hikvision firmwares and onvif_simple_server do; `omit` lists the profile
 * without a video encoder configuration, as Dahua firmwares do; `H265` writes the value the schema does not have,
 * as some other firmwares do.
 */
export type OnvifEmulatorMedia1H265 = 'H264' | 'omit' | 'H265';

/** Options of an {@link OnvifEmulator}: the kit's emulator options plus ONVIF's. */
export interface OnvifEmulatorOptions extends EmulatorOptions {
  /**
   * `any` (default): a valid WS-Security UsernameToken or HTTP Digest; `wsse`: UsernameToken only (HTTP Digest is
   * not offered); `digest`: HTTP Digest only (the device ignores WS-Security, as some NVR firmwares do).
   */
  readonly onvifAuth?: OnvifEmulatorAuth;
  /** How far the device's clock is off, ms (device time = clock + skew); default 0. */
  readonly clockSkewMs?: number;
  /** How far a UsernameToken's `Created` may be from the device's clock; default 60 s. */
  readonly wsseWindowMs?: number;
  /**
   * Answer WS-Discovery probes: on a unicast UDP port (`port`, default any) and, with `multicast`, on the group
   * 239.255.255.250:3702 joined on the loopback interface. Off by default.
   */
  readonly discovery?: {
    /** Unicast UDP port; default any free port (kept across restarts). */
    readonly port?: number;
    /** Also join 239.255.255.250:3702 on the loopback interface. */
    readonly multicast?: boolean;
  };
  /**
   * Offer the Media2 (ver20) service of Profile T at {@link ONVIF_EMULATOR_PATHS}.media2, listed by GetServices;
   * default true. Media ver10 keeps answering either way, as on a real Profile T device.
   */
  readonly media2?: boolean;
  /** How Media ver10 shows an H.265 camera; default `H264` (see {@link OnvifEmulatorMedia1H265}). */
  readonly media1H265?: OnvifEmulatorMedia1H265;
  /** `tr2:TransportProtocol` values Media2 GetStreamUri accepts; default `RtspUnicast` and `RTSP`. */
  readonly media2Protocols?: readonly string[];
}

/** Service paths of the emulator (the ONVIF defaults most cameras use). */
export const ONVIF_EMULATOR_PATHS = Object.freeze({
  /** Device management service. */
  device: '/onvif/device_service',
  /** Media ver10 service. */
  media: '/onvif/media_service',
  /** Media2 (ver20) service of Profile T. */
  media2: '/onvif/media2_service',
  /** PTZ service (with the `ptz` option). */
  ptz: '/onvif/ptz_service',
  /** Event service (CreatePullPointSubscription). */
  events: '/onvif/events_service',
  /** Pull points, `?Idx=<n>`. */
  subscription: '/onvif/subscription',
  /** JPEG snapshots, `?profile=main|sub` (HTTP Digest). */
  snapshot: '/onvif/snapshot',
});

/** Device calls answered without authentication (ONVIF access class PRE_AUTH). */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetWsdlUrl', 'GetEndpointReference']);

const DEFAULT_TERMINATION_MS = 60_000;
const MAX_PULL_TIMEOUT_MS = 60_000;
const MAX_QUEUE = 1000;

interface PullPoint {
  readonly id: string;
  terminationMs: number;
  readonly queue: EmulatedNotification[];
  readonly events: Subscription;
  wake: (() => void) | undefined;
}

function reply(body: string, status = 200, headers: Record<string, string> = {}): EmulatorHttpReply {
  return { status, headers: { 'Content-Type': SOAP_CONTENT_TYPE, ...headers }, body };
}

function fault(spec: SoapFaultSpec, headers: Record<string, string> = {}, status?: number): EmulatorHttpReply {
  return reply(faultEnvelope(spec), status ?? (spec.code === 'Sender' ? 400 : 500), headers);
}

function vector(node: XmlValue | undefined): PtzVector {
  const panTilt = isXmlObject(first(node)) ? first((first(node) as XmlObject)['PanTilt']) : undefined;
  const zoom = isXmlObject(first(node)) ? first((first(node) as XmlObject)['Zoom']) : undefined;
  return { pan: num(attr(panTilt, 'x')) ?? 0, tilt: num(attr(panTilt, 'y')) ?? 0, zoom: num(attr(zoom, 'x')) ?? 0 };
}

/**
 * An ONVIF Profile S/T device on 127.0.0.1: device, media (ver10 and, by default, Media2 at its own XAddr), PTZ and
 * event services at the usual ONVIF paths (SOAP 1.2,
 * replies shaped like the Hikvision, Axis, Milesight and Dahua captures), WS-Security UsernameToken (PasswordDigest,
 * replay and clock-window checks) and/or HTTP Digest, PullPoint event subscriptions fed by `triggerEvent` (with
 * long-polled PullMessages), PTZ on the kit's `PtzModel`, RTSP from the camera farm, a JPEG snapshot URI, and an
 * optional WS-Discovery responder.
 *
 * A restart forgets every pull-point subscription, as a rebooting camera does.
 *
 * @example
 * ```ts
 * const emulator = new OnvifEmulator({ farm, cameraId: 'cam-main', subCameraId: 'cam-sub', ptz: true });
 * await emulator.start();
 * const session = await onvif()(components).connect(emulator.connection());
 * emulator.triggerEvent({ kind: 'motion', state: 'start' });
 * ```
 */
export class OnvifEmulator extends DeviceEmulator {
  readonly #authMode: OnvifEmulatorAuth;
  readonly #skewMs: number;
  readonly #wsse: WsseVerifier;
  readonly #digest: HttpAuthServer;
  readonly #pullPoints = new Map<string, PullPoint>();
  readonly #states = new Map<string, boolean>();
  readonly #discovery: WsDiscoveryResponder | undefined;
  readonly #endpointUuid: string;
  readonly #media2: boolean;
  readonly #media1H265: OnvifEmulatorMedia1H265;
  readonly #media2Protocols: readonly string[];
  #nextPullPoint = 1;
  #sweep: NodeJS.Timeout | undefined;
  /** Counts stops: a long poll answers only if the device did not go down since it came in. */
  #stops = 0;

  constructor(options: OnvifEmulatorOptions) {
    const authMode = options.onvifAuth ?? 'any';
    super(options, { realm: 'ONVIF', algorithms: ['MD5', 'SHA-256'] });
    this.#authMode = authMode;
    this.#skewMs = options.clockSkewMs ?? 0;
    this.#media2 = options.media2 ?? true;
    this.#media1H265 = options.media1H265 ?? 'H264';
    this.#media2Protocols = options.media2Protocols ?? ['RtspUnicast', 'RTSP'];
    this.#wsse = new WsseVerifier({
      username: this.username,
      password: this.password,
      now: () => this.deviceNow(),
      ...(options.wsseWindowMs === undefined ? {} : { windowMs: options.wsseWindowMs }),
    });
    this.#digest = new HttpAuthServer({
      realm: 'ONVIF',
      username: this.username,
      password: this.password,
      algorithms: ['MD5', 'SHA-256'],
      clock: this.clock,
    });
    this.#endpointUuid = `urn:uuid:${uuidFrom(this.identity.serial)}`;
    this.#discovery =
      options.discovery === undefined
        ? undefined
        : new WsDiscoveryResponder({
            host: this.host,
            ...(options.discovery.port === undefined ? {} : { port: options.discovery.port }),
            ...(options.discovery.multicast === undefined ? {} : { multicast: options.discovery.multicast }),
            logger: this.logger,
            match: () => ({
              endpoint: this.#endpointUuid,
              xaddrs: [this.#url(ONVIF_EMULATOR_PATHS.device)],
              scopes: this.scopes(),
            }),
          });
  }

  /** The device's clock: the emulator clock plus the configured skew, ms since epoch. */
  deviceNow(): number {
    return this.clock.now() + this.#skewMs;
  }

  /** Port of the WS-Discovery responder (0 when discovery is off). */
  get discoveryPort(): number {
    return this.#discovery?.port ?? 0;
  }

  /** Pull-point subscriptions now open. */
  get pullPoints(): number {
    return this.#pullPoints.size;
  }

  /** The WS-Discovery scopes the device announces. */
  scopes(): string[] {
    const scope = (kind: string, value: string): string => `onvif://www.onvif.org/${kind}/${encodeURIComponent(value)}`;
    return [
      'onvif://www.onvif.org/Profile/Streaming',
      ...(this.#media2 ? ['onvif://www.onvif.org/Profile/T'] : []),
      'onvif://www.onvif.org/type/video_encoder',
      ...(this.ptz === undefined ? [] : ['onvif://www.onvif.org/type/ptz']),
      scope('hardware', this.identity.model),
      scope('name', this.identity.manufacturer),
      'onvif://www.onvif.org/location/',
    ];
  }

  /** Every start (and the start half of a restart): the WS-Discovery responder answers again, when configured. */
  protected override async onStart(): Promise<void> {
    await this.#discovery?.start();
  }

  /**
   * Every stop (and the stop half of a restart), as a reboot: the device stops answering WS-Discovery and forgets
   * every pull-point subscription; long polls still open end without an answer.
   */
  protected override async onStop(): Promise<void> {
    this.#stops += 1;
    this.#dropPullPoints();
    await this.#discovery?.stop();
  }

  /** Changes the password of HTTP Digest, WS-Security and RTSP. */
  override setPassword(password: string): void {
    super.setPassword(password);
    this.#wsse.setPassword(password);
    this.#digest.setPassword(password);
  }

  /** Forgets every pull-point subscription (what a reboot does); the driver must subscribe again. */
  dropPullPoints(): void {
    this.#dropPullPoints();
  }

  /** True when the emulator offers Media2 (Profile T). */
  get media2(): boolean {
    return this.#media2;
  }

  /** The media profiles: main and sub from the farm cameras (what Media2 reports). */
  profiles(): EmulatedProfile[] {
    return (['main', 'sub'] as const).map((stream) => {
      const format = this.streamFormat(stream);
      const id = stream === 'main' ? this.cameraId : this.subCameraId;
      const config = this.farm.cameras().find((c) => c.id === id);
      const fps = format.fps;
      return {
        token: stream,
        name: stream,
        stream,
        encoding: format.codec === 'h265' ? 'H265' : 'H264',
        width: format.width,
        height: format.height,
        fps,
        bitrateKbps: config?.bitrateKbps ?? 1000,
        govLength: Math.max(1, Math.round((config?.gopSeconds ?? 2) * fps)),
        rtspPath: `/onvif-media/${stream}`,
      };
    });
  }

  /** The profiles as Media ver10 shows them: an H.265 camera as {@link OnvifEmulatorOptions.media1H265} says. */
  media1Profiles(): EmulatedProfile[] {
    return this.profiles().map((p) => (p.encoding !== 'H265' || this.#media1H265 === 'H265' ? p : { ...p, encoding: this.#media1H265 === 'omit' ? '' : 'H264' }));
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return this.profiles().map((p) => ({ path: p.rtspPath, stream: p.stream }));
  }

  protected override publicPaths(): readonly string[] {
    // SOAP services authenticate inside (WS-Security) or by HTTP Digest per operation; see #authorize.
    const paths: string[] = [ONVIF_EMULATOR_PATHS.device, ONVIF_EMULATOR_PATHS.media, ONVIF_EMULATOR_PATHS.events, ONVIF_EMULATOR_PATHS.subscription];
    if (this.ptz !== undefined) paths.push(ONVIF_EMULATOR_PATHS.ptz);
    if (this.#media2) paths.push(ONVIF_EMULATOR_PATHS.media2);
    return paths;
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    if (req.path === ONVIF_EMULATOR_PATHS.snapshot) return this.#snapshot(req);
    if (!this.publicPaths().includes(req.path)) return undefined;
    if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST', 'Content-Type': 'text/plain' }, body: 'SOAP services take POST' };
    let envelope: XmlValue | undefined;
    try {
      envelope = xmlPath(parseXml(req.body.toString('utf8')), 'Envelope');
    } catch (err) {
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return fault(FAULTS.wellFormed);
      throw err;
    }
    const body = xmlPath(envelope, 'Body');
    const operation = isXmlObject(body) ? Object.keys(body).find((key) => !key.startsWith('@_') && key !== '#text') : undefined;
    if (operation === undefined || !isXmlObject(body)) return fault(FAULTS.wellFormed);
    const request = first(body[operation]);
    const args: XmlObject = isXmlObject(request) ? request : {};
    if (!PRE_AUTH.has(operation)) {
      const denied = this.#authorize(req, xmlPath(envelope, 'Header', 'Security'));
      if (denied !== undefined) return denied;
    }
    if (req.path === ONVIF_EMULATOR_PATHS.subscription) return this.#subscriptionCall(operation, args, req.query.get('Idx') ?? '');
    if (req.path === ONVIF_EMULATOR_PATHS.media2) return this.#media2Call(operation, args);
    return this.#serviceCall(operation, args);
  }

  #authorize(req: EmulatorHttpRequest, security: XmlValue | undefined): EmulatorHttpReply | undefined {
    const digestOk = this.#authMode !== 'wsse' && req.headers['authorization'] !== undefined && this.#digest.check(req.method, req.url, req.headers['authorization']).ok;
    if (digestOk) return undefined;
    const wsse = this.#authMode === 'digest' ? undefined : this.#wsse.verify(security);
    if (wsse?.ok === true) return undefined;
    this.logger.debug({ reason: wsse?.ok === false ? wsse.reason : 'no credentials' }, 'ONVIF request not authorized');
    if (this.#authMode === 'digest' || (this.#authMode === 'any' && wsse?.present !== true)) {
      return fault(FAULTS.notAuthorized, { 'WWW-Authenticate': this.#digest.challenges().join(', ') }, 401);
    }
    return fault(FAULTS.notAuthorized);
  }

  #url(path: string): string {
    return deviceUrl({ scheme: 'http', host: this.host, port: this.httpPort, path });
  }

  #serviceUrls(): ServiceUrls {
    return {
      device: this.#url(ONVIF_EMULATOR_PATHS.device),
      media: this.#url(ONVIF_EMULATOR_PATHS.media),
      ...(this.#media2 ? { media2: this.#url(ONVIF_EMULATOR_PATHS.media2) } : {}),
      events: this.#url(ONVIF_EMULATOR_PATHS.events),
      ...(this.ptz === undefined ? {} : { ptz: this.#url(ONVIF_EMULATOR_PATHS.ptz) }),
    };
  }

  #profile(args: XmlObject, profiles: readonly EmulatedProfile[] = this.media1Profiles()): EmulatedProfile | undefined {
    const token = text(args, 'ProfileToken');
    return profiles.find((p) => p.token === token);
  }

  #serviceCall(operation: string, args: XmlObject): EmulatorHttpReply | StreamingReply {
    switch (operation) {
      case 'GetSystemDateAndTime':
        return reply(systemDateAndTimeReply(this.deviceNow()));
      case 'GetCapabilities':
        return reply(capabilitiesReply(this.#serviceUrls()));
      case 'GetServices':
        return reply(servicesReply(this.#serviceUrls()));
      case 'GetDeviceInformation':
        return reply(deviceInformationReply(this.identity));
      case 'GetNetworkInterfaces':
        return reply(networkInterfacesReply(this.identity, this.host));
      case 'GetProfiles':
        return reply(profilesReply(this.media1Profiles(), this.ptz !== undefined));
      case 'GetProfile': {
        const profile = this.#profile(args);
        return profile === undefined ? fault(FAULTS.noProfile) : reply(profileReply(profile, this.ptz !== undefined));
      }
      case 'GetStreamUri': {
        const profile = this.#profile(args);
        return profile === undefined ? fault(FAULTS.noProfile) : reply(mediaUriReply('GetStreamUri', this.rtspUrl(profile.rtspPath)));
      }
      case 'GetSnapshotUri': {
        const profile = this.#profile(args);
        return profile === undefined
          ? fault(FAULTS.noProfile)
          : reply(mediaUriReply('GetSnapshotUri', `${this.#url(ONVIF_EMULATOR_PATHS.snapshot)}?profile=${profile.token}`));
      }
      case 'GetEventProperties':
        return reply(eventPropertiesReply());
      case 'CreatePullPointSubscription':
        return this.#createPullPoint(args);
      default:
        if (this.ptz !== undefined && PTZ_OPERATIONS.has(operation)) return this.#ptzCall(operation, args);
        return fault(FAULTS.actionNotSupported);
    }
  }

  /** Media2 (ver20): GetProfiles with the requested configuration types, GetStreamUri per protocol, GetSnapshotUri. */
  #media2Call(operation: string, args: XmlObject): EmulatorHttpReply {
    const profiles = this.profiles();
    switch (operation) {
      case 'GetProfiles': {
        const token = text(args, 'Token');
        const selected = token === undefined || token === '' ? profiles : profiles.filter((p) => p.token === token);
        if (selected.length === 0) return fault(FAULTS.noProfile);
        // Without a Type, a Media2 device lists names and tokens only.
        const types = new Set(xmlArray(args, 'Type').map((t) => text(t) ?? ''));
        const wants = (type: string): boolean => types.has('All') || types.has(type);
        return reply(media2ProfilesReply(selected, { videoSource: wants('VideoSource'), videoEncoder: wants('VideoEncoder'), ptz: this.ptz !== undefined && wants('PTZ') }));
      }
      case 'GetStreamUri': {
        const profile = this.#profile(args, profiles);
        if (profile === undefined) return fault(FAULTS.noProfile);
        if (!this.#media2Protocols.includes(text(args, 'Protocol') ?? '')) return fault(FAULTS.invalidStreamSetup);
        return reply(media2UriReply('GetStreamUri', this.rtspUrl(profile.rtspPath)));
      }
      case 'GetSnapshotUri': {
        const profile = this.#profile(args, profiles);
        return profile === undefined ? fault(FAULTS.noProfile) : reply(media2UriReply('GetSnapshotUri', `${this.#url(ONVIF_EMULATOR_PATHS.snapshot)}?profile=${profile.token}`));
      }
      default:
        return fault(FAULTS.actionNotSupported);
    }
  }

  #ptzCall(operation: string, args: XmlObject): EmulatorHttpReply {
    const ptz = this.ptz;
    if (ptz === undefined) return fault(FAULTS.actionNotSupported);
    if (operation === 'GetNodes') return reply(ptzNodesReply(255));
    if (operation === 'GetNode') return reply(ptzNodesReply(255, true));
    if (this.#profile(args) === undefined) return fault(FAULTS.noProfile);
    try {
      switch (operation) {
        case 'ContinuousMove': {
          const timeout = parseXsDuration(text(args, 'Timeout'));
          ptz.continuousMove(vector(args['Velocity']), timeout);
          break;
        }
        case 'Stop':
          ptz.stop();
          break;
        case 'AbsoluteMove':
          ptz.absoluteMove(vector(args['Position']));
          break;
        case 'RelativeMove':
          ptz.relativeMove(vector(args['Translation']));
          break;
        case 'GotoHomePosition':
          ptz.gotoHome();
          break;
        case 'SetHomePosition':
          ptz.setHome();
          break;
        case 'GetPresets':
          return reply(presetsReply(ptz.presets()));
        case 'SetPreset': {
          const token = text(args, 'PresetToken');
          const name = text(args, 'PresetName');
          if (token !== undefined && token !== '' && !ptz.hasPreset(token)) return fault(FAULTS.noToken);
          return reply(setPresetReply(ptz.setPreset(name === '' ? undefined : name, token === '' ? undefined : token)));
        }
        case 'GotoPreset':
          if (!ptz.hasPreset(text(args, 'PresetToken') ?? '')) return fault(FAULTS.noToken);
          ptz.gotoPreset(text(args, 'PresetToken') ?? '');
          break;
        case 'RemovePreset':
          if (!ptz.hasPreset(text(args, 'PresetToken') ?? '')) return fault(FAULTS.noToken);
          ptz.removePreset(text(args, 'PresetToken') ?? '');
          break;
        case 'GetStatus':
          return reply(ptzStatusReply(ptz.position, ptz.velocity !== null, this.deviceNow()));
        default:
          return fault(FAULTS.actionNotSupported);
      }
    } catch (err) {
      if (err instanceof RangeError) return fault(/full/.test(err.message) ? FAULTS.tooManyPresets : FAULTS.invalidArgs);
      throw err;
    }
    return reply(emptyPtzReply(operation));
  }

  async #snapshot(req: EmulatorHttpRequest): Promise<EmulatorHttpReply> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { Allow: 'GET' } };
    const stream = req.query.get('profile') === 'sub' ? 'sub' : 'main';
    const jpeg = await this.snapshotJpeg(stream);
    return { headers: { 'Content-Type': 'image/jpeg' }, body: jpeg };
  }

  // ---- events ----

  /** The subscription's expiry: a duration from now or an absolute time; the default when absent or invalid. */
  #termination(value: string | undefined): number {
    const now = this.deviceNow();
    const duration = parseXsDuration(value);
    if (duration !== undefined) return now + duration;
    const absolute = value === undefined ? Number.NaN : Date.parse(value);
    return Number.isFinite(absolute) && absolute > now ? absolute : now + DEFAULT_TERMINATION_MS;
  }

  #createPullPoint(args: XmlObject): EmulatorHttpReply {
    const id = String(this.#nextPullPoint++);
    const queue: EmulatedNotification[] = [];
    // A new subscription first hears the current state of every property (PropertyOperation="Initialized").
    for (const kind of ['motion', 'tamper'] as const) queue.push(...this.#notifications(kind, 1, this.#states.get(`${kind}:1`) ?? false, 'Initialized'));
    const pullPoint: PullPoint = {
      id,
      terminationMs: this.#termination(text(args, 'InitialTerminationTime')),
      queue,
      wake: undefined,
      events: this.events$.subscribe((event) => this.#enqueue(pullPoint, event)),
    };
    this.#pullPoints.set(id, pullPoint);
    this.#sweep ??= setInterval(() => this.#expire(), 1000).unref();
    return reply(createPullPointReply(this.#subscriptionAddress(id), this.deviceNow(), pullPoint.terminationMs));
  }

  #subscriptionAddress(id: string): string {
    return `${this.#url(ONVIF_EMULATOR_PATHS.subscription)}?Idx=${id}`;
  }

  #enqueue(pullPoint: PullPoint, event: EmulatorEvent): void {
    const key = `${event.kind}:${event.channel}`;
    this.#states.set(key, event.state === 'start');
    pullPoint.queue.push(...this.#notifications(event.kind, event.channel, event.state === 'start', 'Changed'));
    if (pullPoint.queue.length > MAX_QUEUE) pullPoint.queue.splice(0, pullPoint.queue.length - MAX_QUEUE);
    pullPoint.wake?.();
  }

  /** The notifications a Hikvision-like camera sends for an event (motion comes on two topics). */
  #notifications(kind: EmulatorEvent['kind'], channel: number, active: boolean, operation: 'Initialized' | 'Changed'): EmulatedNotification[] {
    const at = this.deviceNow();
    const state = String(active);
    const videoSource = { Source: `VideoSource_${channel}` };
    const rule = (name: string): Record<string, string> => ({
      VideoSourceConfigurationToken: `VideoSourceConfig_${channel}`,
      VideoAnalyticsConfigurationToken: `VideoAnalyticsConfig_${channel}`,
      Rule: name,
    });
    switch (kind) {
      case 'motion':
        return [
          { topic: 'tns1:VideoSource/MotionAlarm', at, operation, source: videoSource, data: { State: state } },
          { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', at, operation, source: rule('MyMotionDetectorRule'), data: { IsMotion: state } },
        ];
      case 'tamper':
        return [{ topic: 'tns1:RuleEngine/TamperDetector/Tamper', at, operation, source: rule('MyTamperDetectorRule'), data: { IsTamper: state } }];
      case 'videoLoss':
        return [{ topic: 'tns1:VideoSource/SignalLoss', at, operation, source: videoSource, data: { State: state } }];
      case 'io':
        return [{ topic: 'tns1:Device/Trigger/DigitalInput', at, operation, source: { InputToken: `DigitalInput_${channel}` }, data: { LogicalState: state } }];
    }
  }

  #subscriptionCall(operation: string, args: XmlObject, id: string): EmulatorHttpReply | StreamingReply {
    this.#expire();
    const pullPoint = this.#pullPoints.get(id);
    if (pullPoint === undefined) return fault(FAULTS.unknownSubscription);
    switch (operation) {
      case 'PullMessages':
        return this.#pullMessages(pullPoint, args);
      case 'Renew':
        pullPoint.terminationMs = this.#termination(text(args, 'TerminationTime'));
        return reply(renewReply(this.deviceNow(), pullPoint.terminationMs));
      case 'Unsubscribe':
        this.#closePullPoint(pullPoint);
        return reply(unsubscribeReply());
      case 'SetSynchronizationPoint':
        for (const kind of ['motion', 'tamper'] as const) pullPoint.queue.push(...this.#notifications(kind, 1, this.#states.get(`${kind}:1`) ?? false, 'Initialized'));
        return reply(synchronizationPointReply());
      default:
        return fault(FAULTS.actionNotSupported);
    }
  }

  /** Long poll: answers at once when messages wait, else when one arrives or the request's Timeout passes. */
  #pullMessages(pullPoint: PullPoint, args: XmlObject): StreamingReply | EmulatorHttpReply {
    const timeoutMs = Math.min(parseXsDuration(text(args, 'Timeout')) ?? 10_000, MAX_PULL_TIMEOUT_MS);
    const limit = Math.max(1, num(text(args, 'MessageLimit')) ?? 100);
    const stops = this.#stops;
    return {
      streaming: true,
      headers: { 'Content-Type': SOAP_CONTENT_TYPE },
      start: (write, end) => {
        const respond = (): void => {
          pullPoint.wake = undefined;
          if (stops !== this.#stops) return;
          const body = pullMessagesReply(pullPoint.queue.splice(0, limit), this.deviceNow(), pullPoint.terminationMs);
          write(this.fault === 'malformed' ? body.slice(0, Math.floor(body.length / 2)) : body);
          end();
        };
        if (pullPoint.queue.length > 0) {
          respond();
          return () => undefined;
        }
        // A poll already waiting on this pull point answers now (empty): one waiter per subscription.
        pullPoint.wake?.();
        const timer = setTimeout(respond, timeoutMs);
        const answer = (): void => {
          clearTimeout(timer);
          respond();
        };
        pullPoint.wake = answer;
        return () => {
          clearTimeout(timer);
          if (pullPoint.wake === answer) pullPoint.wake = undefined;
        };
      },
    };
  }

  #expire(): void {
    const now = this.deviceNow();
    for (const pullPoint of [...this.#pullPoints.values()]) if (pullPoint.terminationMs <= now) this.#closePullPoint(pullPoint);
  }

  #closePullPoint(pullPoint: PullPoint): void {
    pullPoint.events.unsubscribe();
    pullPoint.wake = undefined;
    this.#pullPoints.delete(pullPoint.id);
    if (this.#pullPoints.size === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #dropPullPoints(): void {
    for (const pullPoint of [...this.#pullPoints.values()]) this.#closePullPoint(pullPoint);
  }
}

const PTZ_OPERATIONS = new Set([
  'GetNodes',
  'GetNode',
  'ContinuousMove',
  'Stop',
  'AbsoluteMove',
  'RelativeMove',
  'GotoHomePosition',
  'SetHomePosition',
  'GetPresets',
  'SetPreset',
  'GotoPreset',
  'RemovePreset',
  'GetStatus',
]);

/** A stable UUID-shaped id from a serial number, so a device keeps its endpoint reference across runs. */
function uuidFrom(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
