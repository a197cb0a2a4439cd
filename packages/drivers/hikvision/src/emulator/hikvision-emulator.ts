import {
  DeviceEmulator,
  type EmulatorEvent,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorIdentity,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type StreamingReply,
} from '@argus/driver-kit/emulator';
import { hasErrorCode } from '@argus/core';
import { bodyText, parseIsapiDocument, textAt } from '../isapi-document.js';
import { fromIsapiSpeed, parsePtzData } from '../parse-ptz.js';
import {
  adminAccessesXml,
  ALERT_STREAM_BOUNDARY,
  alertPart,
  alertXml,
  deviceInfoXml,
  inputProxyChannelsXml,
  isapiDateTime,
  ptzCapabilitiesXml,
  ptzPresetListXml,
  responseStatusXml,
  streamingChannelListXml,
  streamingChannelXml,
  type AlertFields,
  type StreamingChannelFields,
} from './isapi-replies.js';

/** Options of a {@link HikvisionEmulator}: the kit's emulator options and the ISAPI device's own. */
export interface HikvisionEmulatorOptions extends EmulatorOptions {
  /** `deviceType` reported: `IPCamera` (default), `IPDome`; `NVR` or `DVR` make a recorder. */
  readonly deviceType?: string;
  /** Recorder channels (each served at `N01`/`N02`); default 4 for recorders, 1 for cameras. */
  readonly channels?: number;
  /** Digest algorithms offered, one challenge each; default `['MD5']` (newer firmware adds `SHA-256`). */
  readonly digestAlgorithms?: ('MD5' | 'SHA-256')[];
  /** Digest realm; default `IP Camera(<last 5 of the serial>)` for cameras, the model for recorders. */
  readonly realm?: string;
  /** Writes `<manufacturer>` into deviceInfo (newer firmware does); default true. */
  readonly reportManufacturer?: boolean;
  /** False for devices without an alertStream (Ezviz): the path answers 404; default true. */
  readonly alertStream?: boolean;
  /** Interval of `videoloss`/`inactive` heartbeats on the alertStream; default 10 000 ms. */
  readonly heartbeatMs?: number;
  /** Interval of repeated `active` alerts while motion, tamper or an input lasts; default 1000 ms. */
  readonly repeatMs?: number;
  /** Time zone of alert `dateTime`s, minutes east of UTC; default 0. */
  readonly timeZoneOffsetMinutes?: number;
  /** Highest preset number; default 300. */
  readonly maxPresets?: number;
  /**
   * `Server` header of every HTTP reply, as Hikvision's embedded web servers send it: `App-webs/` (current
   * firmware), `DNVRS-Webs` or `DVRDVS-Webs` (older recorders). Default none.
   */
  readonly serverHeader?: string;
}

/** The identity of a Hikvision emulator built without `identity` options. */
export const HIKVISION_EMULATOR_IDENTITY: Readonly<EmulatorIdentity> = Object.freeze({
  manufacturer: 'Hikvision',
  model: 'DS-2CD2346G2-ISU',
  firmware: 'V5.7.15',
  serial: 'DS-2CD2346G2-ISU20240101AAWRARGUS0001',
  mac: '02:00:5e:10:00:01',
  hardwareId: '0x0',
});

const RECORDER_IDENTITY: Partial<EmulatorIdentity> = { model: 'DS-7608NXI-I2/8P', serial: 'DS-7608NXI-I2/8P0820240101CCRRARGUS0001', firmware: 'V4.62.210' };

/** ISAPI event type and description per emulator event kind; each is repeated while active. */
const ALERTS: Readonly<Record<EmulatorEvent['kind'], { eventType: string; description: string }>> = {
  motion: { eventType: 'VMD', description: 'Motion alarm' },
  tamper: { eventType: 'tamperdetection', description: 'tamperdetection alarm' },
  io: { eventType: 'IO', description: 'IO alarm' },
  videoLoss: { eventType: 'videoloss', description: 'videoloss alarm' },
};

interface ActiveAlert {
  readonly kind: EmulatorEvent['kind'];
  readonly channel: number;
  count: number;
}

/** The 401 page of Hikvision's embedded web server (GoAhead-derived), sent with the Digest challenges. */
const UNAUTHORIZED_PAGE =
  '<!DOCTYPE html>\r\n<html><head><title>Document Error: Unauthorized</title></head>\r\n<body><h2>Access Error: 401 -- Unauthorized</h2>\r\n' +
  '<p>Authentication Error: Access Denied! Authorization required.</p>\r\n</body>\r\n</html>\r\n';

const PTZ_PATH = /^\/ISAPI\/PTZCtrl\/channels\/(\d+)(\/.*)?$/;
const STREAM_PATH = /^\/ISAPI\/Streaming\/channels\/(\d+)(\/picture)?$/i;

/**
 * An ISAPI device on 127.0.0.1 (camera, PTZ dome or recorder) speaking Hikvision's wire protocol: Digest (MD5,
 * optionally SHA-256), `deviceInfo`, streaming channels, `adminAccesses` (with the real RTSP port), JPEG
 * pictures, PTZ on the kit's `PtzModel` (ISAPI's -100..100 speeds converted), presets, home, recorder
 * InputProxy channels, and the alertStream with the captured framing: `VMD`/`tamperdetection`/`IO` alerts
 * repeated while active and silent after, `videoloss`/`inactive` heartbeats. RTSP at `/Streaming/Channels/101`
 * and `102` (recorders: `N01`/`N02`). The `malformed` fault answers broken XML and a truncated alertStream.
 * Requests without valid credentials get the web server's `Access Error: 401 -- Unauthorized` page, and every reply
 * the `serverHeader` option's `Server` header (`App-webs/` on real firmware) when given.
 *
 * @example
 * ```ts
 * const emulator = new HikvisionEmulator({ farm, cameraId: 'cam-main', ptz: true });
 * await emulator.start();
 * const session = await driver.connect(emulator.connection());
 * emulator.triggerEvent({ kind: 'motion', state: 'start' });
 * ```
 */
export class HikvisionEmulator extends DeviceEmulator {
  readonly #deviceType: string;
  readonly #recorder: boolean;
  readonly #channels: number;
  readonly #reportManufacturer: boolean;
  readonly #alertStream: boolean;
  readonly #heartbeatMs: number;
  readonly #repeatMs: number;
  readonly #offsetMinutes: number;
  readonly #maxPresets: number;
  readonly #active = new Map<string, ActiveAlert>();

  constructor(options: HikvisionEmulatorOptions) {
    const deviceType = options.deviceType ?? 'IPCamera';
    const recorder = /^(?:NVR|DVR|HybirdNVR|DVS)$/i.test(deviceType);
    const identity: EmulatorIdentity = {
      ...HIKVISION_EMULATOR_IDENTITY,
      ...(recorder ? RECORDER_IDENTITY : {}),
      ...Object.fromEntries(Object.entries(options.identity ?? {}).filter(([, v]) => v !== undefined)),
    };
    const realm = options.realm ?? (recorder ? identity.model : `IP Camera(${identity.serial.slice(-5)})`);
    super({ ...options, identity }, { realm, algorithms: options.digestAlgorithms ?? ['MD5'], ...(options.serverHeader === undefined ? {} : { serverHeader: options.serverHeader }) });
    this.#deviceType = deviceType;
    this.#recorder = recorder;
    this.#channels = options.channels ?? (recorder ? 4 : 1);
    if (!Number.isInteger(this.#channels) || this.#channels < 1 || this.#channels > 64) throw new RangeError(`channels must be 1..64, got ${this.#channels}`);
    this.#reportManufacturer = options.reportManufacturer ?? true;
    this.#alertStream = options.alertStream ?? true;
    this.#heartbeatMs = options.heartbeatMs ?? 10_000;
    this.#repeatMs = options.repeatMs ?? 1000;
    this.#offsetMinutes = options.timeZoneOffsetMinutes ?? 0;
    this.#maxPresets = options.maxPresets ?? 300;
    for (const [name, value] of [['heartbeatMs', this.#heartbeatMs], ['repeatMs', this.#repeatMs]] as const) {
      if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
    }
  }

  /** True when the emulator is a recorder (NVR/DVR). */
  get recorder(): boolean {
    return this.#recorder;
  }

  /** Channels served (1 for a camera). */
  get channels(): number {
    return this.#channels;
  }

  /**
   * Raises an event (see `DeviceEmulator.triggerEvent`). The device keeps what is active whether or not an
   * alertStream is open, so a stream opened later (or after a restart) repeats the alerts of what is still going on.
   */
  override triggerEvent(event: { kind: EmulatorEvent['kind']; state: EmulatorEvent['state']; channel?: number }): void {
    const channel = event.channel ?? 1;
    const key = `${event.kind}|${channel}`;
    if (event.state === 'start') {
      const active = this.#active.get(key) ?? { kind: event.kind, channel, count: 0 };
      active.count += 1;
      this.#active.set(key, active);
    } else {
      this.#active.delete(key);
    }
    super.triggerEvent(event);
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    const mounts: EmulatorRtspMount[] = [];
    for (let ch = 1; ch <= this.#channels; ch++) {
      mounts.push({ path: `/Streaming/Channels/${ch}01`, stream: 'main' }, { path: `/Streaming/Channels/${ch}02`, stream: 'sub' });
    }
    return mounts;
  }

  /** Hikvision's `Access Error: 401 -- Unauthorized` page (the base adds the Digest challenges). */
  protected override unauthorizedReply(): EmulatorHttpReply {
    return { headers: { 'Content-Type': 'text/html' }, body: UNAUTHORIZED_PAGE };
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    const { method, path } = req;
    if (path === '/ISAPI/System/deviceInfo' && method === 'GET') return this.#xml(this.#deviceInfo());
    if (path === '/ISAPI/Security/adminAccesses' && method === 'GET') {
      return this.#xml(adminAccessesXml({ http: this.httpPort, rtsp: this.rtspPort }));
    }
    if (/^\/ISAPI\/Streaming\/channels\/?$/i.test(path) && method === 'GET') return this.#xml(streamingChannelListXml(this.#streamingChannels()));
    const stream = STREAM_PATH.exec(path);
    if (stream !== null && method === 'GET') return this.#streamingChannel(stream[1]!, stream[2] !== undefined);
    if (path === '/ISAPI/ContentMgmt/InputProxy/channels' && method === 'GET') {
      return this.#recorder ? this.#xml(inputProxyChannelsXml(this.#proxyChannels())) : this.#notSupported(path, 403);
    }
    const ptz = PTZ_PATH.exec(path);
    if (ptz !== null) return this.#ptz(req, Number(ptz[1]), ptz[2] ?? '');
    if (path === '/ISAPI/Event/notification/alertStream' && method === 'GET' && this.#alertStream) return this.#alertStreamReply();
    return undefined;
  }

  // ---- documents ----

  #deviceInfo(): string {
    return deviceInfoXml({
      deviceName: this.#recorder ? 'Network Video Recorder' : 'IP CAMERA',
      model: this.identity.model,
      serialNumber: this.identity.serial,
      macAddress: this.identity.mac,
      firmwareVersion: this.identity.firmware,
      ...(this.identity.hardwareId === undefined ? {} : { hardwareVersion: this.identity.hardwareId }),
      deviceType: this.#deviceType,
      ...(this.#reportManufacturer ? { manufacturer: this.identity.manufacturer } : {}),
    });
  }

  #streamingChannels(): StreamingChannelFields[] {
    const out: StreamingChannelFields[] = [];
    const bitrate = (id: string) => this.farm.cameras().find((c) => c.id === id)?.bitrateKbps ?? 1000;
    for (let ch = 1; ch <= this.#channels; ch++) {
      for (const stream of ['main', 'sub'] as const) {
        const format = this.streamFormat(stream);
        out.push({
          id: `${ch}0${stream === 'main' ? 1 : 2}`,
          channelName: this.#recorder ? `Camera ${String(ch).padStart(2, '0')}` : 'Camera 01',
          codec: format.codec,
          width: format.width,
          height: format.height,
          fps: format.fps,
          bitrateKbps: bitrate(stream === 'main' ? this.cameraId : this.subCameraId),
          inputChannel: ch,
        });
      }
    }
    return out;
  }

  #proxyChannels() {
    return Array.from({ length: this.#channels }, (_, i) => ({
      id: i + 1,
      name: `Camera ${String(i + 1).padStart(2, '0')}`,
      model: HIKVISION_EMULATOR_IDENTITY.model,
      serialNumber: `${HIKVISION_EMULATOR_IDENTITY.model}20240101AAWRARGUS${String(i + 1).padStart(4, '0')}`,
      firmwareVersion: HIKVISION_EMULATOR_IDENTITY.firmware,
    }));
  }

  async #streamingChannel(id: string, picture: boolean): Promise<EmulatorHttpReply> {
    const channel = this.#streamingChannels().find((c) => c.id === id);
    if (channel === undefined) return this.#notSupported(`/ISAPI/Streaming/channels/${id}${picture ? '/picture' : ''}`, 404);
    if (!picture) return this.#xml(streamingChannelXml(channel));
    const jpeg = await this.snapshotJpeg(id.endsWith('02') ? 'sub' : 'main');
    return { headers: { 'Content-Type': 'image/jpeg' }, body: jpeg };
  }

  // ---- PTZ ----

  async #ptz(req: EmulatorHttpRequest, channel: number, rest: string): Promise<EmulatorHttpReply> {
    const ptz = this.ptz;
    if (ptz === undefined || channel < 1 || channel > this.#channels) return this.#notSupported(req.path, 403);
    const ok = () => this.#xml(responseStatusXml({ requestUrl: req.path, statusCode: 1, statusString: 'OK', subStatusCode: 'ok' }));
    const bad = (status: number, statusCode: number, statusString: string, subStatusCode: string) => ({
      status,
      headers: { 'Content-Type': 'application/xml' },
      body: responseStatusXml({ requestUrl: req.path, statusCode, statusString, subStatusCode }),
    });
    const { method } = req;
    try {
      if (rest === '/capabilities' && method === 'GET') return this.#xml(ptzCapabilitiesXml(this.#maxPresets));
      if ((rest === '/continuous' || rest === '/momentary') && method === 'PUT') {
        const data = parsePtzData(bodyText(req.body), 'emulator');
        const velocity = fromIsapiSpeed(data.speed);
        if (velocity.pan === 0 && velocity.tilt === 0 && velocity.zoom === 0) ptz.stop();
        else ptz.continuousMove(velocity, rest === '/momentary' ? (data.durationMs ?? 1000) : undefined);
        return ok();
      }
      if (rest === '/presets' && method === 'GET') return this.#xml(ptzPresetListXml(ptz.presets()));
      const preset = /^\/presets\/([^/]+)(\/goto)?$/.exec(rest);
      if (preset !== null) {
        const id = decodeURIComponent(preset[1]!);
        if (!/^\d+$/.test(id) || Number(id) < 1 || Number(id) > this.#maxPresets) return bad(400, 6, 'Invalid XML Content', 'badParameters');
        if (preset[2] !== undefined && method === 'PUT') {
          if (!ptz.hasPreset(id)) return bad(403, 4, 'Invalid Operation', 'invalidOperation');
          ptz.gotoPreset(id);
          return ok();
        }
        if (preset[2] === undefined && method === 'PUT') {
          const text = bodyText(req.body);
          const name = text.trim() === '' ? undefined : textAt(parseIsapiDocument(text, ['PTZPreset'], { endpoint: 'emulator' }).node, 'presetName');
          ptz.setPreset(name, id);
          return ok();
        }
        if (preset[2] === undefined && method === 'DELETE') {
          if (!ptz.hasPreset(id)) return bad(403, 4, 'Invalid Operation', 'invalidOperation');
          ptz.removePreset(id);
          return ok();
        }
      }
      if (rest === '/homeposition/goto' && method === 'PUT') {
        ptz.gotoHome();
        return ok();
      }
      if (rest === '/homeposition' && method === 'PUT') {
        ptz.setHome();
        return ok();
      }
    } catch (err) {
      if (hasErrorCode(err, 'ARGUS_ERR_DRIVER_PROTOCOL')) return bad(400, 5, 'Invalid XML Format', 'badXmlFormat');
      if (err instanceof RangeError) return bad(400, 6, 'Invalid XML Content', 'badParameters');
      throw err;
    }
    return this.#notSupported(req.path, 403);
  }

  // ---- alertStream ----

  #alertStreamReply(): StreamingReply {
    return {
      streaming: true,
      headers: { 'Content-Type': `multipart/mixed; boundary=${ALERT_STREAM_BOUNDARY}`, Connection: 'keep-alive' },
      start: (write, end) => {
        let ended = false;
        const send = (fields: Omit<AlertFields, 'ipAddress' | 'portNo' | 'macAddress' | 'dateTime'>): void => {
          if (ended) return;
          const body = alertXml({ ...fields, ipAddress: this.host, portNo: this.httpPort, macAddress: this.identity.mac, dateTime: isapiDateTime(this.clock.now(), this.#offsetMinutes) });
          if (this.fault === 'malformed') {
            // A part whose XML is broken, then a part cut off mid-body: a truncated multipart stream.
            write(alertPart(body.slice(0, Math.floor(body.length / 2)) + '\r\n'));
            write(alertPart(body).subarray(0, 60));
            ended = true;
            end();
            return;
          }
          write(alertPart(body));
        };
        if (this.fault === 'malformed') {
          // Broken from the start: nothing to tear down (end() runs before this producer is registered).
          send({ channelID: 1, activePostCount: 0, eventType: 'videoloss', eventState: 'inactive', eventDescription: 'videoloss alarm' });
          return () => undefined;
        }
        const alertOf = (active: ActiveAlert, state: 'active' | 'inactive') => {
          const alert = ALERTS[active.kind];
          return {
            ...(active.kind === 'io' ? { inputIOPortID: active.channel } : { channelID: active.channel }),
            activePostCount: state === 'active' ? active.count : 0,
            eventType: alert.eventType,
            eventState: state,
            eventDescription: alert.description,
          };
        };
        const subscription = this.events$.subscribe((event) => {
          if (event.state === 'start') {
            const active = this.#active.get(`${event.kind}|${event.channel}`);
            if (active !== undefined) send(alertOf(active, 'active'));
          } else if (event.kind === 'videoLoss') {
            // Motion, tamper and I/O just fall silent; video loss ends with an inactive alert.
            send(alertOf({ kind: event.kind, channel: event.channel, count: 0 }, 'inactive'));
          }
        });
        const repeat = setInterval(() => {
          for (const active of this.#active.values()) {
            active.count += 1;
            send(alertOf(active, 'active'));
          }
        }, this.#repeatMs);
        const heartbeat = setInterval(() => {
          // Alerts of active events keep the stream alive; a heartbeat then could read as the end of a video loss.
          if (this.#active.size > 0) return;
          send({ channelID: 1, activePostCount: 0, eventType: 'videoloss', eventState: 'inactive', eventDescription: 'videoloss alarm' });
        }, this.#heartbeatMs);
        return () => {
          ended = true;
          subscription.unsubscribe();
          clearInterval(repeat);
          clearInterval(heartbeat);
        };
      },
    };
  }

  // ---- helpers ----

  #xml(body: string): EmulatorHttpReply {
    return { headers: { 'Content-Type': 'application/xml' }, body };
  }

  #notSupported(path: string, status: number): EmulatorHttpReply {
    return {
      status,
      headers: { 'Content-Type': 'application/xml' },
      body: responseStatusXml({ requestUrl: path, statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'notSupport' }),
    };
  }
}
