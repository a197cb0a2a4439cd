import type { Socket } from 'node:net';
import type { PtzVector } from '@argus/core';
import {
  DeviceEmulator,
  DEFAULT_EMULATOR_IDENTITY,
  type EmulatorEvent,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorIdentity,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type EmulatorRtspRequest,
  type EmulatorRtspRoute,
  type StreamingReply,
} from '@argus/driver-kit/emulator';
import type { AxisPtzLimits } from '../parse-ptz-params.js';
import { fromVapixPosition, fromVapixSpeed, ptzRange, toVapixPosition, type AxisPtzRange } from '../ptz-scaling.js';
import { listParams } from './axis-param-listing.js';
import { metadataDocument, type MetadataNotification } from './metadata-document.js';
import { MetadataRtspSession } from './metadata-rtsp-session.js';

/** Product strings of the emulated model, beyond the {@link EmulatorIdentity}. */
export interface AxisProductInfo {
  /** `ProdFullName`; default `AXIS <model> Network Camera` (`PTZ Network Camera` with PTZ). */
  readonly fullName?: string;
  /** `ProdShortName`; default `AXIS <model>`. */
  readonly shortName?: string;
  /** `ProdType`; default `Network Camera` (`PTZ Network Camera` with PTZ). */
  readonly type?: string;
  /** `ProdVariant`; default empty. */
  readonly variant?: string;
  /** `WebURL`; default `http://www.axis.com`. */
  readonly webUrl?: string;
  /** `Architecture`; default `armv7hf`. */
  readonly architecture?: string;
  /** `Soc`; default `Axis Artpec-7`. */
  readonly soc?: string;
  /** `BuildDate`; default `Apr 29 2020 06:50`. */
  readonly buildDate?: string;
}

/** Options of the {@link AxisEmulator}: the kit's emulator options plus Axis specifics. */
export interface AxisEmulatorOptions extends EmulatorOptions {
  /** Serve `basicdeviceinfo.cgi` without authentication, as many firmwares do; default true. */
  readonly anonymousDeviceInfo?: boolean;
  /** Emulate firmware older than 8.x, without `basicdeviceinfo.cgi` (404); default false. */
  readonly legacyFirmware?: boolean;
  /** Product strings beyond the identity (full name, type, SoC...). */
  readonly product?: AxisProductInfo;
  /** PTZ limits reported in `root.PTZ.Limit.L1` and used to convert positions; default pan ±170°, tilt -20..90°. */
  readonly ptzLimits?: AxisPtzLimits;
  /** Apply fault injection to RTSP connections too; default false (faults hit the HTTP API only). */
  readonly rtspFaults?: boolean;
}

/** The identity of an Axis emulator built without `identity` options. */
export const DEFAULT_AXIS_IDENTITY: Readonly<EmulatorIdentity> = Object.freeze({
  manufacturer: 'AXIS',
  model: 'M1065-LW',
  firmware: '9.80.1',
  serial: 'ACCC8E012345',
  mac: 'ac:cc:8e:01:23:45',
  hardwareId: '70E',
});

const DEFAULT_PTZ_LIMITS: AxisPtzLimits = { minPan: -170, maxPan: 170, minTilt: -20, maxTilt: 90, minZoom: 1, maxZoom: 9999, minFocus: 770, maxFocus: 9999 };

const PTZ_SUPPORT = [
  'AbsolutePan',
  'AbsoluteTilt',
  'AbsoluteZoom',
  'ContinuousPan',
  'ContinuousTilt',
  'ContinuousZoom',
  'RelativePan',
  'RelativeTilt',
  'RelativeZoom',
  'ServerPreset',
  'SpeedCtl',
  'ProportionalSpeed',
  'ActionNotification',
];

const JSON_TYPE = { 'Content-Type': 'application/json' };
const TEXT_TYPE = { 'Content-Type': 'text/plain' };

function identityOf(options: AxisEmulatorOptions): Partial<EmulatorIdentity> {
  const given = Object.fromEntries(Object.entries(options.identity ?? {}).filter(([, v]) => v !== undefined)) as Partial<EmulatorIdentity>;
  const merged = { ...DEFAULT_AXIS_IDENTITY, ...(options.ptz === true && given.model === undefined ? { model: 'Q6075-E' } : {}), ...given };
  // Axis serial numbers are the MAC address: keep them in step unless both were given.
  if (given.serial === undefined && given.mac !== undefined) merged.serial = given.mac.replace(/[:-]/g, '').toUpperCase();
  if (given.mac === undefined && given.serial !== undefined && /^[0-9a-f]{12}$/i.test(given.serial)) {
    merged.mac = given.serial.toLowerCase().match(/../g)!.join(':');
  }
  return merged;
}

function realmOf(identity: Partial<EmulatorIdentity>): string {
  return `AXIS_${(identity.mac ?? DEFAULT_EMULATOR_IDENTITY.mac).replace(/[:-]/g, '').toUpperCase()}`;
}

function parseResolution(value: string | null): { width: number; height: number } | undefined {
  const match = value === null ? null : /^(\d{2,5})x(\d{2,5})$/.exec(value.trim());
  return match === null ? undefined : { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * An Axis network camera speaking VAPIX, for tests and demos: `basicdeviceinfo.cgi` (JSON API), `param.cgi`
 * (key=value listings of `Brand`, `Properties`, `Network`, `Image`, `StreamProfile`, `PTZ`), `jpg/image.cgi`,
 * `com/ptz.cgi` (continuous, absolute and relative moves, server presets, home, queries) on the emulator's `PtzModel`,
 * and RTSP at `/axis-media/media.amp`: main and sub video told apart by `resolution=`/`streamprofile=`, and the
 * ONVIF metadata event stream (`?video=0&audio=0&event=on`) fed by {@link DeviceEmulator.triggerEvent}. HTTP and
 * RTSP use Digest with realm `AXIS_<MAC>`. Under the `malformed` fault JSON is cut short and parameter listings
 * end in a broken line.
 *
 * RTSP uses the kit's routing (`rtspRouting`): the base's front on {@link DeviceEmulator.rtspPort} reads the first
 * request of each connection and {@link AxisEmulator.routeRtsp} sends it to the inner server of the main or sub
 * stream (both mount the Axis path, so URLs, Content-Base and Digest stay untouched) or, for `event=on`, to a
 * {@link MetadataRtspSession}. A connection keeps the route of its first request.
 *
 * @example
 * ```ts
 * const emulator = new AxisEmulator({ farm, cameraId: 'main', subCameraId: 'sub', ptz: true });
 * await emulator.start();
 * const session = await axis()(components).connect(emulator.connection());
 * emulator.triggerEvent({ kind: 'motion', state: 'start' });
 * await emulator.stop();
 * ```
 */
export class AxisEmulator extends DeviceEmulator {
  readonly #options: AxisEmulatorOptions;
  readonly #range: AxisPtzRange;
  readonly #limits: AxisPtzLimits;
  /** Metadata (event) streams now open. */
  readonly #sessions = new Set<MetadataRtspSession>();
  readonly #producer = '1c8ae81b-3b00-46cf-bf76-79cc3fa533dc';
  /** Last state of each stateful topic, for the `Initialized` documents of new metadata sessions. */
  readonly #states = new Map<string, MetadataNotification>();
  /** Continuous velocities per axis pair, as VAPIX sets them separately. */
  #panTilt: { pan: number; tilt: number } = { pan: 0, tilt: 0 };
  #zoom = 0;

  constructor(options: AxisEmulatorOptions) {
    const identity = identityOf(options);
    super(
      { ...options, identity },
      { realm: realmOf(identity), authSchemes: ['digest'], algorithms: ['MD5'], rtspAuthSchemes: ['digest'], rtspAlgorithms: ['MD5'], rtspRouting: true, rtspFaults: options.rtspFaults === true },
    );
    this.#options = options;
    this.#limits = { ...DEFAULT_PTZ_LIMITS, ...(options.ptzLimits ?? {}) };
    this.#range = ptzRange(this.#limits);
    for (const notification of this.#initialStates()) this.#states.set(notification.topic + JSON.stringify(notification.source ?? []), notification);
  }

  /** Metadata (event) streams now open. */
  get metadataSessions(): number {
    return this.#sessions.size;
  }

  /**
   * Raises an event (see {@link DeviceEmulator.triggerEvent}); the device also remembers the new state, so a
   * metadata stream opened later reports it in its `Initialized` documents, as Axis firmware does.
   */
  override triggerEvent(event: { kind: EmulatorEvent['kind']; state: EmulatorEvent['state']; channel?: number }): void {
    const notification = this.#notification({ ...event, channel: event.channel ?? 1, at: this.clock.now() });
    this.#states.set(notification.topic + JSON.stringify(notification.source ?? []), notification);
    super.triggerEvent(event);
  }

  /** Every parameter the emulated device has, in listing order (what `param.cgi?action=list` shows). */
  params(): Map<string, string> {
    const id = this.identity;
    const product = this.#options.product ?? {};
    const ptz = this.ptz !== undefined;
    const type = product.type ?? (ptz ? 'PTZ Network Camera' : 'Network Camera');
    const main = this.streamFormat('main');
    const sub = this.streamFormat('sub');
    const p = new Map<string, string>();
    const set = (name: string, value: string | number | boolean): void => void p.set(`root.${name}`, String(value));
    set('Brand.Brand', id.manufacturer);
    set('Brand.ProdFullName', product.fullName ?? `${id.manufacturer} ${id.model} ${type}`);
    set('Brand.ProdNbr', id.model);
    set('Brand.ProdShortName', product.shortName ?? `${id.manufacturer} ${id.model}`);
    set('Brand.ProdType', type);
    set('Brand.ProdVariant', product.variant ?? '');
    set('Brand.WebURL', product.webUrl ?? 'http://www.axis.com');
    set('Image.I0.Appearance.Compression', 30);
    set('Image.I0.Appearance.Resolution', `${main.width}x${main.height}`);
    set('Image.I0.Stream.FPS', 0);
    set('Network.Bonjour.FriendlyName', `${id.manufacturer} ${id.model} - ${id.serial}`);
    set('Network.eth0.MACAddress', id.mac.toUpperCase());
    set('Network.RTSP.Enabled', 'yes');
    set('Network.RTSP.Port', this.rtspPort);
    set('Network.RTSP.Timeout', 60);
    set('Properties.API.HTTP.Version', 3);
    set('Properties.API.Metadata.Metadata', 'yes');
    set('Properties.API.Metadata.Version', '1.0');
    set('Properties.API.PTZ.Presets.Version', '2.00');
    set('Properties.API.RTSP.RTSPAuth', 'yes');
    set('Properties.API.RTSP.Version', '2.01');
    set('Properties.Firmware.BuildDate', product.buildDate ?? 'Apr 29 2020 06:50');
    set('Properties.Firmware.Version', id.firmware);
    set('Properties.Image.Format', 'jpeg,mjpeg,h264');
    set('Properties.Image.NbrOfViews', 2);
    set('Properties.Image.Resolution', [...new Set([`${main.width}x${main.height}`, `${sub.width}x${sub.height}`])].join(','));
    set('Properties.Motion.Motion', 'yes');
    set('Properties.PTZ.PTZ', ptz ? 'yes' : 'no');
    set('Properties.System.Architecture', product.architecture ?? 'armv7hf');
    if (id.hardwareId !== undefined) set('Properties.System.HardwareID', id.hardwareId);
    set('Properties.System.Language', 'English');
    set('Properties.System.SerialNumber', id.serial);
    set('Properties.System.Soc', product.soc ?? 'Axis Artpec-7');
    if (ptz) for (const [name, value] of this.#ptzParams()) p.set(name, value);
    set('StreamProfile.MaxGroups', 26);
    set('StreamProfile.S0.Description', 'Full resolution');
    set('StreamProfile.S0.Name', 'main');
    set('StreamProfile.S0.Parameters', `videocodec=${main.codec}&resolution=${main.width}x${main.height}`);
    set('StreamProfile.S1.Description', 'Low bandwidth');
    set('StreamProfile.S1.Name', 'sub');
    set('StreamProfile.S1.Parameters', `videocodec=${sub.codec}&resolution=${sub.width}x${sub.height}`);
    return p;
  }

  /** Properties of `basicdeviceinfo.cgi` `getAllProperties`. */
  basicDeviceInfo(): Record<string, string> {
    const id = this.identity;
    const params = this.params();
    const get = (name: string): string => params.get(`root.${name}`) ?? '';
    return {
      Architecture: get('Properties.System.Architecture'),
      ProdNbr: id.model,
      HardwareID: id.hardwareId ?? '',
      Version: id.firmware,
      ProdFullName: get('Brand.ProdFullName'),
      Brand: id.manufacturer,
      ProdType: get('Brand.ProdType'),
      Soc: get('Properties.System.Soc'),
      SocSerialNumber: '',
      WebURL: get('Brand.WebURL'),
      ProdVariant: get('Brand.ProdVariant'),
      SerialNumber: id.serial,
      ProdShortName: get('Brand.ProdShortName'),
      BuildDate: get('Properties.Firmware.BuildDate'),
    };
  }

  /** Main and sub video at the one Axis path, each on its own inner server; {@link AxisEmulator.routeRtsp} picks. */
  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/axis-media/media.amp', stream: 'main' },
      { path: '/axis-media/media.amp', stream: 'sub' },
    ];
  }

  /**
   * The stream of a connection from its first request's query (`event=on`: a metadata session served here;
   * `streamprofile=`, `resolution=`: main or sub); requests without a query (`OPTIONS *`) go to the main server,
   * which also answers paths it does not serve.
   */
  protected override routeRtsp(request: EmulatorRtspRequest): EmulatorRtspRoute {
    const route = this.#route(request.query);
    return route === 'metadata' ? (socket, initial) => this.#openMetadata(socket, initial) : route;
  }

  /** Ends the metadata sessions before the base drops their connections. */
  protected override async onStop(): Promise<void> {
    for (const session of this.#sessions) session.close();
    this.#sessions.clear();
  }

  protected override publicPaths(): readonly string[] {
    return this.#options.anonymousDeviceInfo === false ? [] : ['/axis-cgi/basicdeviceinfo.cgi'];
  }

  protected override malformed(reply: EmulatorHttpReply): EmulatorHttpReply {
    const type = reply.headers?.['Content-Type'] ?? '';
    const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body ?? new Uint8Array()).toString('latin1');
    if (type.startsWith('text/plain')) {
      // A listing cut mid-line, then bytes no VAPIX text contains.
      return { ...reply, body: `${body.slice(0, Math.floor(body.length / 2)).replace(/=[^\n]*$/, '')}\u0000\u0007<<<\n` };
    }
    return super.malformed(reply);
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    switch (req.path) {
      case '/axis-cgi/basicdeviceinfo.cgi':
        return this.#options.legacyFirmware === true ? undefined : this.#basicDeviceInfo(req);
      case '/axis-cgi/param.cgi':
        return this.#paramCgi(req);
      case '/axis-cgi/jpg/image.cgi':
        return this.#image(req);
      case '/axis-cgi/com/ptz.cgi':
        return this.ptz === undefined ? undefined : this.#ptzCgi(req);
      default:
        return undefined;
    }
  }

  // ---- JSON API ----

  #basicDeviceInfo(req: EmulatorHttpRequest): EmulatorHttpReply {
    if (req.method !== 'POST') return { status: 405, headers: TEXT_TYPE, body: 'Method Not Allowed' };
    let call: { apiVersion?: unknown; context?: unknown; method?: unknown; params?: { propertyList?: unknown } };
    try {
      call = JSON.parse(req.body.toString('utf8')) as typeof call;
    } catch {
      return { headers: JSON_TYPE, body: JSON.stringify({ apiVersion: '1.1', error: { code: 2101, message: 'Invalid JSON' } }) };
    }
    const head = { apiVersion: '1.1', ...(typeof call.context === 'string' ? { context: call.context } : {}), method: call.method };
    const all = this.basicDeviceInfo();
    switch (call.method) {
      case 'getAllProperties':
        return { headers: JSON_TYPE, body: JSON.stringify({ ...head, data: { propertyList: all } }) };
      case 'getAllUnrestrictedProperties': {
        const { Architecture: _a, Soc: _s, SocSerialNumber: _n, ...open } = all;
        return { headers: JSON_TYPE, body: JSON.stringify({ ...head, data: { propertyList: open } }) };
      }
      case 'getProperties': {
        const wanted = Array.isArray(call.params?.propertyList) ? (call.params.propertyList as unknown[]).filter((n): n is string => typeof n === 'string') : [];
        const list = Object.fromEntries(wanted.filter((n) => n in all).map((n) => [n, all[n]]));
        return { headers: JSON_TYPE, body: JSON.stringify({ ...head, data: { propertyList: list } }) };
      }
      case 'getSupportedVersions':
        return { headers: JSON_TYPE, body: JSON.stringify({ ...head, data: { apiVersions: ['1.1'] } }) };
      default:
        return { headers: JSON_TYPE, body: JSON.stringify({ ...head, error: { code: 2102, message: 'Method not supported' } }) };
    }
  }

  // ---- param.cgi ----

  #paramCgi(req: EmulatorHttpRequest): EmulatorHttpReply {
    const action = req.query.get('action') ?? '';
    if (action.toLowerCase() !== 'list') return { headers: TEXT_TYPE, body: `# Request failed: action "${action}" is not supported by the emulator\n` };
    return { headers: TEXT_TYPE, body: listParams(this.params(), req.query.get('group')) };
  }

  #ptzParams(): [string, string][] {
    const out: [string, string][] = [];
    const set = (name: string, value: string | number): void => void out.push([`root.PTZ.${name}`, String(value)]);
    set('BoaProtPTZOperator', 'password');
    set('CameraDefault', 1);
    set('NbrOfCameras', 1);
    set('NbrOfSerPorts', 0);
    set('PresetNameMaxLen', 95);
    set('CamPorts.Cam1Port', 1);
    set('ImageSource.I0.PTZEnabled', 'true');
    const limitNames: [keyof AxisPtzLimits, string][] = [
      ['maxFieldAngle', 'MaxFieldAngle'],
      ['maxFocus', 'MaxFocus'],
      ['maxIris', 'MaxIris'],
      ['maxPan', 'MaxPan'],
      ['maxTilt', 'MaxTilt'],
      ['maxZoom', 'MaxZoom'],
      ['minFieldAngle', 'MinFieldAngle'],
      ['minFocus', 'MinFocus'],
      ['minIris', 'MinIris'],
      ['minPan', 'MinPan'],
      ['minTilt', 'MinTilt'],
      ['minZoom', 'MinZoom'],
    ];
    for (const [key, name] of limitNames) {
      const value = this.#limits[key];
      if (value !== undefined) set(`Limit.L1.${name}`, value);
    }
    const presets = this.ptz?.presets() ?? [];
    const home = presets.find((preset) => preset.name.toLowerCase() === 'home');
    set('Preset.P0.HomePosition', home === undefined ? -1 : home.id);
    set('Preset.P0.ImageSource', 0);
    set('Preset.P0.Name', '');
    for (const preset of presets) {
      const at = toVapixPosition(preset.position, this.#range);
      set(`Preset.P0.Position.P${preset.id}.Data`, `tilt=${at.tilt.toFixed(6)}:pan=${at.pan.toFixed(6)}:zoom=${at.zoom.toFixed(6)}`);
      set(`Preset.P0.Position.P${preset.id}.Name`, preset.name);
    }
    for (const name of [...PTZ_SUPPORT].sort()) set(`Support.S1.${name}`, 'true');
    set('Support.S1.DevicePreset', 'false');
    set('Various.V1.CtlQueueLimit', 20);
    set('Various.V1.HomePresetSet', home === undefined ? 'false' : 'true');
    set('Various.V1.PanEnabled', 'true');
    set('Various.V1.TiltEnabled', 'true');
    set('Various.V1.ZoomEnabled', 'true');
    return out;
  }

  // ---- image.cgi ----

  async #image(req: EmulatorHttpRequest): Promise<EmulatorHttpReply> {
    const asked = parseResolution(req.query.get('resolution'));
    const main = this.streamFormat('main');
    const sub = this.streamFormat('sub');
    const stream = asked !== undefined && asked.width * asked.height <= sub.width * sub.height && this.subCameraId !== this.cameraId ? 'sub' : 'main';
    const jpeg = await this.snapshotJpeg(stream, asked === undefined ? undefined : Math.min(asked.width, stream === 'sub' ? sub.width : main.width));
    return { headers: { 'Content-Type': 'image/jpeg' }, body: jpeg };
  }

  // ---- ptz.cgi ----

  #ptzCgi(req: EmulatorHttpRequest): EmulatorHttpReply {
    const ptz = this.ptz!;
    const q = req.query;
    const error = (message: string): EmulatorHttpReply => ({ headers: TEXT_TYPE, body: `Error: ${message}\n` });
    const done: EmulatorHttpReply = { status: 204 };
    const camera = q.get('camera');
    if (camera !== null && camera !== '1') return error(`camera ${camera} does not exist`);
    const query = q.get('query');
    if (query === 'presetposall' || query === 'presetposcam') {
      const lines = ptz.presets().map((p) => `presetposno${p.id}=${p.name}`);
      return { headers: TEXT_TYPE, body: `Preset Positions for camera 1\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}` };
    }
    if (query === 'position') {
      const at = toVapixPosition(ptz.position, this.#range);
      return { headers: TEXT_TYPE, body: `pan=${at.pan.toFixed(4)}\ntilt=${at.tilt.toFixed(4)}\nzoom=${at.zoom}\n` };
    }
    if (query !== null) return error(`query=${query} is not supported`);
    try {
      return this.#ptzCommand(q) ?? done;
    } catch (err) {
      if (err instanceof RangeError) return error(err.message);
      throw err;
    }
  }

  /** Runs the commands of one ptz.cgi request; a reply only for errors. */
  #ptzCommand(q: URLSearchParams): EmulatorHttpReply | undefined {
    const ptz = this.ptz!;
    const error = (message: string): EmulatorHttpReply => ({ headers: TEXT_TYPE, body: `Error: ${message}\n` });
    const int = (value: string): number => {
      if (!/^-?\d+$/.test(value.trim())) throw new RangeError(`"${value}" is not an integer`);
      return Number(value);
    };
    const presetByName = (name: string): string => {
      const found = ptz.presets().find((p) => p.name === name);
      if (found === undefined) throw new RangeError(`no preset named "${name}"`);
      return found.id;
    };
    let acted = false;
    let velocityChanged = false;
    const pantilt = q.get('continuouspantiltmove');
    if (pantilt !== null) {
      const [x, y] = pantilt.split(',').map((v) => int(v));
      if (x === undefined || y === undefined) return error('continuouspantiltmove needs <pan>,<tilt>');
      this.#panTilt = { pan: fromVapixSpeed(x), tilt: fromVapixSpeed(y) };
      velocityChanged = true;
    }
    const zoom = q.get('continuouszoommove');
    if (zoom !== null) {
      this.#zoom = fromVapixSpeed(int(zoom));
      velocityChanged = true;
    }
    if (velocityChanged) {
      const v: PtzVector = { pan: this.#panTilt.pan, tilt: this.#panTilt.tilt, zoom: this.#zoom };
      if (v.pan === 0 && v.tilt === 0 && v.zoom === 0) ptz.stop();
      else ptz.continuousMove(v);
      acted = true;
    }
    const move = q.get('move');
    if (move !== null) {
      if (move === 'stop') {
        this.#panTilt = { pan: 0, tilt: 0 };
        this.#zoom = 0;
        ptz.stop();
      } else if (move === 'home') {
        ptz.gotoHome();
      } else {
        return error(`move=${move} is not supported`);
      }
      acted = true;
    }
    const absolute = ['pan', 'tilt', 'zoom'].filter((axis) => q.get(axis) !== null);
    if (absolute.length > 0) {
      const now = toVapixPosition(ptz.position, this.#range);
      const target = { ...now };
      for (const axis of absolute as ('pan' | 'tilt' | 'zoom')[]) {
        const value = Number(q.get(axis));
        if (!Number.isFinite(value)) return error(`${axis} must be a number`);
        target[axis] = value;
      }
      ptz.absoluteMove(fromVapixPosition(target, this.#range));
      acted = true;
    }
    const relative = ['rpan', 'rtilt', 'rzoom'].filter((axis) => q.get(axis) !== null);
    if (relative.length > 0) {
      const value = (axis: string): number => Number(q.get(axis) ?? 0);
      if (relative.some((axis) => !Number.isFinite(value(axis)))) return error('rpan, rtilt and rzoom must be numbers');
      ptz.relativeMove({
        pan: Math.max(-1, Math.min(1, (value('rpan') * 2) / (this.#range.maxPan - this.#range.minPan))),
        tilt: Math.max(-1, Math.min(1, (value('rtilt') * 2) / (this.#range.maxTilt - this.#range.minTilt))),
        zoom: Math.max(-1, Math.min(1, value('rzoom') / (this.#range.maxZoom - this.#range.minZoom))),
      });
      acted = true;
    }
    const setNo = q.get('setserverpresetno');
    const setName = q.get('setserverpresetname');
    if (setNo !== null) {
      const n = int(setNo);
      if (n < 1) return error('preset numbers start at 1');
      ptz.setPreset(setName ?? undefined, String(n));
      acted = true;
    } else if (setName !== null) {
      if (setName.trim() === '') return error('a preset name must not be empty');
      const existing = ptz.presets().find((p) => p.name === setName);
      ptz.setPreset(setName, existing?.id);
      acted = true;
    }
    const gotoNo = q.get('gotoserverpresetno');
    if (gotoNo !== null) {
      ptz.gotoPreset(String(int(gotoNo)));
      acted = true;
    }
    const gotoName = q.get('gotoserverpresetname');
    if (gotoName !== null) {
      ptz.gotoPreset(presetByName(gotoName));
      acted = true;
    }
    const removeNo = q.get('removeserverpresetno');
    if (removeNo !== null) {
      ptz.removePreset(String(int(removeNo)));
      acted = true;
    }
    const removeName = q.get('removeserverpresetname');
    if (removeName !== null) {
      ptz.removePreset(presetByName(removeName));
      acted = true;
    }
    return acted ? undefined : error('no PTZ command given');
  }

  // ---- RTSP ----

  #route(query: URLSearchParams): 'main' | 'sub' | 'metadata' {
    if (query.get('event') === 'on') return 'metadata';
    const profile = query.get('streamprofile');
    if (profile !== null) return profile === 'sub' ? 'sub' : 'main';
    const asked = parseResolution(query.get('resolution'));
    if (asked === undefined) return 'main';
    const main = this.streamFormat('main');
    return asked.width * asked.height < main.width * main.height ? 'sub' : 'main';
  }

  /** The property states a device reports when a metadata stream opens. */
  #initialStates(): MetadataNotification[] {
    const at = this.clock.now();
    return [
      { topic: 'tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY', operation: 'Initialized', at, data: [['active', '0']] },
      { topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', operation: 'Initialized', at, source: [['Source', '0']], data: [['State', '0']] },
      { topic: 'tns1:Device/tnsaxis:IO/Port', operation: 'Initialized', at, source: [['port', '1']], data: [['state', '0']] },
    ];
  }

  #notification(event: EmulatorEvent): MetadataNotification {
    const active = event.state === 'start' ? '1' : '0';
    const base = { operation: 'Changed' as const, at: event.at };
    switch (event.kind) {
      case 'motion':
        return { ...base, topic: `tnsaxis:CameraApplicationPlatform/VMD/Camera${event.channel}ProfileANY`, data: [['active', active]] };
      case 'tamper':
        return { ...base, topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', source: [['Source', String(event.channel - 1)]], data: [['State', active]] };
      case 'videoLoss':
        return { ...base, topic: 'tns1:VideoSource/SignalLoss', source: [['Source', String(event.channel - 1)]], data: [['State', active]] };
      case 'io':
        return { ...base, topic: 'tns1:Device/tnsaxis:IO/Port', source: [['port', String(event.channel)]], data: [['state', active]] };
    }
  }

  #openMetadata(socket: Socket, initial: Buffer): void {
    const session = new MetadataRtspSession(
      socket,
      {
        realm: this.family.realm,
        username: this.username,
        password: this.password,
        authority: `${socket.localAddress?.replace(/^::ffff:/, '') ?? this.host}:${socket.localPort ?? this.rtspPort}`,
        logger: this.logger,
        play: (send) => this.#playMetadata(send),
      },
      initial,
    );
    this.#sessions.add(session);
    socket.on('close', () => this.#sessions.delete(session));
  }

  /** A playing metadata session: the empty first document, the current states, then each triggered event. */
  #playMetadata(send: (xml: string) => void): () => void {
    send(metadataDocument([], this.#producer));
    for (const state of this.#states.values()) send(metadataDocument([{ ...state, operation: 'Initialized', at: this.clock.now() }], this.#producer));
    const subscription = this.events$.subscribe((event) => send(metadataDocument([this.#notification(event)], this.#producer)));
    return () => subscription.unsubscribe();
  }
}
