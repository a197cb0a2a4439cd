import { Subject, type Subscription } from 'rxjs';
import type { PtzVector } from '@argus/core';
import {
  DeviceEmulator,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorIdentity,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type EmulatorRtspRequest,
  type EmulatorRtspRoute,
  type StreamingReply,
} from '@argus/driver-kit/emulator';
import { isDirectionCode, isZoomCode, velocityOfCommand } from '../dahua-ptz-codes.js';
import { styledJson } from './styled-json.js';

/** The fields of `getSystemInfo` beyond the identity, to reproduce a particular device. */
export interface DahuaSystemInfoExtras {
  /** `processor`; default `S3LM`. */
  readonly processor?: string;
  /** `updateSerial`; default the model. */
  readonly updateSerial?: string;
  /** `updateSerialCloudUpgrade`; default `<updateSerial>:00:00:00:00:00:00:00:00:00:00:00`. */
  readonly updateSerialCloudUpgrade?: string;
}

/** Options of {@link DahuaEmulator}. */
export interface DahuaEmulatorOptions extends EmulatorOptions {
  /** Video channels (a recorder has several; each shows the farm's cameras); default 1. */
  readonly channels?: number;
  /** `getMachineName` and the channel titles; default `IPC` (`NVR` with several channels). */
  readonly machineName?: string;
  /** Build date after the firmware in `getSoftwareVersion` (`version=<firmware>,build:<date>`); default `2020-06-05`. */
  readonly softwareBuild?: string;
  /** Extra `getSystemInfo` fields. */
  readonly systemInfo?: DahuaSystemInfoExtras;
}

/** One event for the emulator's `eventManager.cgi` stream, as Dahua writes it. */
export interface DahuaEmulatorEvent {
  /** `VideoMotion`, `CrossLineDetection`, `TimeChange`... */
  readonly code: string;
  /** `Start`, `Stop` or `Pulse`. */
  readonly action: string;
  /** Channel index from 0; default 0. */
  readonly index?: number;
  /** The `data=` JSON; none when absent. */
  readonly data?: unknown;
}

/** The identity of a Dahua emulator built without `identity` options. */
export const DAHUA_EMULATOR_IDENTITY: Readonly<EmulatorIdentity> = Object.freeze({
  manufacturer: 'Dahua',
  model: 'IPC-HDW5831R-ZE',
  firmware: '2.800.0000016.0.R',
  serial: 'ARGUSDH00000001',
  mac: '02:00:00:da:00:01',
  hardwareId: '1.00',
});

/** Model of the default identity when the emulator has a PTZ head. */
const PTZ_MODEL = 'SD49225XA-HNR';
const BOUNDARY = 'myboundary';
const TEXT = { 'Content-Type': 'text/plain;charset=utf-8' } as const;
const BAD_REQUEST: EmulatorHttpReply = { status: 400, headers: TEXT, body: 'Error\r\nBad Request!\r\n' };
const OK: EmulatorHttpReply = { headers: TEXT, body: 'OK\r\n' };
/** Magnification at zoom 1 of the generic space. */
const MAX_ZOOM = 30;
/** Highest preset number the emulated head stores. */
const MAX_PRESET = 255;
/** The emulated device's configured encoder bitrates (kbit/s); the farm's loops have their own. */
const CONFIGURED_BITRATE = { main: 1024, sub: 256 } as const;

/** Event code and `data=` of each event kind the kit can trigger. */
const TRIGGERED: Readonly<Record<string, { code: string; data?: unknown }>> = {
  motion: { code: 'VideoMotion', data: { Id: [0], RegionName: ['Region1'] } },
  tamper: { code: 'VideoBlind' },
  videoLoss: { code: 'VideoLoss' },
  io: { code: 'AlarmLocal' },
};

function keyValue(pairs: readonly (readonly [string, string | number | boolean])[]): string {
  return pairs.map(([key, value]) => `${key}=${String(value)}\r\n`).join('');
}

function fixed(value: number): string {
  return value.toFixed(6);
}

/** An event part of the stream, framed like the captures: `Content-Length:` without a space, CRLF CRLF after. */
function eventPart(event: DahuaEmulatorEvent): string {
  const head = `Code=${event.code};action=${event.action};index=${event.index ?? 0}`;
  const body = event.data === undefined ? head : `${head};data=${styledJson(event.data)}`;
  return `--${BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Length:${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}\r\n\r\n`;
}

/** A heartbeat part: Dahua puts the line break before it, not after. */
const HEARTBEAT_PART = `\r\n--${BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Length:9\r\n\r\nHeartbeat`;

/** What the event stream writes under the `malformed` fault: a part whose head is broken and whose JSON is cut. */
function garbledPart(event: DahuaEmulatorEvent): string {
  const body = `Code=${event.code};action=${event.action};index=zero;data={\n   "Id" : [ 0 ],\n   "Region`;
  return `--${BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Length:${body.length}\r\n\r\n${body}\r\n\r\n`;
}

/**
 * A Dahua device on 127.0.0.1 speaking the Dahua HTTP API as the captures in `shared/fixtures/dahua-cgi` show:
 * `magicBox.cgi` (getSystemInfo, getDeviceType, getSoftwareVersion, getMachineName, getVendor),
 * `configManager.cgi?action=getConfig` (Encode, RTSP, ChannelTitle, Network, General; dotted sub-names too),
 * `snapshot.cgi`, `ptz.cgi` (start/stop of direction, zoom and preset codes, getPresets, getStatus,
 * getCurrentProtocolCaps) driving the kit's `PtzModel`, `eventManager.cgi?action=attach` as a
 * `multipart/x-mixed-replace` stream with the byte framing of the captures and heartbeats, HTTP Digest (MD5) with a
 * `Login to <serial>` realm, and RTSP at `/cam/realmonitor?channel=N&subtype=0|1`.
 *
 * RTSP: the core `RtspServer` matches mounts by path and drops the query, so the emulator uses the kit's RTSP
 * routing (`rtspRouting`): one inner server per stream, each mounting `cam/realmonitor`, behind the base's front on
 * {@link DeviceEmulator.rtspPort}, which picks the server from `subtype` ({@link DahuaEmulator.routeRtsp}).
 * The `malformed` fault breaks key=value replies (no `=`), truncates `OK` and JPEG replies, and garbles event parts.
 *
 * @example
 * ```ts
 * const emulator = new DahuaEmulator({ farm, cameraId: 'main', subCameraId: 'sub', ptz: true });
 * await emulator.start();
 * const session = await dahua()(components).connect(emulator.connection());
 * emulator.triggerEvent({ kind: 'motion', state: 'start' });
 * emulator.emitEvent({ code: 'CrossLineDetection', action: 'Start', data: { Name: 'Rule1' } });
 * ```
 */
export class DahuaEmulator extends DeviceEmulator {
  /** Video channels. */
  readonly channels: number;
  readonly #machineName: string;
  readonly #softwareBuild: string;
  readonly #systemInfo: Required<DahuaSystemInfoExtras>;
  readonly #custom = new Subject<DahuaEmulatorEvent>();
  #ptzAction = 'None';
  #ptzPresetId = 0;

  constructor(options: DahuaEmulatorOptions) {
    const defaults = { ...DAHUA_EMULATOR_IDENTITY, ...(options.ptz === true ? { model: PTZ_MODEL } : {}) };
    const identity: Partial<EmulatorIdentity> = { ...defaults };
    for (const [key, value] of Object.entries(options.identity ?? {}) as [keyof EmulatorIdentity, string | undefined][]) {
      if (value !== undefined) identity[key] = value;
    }
    super({ ...options, identity }, { realm: `Login to ${identity.serial ?? DAHUA_EMULATOR_IDENTITY.serial}`, algorithms: ['MD5'], rtspRouting: true });
    const channels = options.channels ?? 1;
    if (!Number.isInteger(channels) || channels < 1 || channels > 64) throw new RangeError(`channels must be 1..64, got ${channels}`);
    this.channels = channels;
    this.#machineName = options.machineName ?? (channels > 1 ? 'NVR' : 'IPC');
    this.#softwareBuild = options.softwareBuild ?? '2020-06-05';
    const updateSerial = options.systemInfo?.updateSerial ?? this.identity.model;
    this.#systemInfo = {
      processor: options.systemInfo?.processor ?? 'S3LM',
      updateSerial,
      updateSerialCloudUpgrade: options.systemInfo?.updateSerialCloudUpgrade ?? `${updateSerial}:00:00:00:00:00:00:00:00:00:00:00`,
    };
  }

  /**
   * Writes an event into every open `eventManager.cgi` stream whose `codes=` includes it, e.g. an IVS rule:
   * `emitEvent({ code: 'CrossLineDetection', action: 'Start', data: {...} })`.
   */
  emitEvent(event: DahuaEmulatorEvent): void {
    this.#custom.next(event);
  }

  /** Both streams at `cam/realmonitor`, each on its own inner server; {@link DahuaEmulator.routeRtsp} picks one. */
  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/cam/realmonitor', stream: 'main' },
      { path: '/cam/realmonitor', stream: 'sub' },
    ];
  }

  /**
   * The stream of a connection from its first request: `/cam/realmonitor?channel=N&subtype=0|1` (subtype 0 when
   * absent, N a channel of the device); `OPTIONS *` goes to the main stream; anything else is 404. RTSP clients open
   * one connection per stream, and the servers' `Content-Base` drops the query, so later requests of a session name
   * the bare path on the connection already routed.
   */
  protected override routeRtsp(request: EmulatorRtspRequest): EmulatorRtspRoute {
    if (request.path === '*') return 'main';
    if (request.path.replace(/\/+$/, '') !== '/cam/realmonitor') return undefined;
    if (this.#channel(request.query.get('channel'), 1) === undefined) return undefined;
    const subtype = request.query.get('subtype') ?? '0';
    return subtype === '0' ? 'main' : subtype === '1' ? 'sub' : undefined;
  }

  /** key=value replies lose their `=` and line breaks; other text (`OK`) is cut short; JPEGs are truncated. */
  protected override malformed(reply: EmulatorHttpReply): EmulatorHttpReply {
    const body = typeof reply.body === 'string' ? reply.body : undefined;
    if (body === undefined) return super.malformed(reply);
    if (body.includes('=')) return { ...reply, body: body.replaceAll('=', ' ').replaceAll('\r\n', ';') };
    const text = body.trim();
    return { ...reply, body: text.slice(0, Math.floor(text.length / 2)) };
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const action = req.query.get('action') ?? '';
    switch (req.path) {
      case '/cgi-bin/magicBox.cgi':
        return this.#magicBox(action);
      case '/cgi-bin/configManager.cgi':
        return action === 'getConfig' ? this.#config(req.query.get('name') ?? '') : BAD_REQUEST;
      case '/cgi-bin/snapshot.cgi':
        return this.#snapshot(req.query.get('channel'));
      case '/cgi-bin/ptz.cgi':
        return this.#ptzCgi(action, req.query);
      case '/cgi-bin/eventManager.cgi':
        return action === 'attach' ? this.#attach(req.query) : BAD_REQUEST;
      default:
        return undefined;
    }
  }

  // ---- magicBox / configManager ----

  /** The `getSystemInfo` reply (byte-for-byte the shape of the captures). */
  systemInfoText(): string {
    return keyValue([
      ['appAutoStart', 'true'],
      ['deviceType', this.identity.model],
      ['hardwareVersion', this.identity.hardwareId ?? '1.00'],
      ['processor', this.#systemInfo.processor],
      ['serialNumber', this.identity.serial],
      ['updateSerial', this.#systemInfo.updateSerial],
      ['updateSerialCloudUpgrade', this.#systemInfo.updateSerialCloudUpgrade],
    ]);
  }

  #magicBox(action: string): EmulatorHttpReply {
    const answers: Record<string, string> = {
      getSystemInfo: this.systemInfoText(),
      getDeviceType: keyValue([['type', this.identity.model]]),
      getSoftwareVersion: keyValue([['version', `${this.identity.firmware},build:${this.#softwareBuild}`]]),
      getMachineName: keyValue([['name', this.#machineName]]),
      getVendor: keyValue([['vendor', this.identity.manufacturer]]),
      getSerialNo: keyValue([['sn', this.identity.serial]]),
      getHardwareVersion: keyValue([['version', this.identity.hardwareId ?? '1.00']]),
    };
    const body = Object.hasOwn(answers, action) ? answers[action] : undefined;
    return body === undefined ? BAD_REQUEST : { headers: TEXT, body };
  }

  /** Every config table the emulator has, as `table.<Name>...` pairs. */
  #configPairs(): [string, string | number | boolean][] {
    const pairs: [string, string | number | boolean][] = [];
    for (let c = 0; c < this.channels; c += 1) {
      const formats: [string, ReturnType<DeviceEmulator['streamFormat']>, boolean][] = [
        ['MainFormat[0]', this.streamFormat('main'), true],
        ['ExtraFormat[0]', this.streamFormat('sub'), true],
        ['ExtraFormat[1]', { ...this.streamFormat('sub'), width: 352, height: 288 }, false],
      ];
      for (const [name, format, enabled] of formats) {
        const at = `table.Encode[${c}].${name}`;
        pairs.push(
          [`${at}.AudioEnable`, false],
          [`${at}.Video.BitRate`, name === 'MainFormat[0]' ? CONFIGURED_BITRATE.main : CONFIGURED_BITRATE.sub],
          [`${at}.Video.BitRateControl`, 'VBR'],
          [`${at}.Video.Compression`, format.codec === 'h265' ? 'H.265' : 'H.264'],
          [`${at}.Video.FPS`, format.fps],
          [`${at}.Video.GOP`, format.fps * 2],
          [`${at}.Video.Height`, format.height],
          [`${at}.Video.Profile`, 'Main'],
          [`${at}.Video.Quality`, 4],
          [`${at}.Video.Width`, format.width],
          [`${at}.VideoEnable`, enabled],
        );
      }
    }
    for (let c = 0; c < this.channels; c += 1) pairs.push([`table.ChannelTitle[${c}].Name`, this.channels > 1 ? `Channel${c + 1}` : this.#machineName]);
    pairs.push(
      ['table.General.LocalNo', 8],
      ['table.General.MachineAddress', 'Argus'],
      ['table.General.MachineName', this.#machineName],
      ['table.Network.DefaultInterface', 'eth0'],
      ['table.Network.Domain', 'dahua'],
      ['table.Network.Hostname', this.#machineName],
      ['table.Network.eth0.DefaultGateway', '127.0.0.1'],
      ['table.Network.eth0.DhcpEnable', false],
      ['table.Network.eth0.IPAddress', this.host],
      ['table.Network.eth0.MTU', 1500],
      ['table.Network.eth0.PhysicalAddress', this.identity.mac],
      ['table.Network.eth0.SubnetMask', '255.0.0.0'],
      ['table.RTSP.Enable', true],
      ['table.RTSP.Port', this.rtspPort],
      ['table.RTSP.RTP.EndPort', 40000],
      ['table.RTSP.RTP.StartPort', 20000],
    );
    return pairs;
  }

  #config(name: string): EmulatorHttpReply {
    if (name === '') return BAD_REQUEST;
    const prefix = `table.${name}`;
    const pairs = this.#configPairs().filter(([key]) => key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`));
    return pairs.length === 0 ? BAD_REQUEST : { headers: TEXT, body: keyValue(pairs) };
  }

  #channel(text: string | null, from: number): number | undefined {
    if (text === null || !/^\d{1,3}$/.test(text)) return undefined;
    const channel = Number(text) - from;
    return channel >= 0 && channel < this.channels ? channel : undefined;
  }

  async #snapshot(channel: string | null): Promise<EmulatorHttpReply> {
    if (channel !== null && this.#channel(channel, 1) === undefined) return BAD_REQUEST;
    return { headers: { 'Content-Type': 'image/jpeg' }, body: await this.snapshotJpeg('main') };
  }

  // ---- PTZ ----

  #ptzCgi(action: string, query: URLSearchParams): EmulatorHttpReply {
    const ptz = this.ptz;
    if (ptz === undefined) return BAD_REQUEST;
    if (this.#channel(query.get('channel') ?? '0', 0) === undefined) return BAD_REQUEST;
    switch (action) {
      case 'getStatus':
        return { headers: TEXT, body: this.ptzStatusText() };
      case 'getPresets':
        return {
          headers: TEXT,
          body: keyValue(ptz.presets().flatMap((p, i) => [[`presets[${i}].Index`, p.id], [`presets[${i}].Name`, p.name], [`presets[${i}].Type`, 1]] as const)),
        };
      case 'getCurrentProtocolCaps':
        return {
          headers: TEXT,
          body: keyValue([
            ['caps.Focus', false],
            ['caps.Iris', false],
            ['caps.Name', 'DH-SD'],
            ['caps.Pan', true],
            ['caps.PanSpeedMax', 8],
            ['caps.PanSpeedMin', 1],
            ['caps.Preset', true],
            ['caps.PresetMax', MAX_PRESET],
            ['caps.PresetMin', 1],
            ['caps.Tile', true],
            ['caps.TileSpeedMax', 8],
            ['caps.TileSpeedMin', 1],
            ['caps.Zoom', true],
          ]),
        };
      case 'start':
      case 'stop':
        return this.#ptzControl(action, query);
      default:
        return BAD_REQUEST;
    }
  }

  /** The `ptz.cgi?action=getStatus` reply for the head's state, shaped like the capture (`Postion` typo included). */
  ptzStatusText(): string {
    const ptz = this.ptz;
    if (ptz === undefined) throw new TypeError('the emulator has no PTZ head');
    const { pan, tilt, zoom } = ptz.position;
    const velocity = ptz.velocity;
    return keyValue([
      ['status.Action', velocity === null ? this.#ptzAction : 'Continuously'],
      ['status.MoveStatus', velocity !== null && (velocity.pan !== 0 || velocity.tilt !== 0) ? 'Moving' : 'Idle'],
      ['status.PTS', 0],
      ['status.Postion[0]', fixed((((pan * 180) % 360) + 360) % 360)],
      ['status.Postion[1]', fixed(tilt * 90)],
      ['status.Postion[2]', fixed(1 + zoom * (MAX_ZOOM - 1))],
      ['status.PresetID', this.#ptzPresetId],
      ['status.Sequence', 0],
      ['status.UTC', 0],
      ['status.ZoomStatus', velocity !== null && velocity.zoom !== 0 ? 'Zooming' : 'Idle'],
    ]);
  }

  #ptzControl(action: 'start' | 'stop', query: URLSearchParams): EmulatorHttpReply {
    const ptz = this.ptz;
    if (ptz === undefined) return BAD_REQUEST;
    const code = query.get('code') ?? '';
    const arg = (name: string): number => {
      const text = query.get(name) ?? '0';
      return /^-?\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
    };
    const arg1 = arg('arg1');
    const arg2 = arg('arg2');
    if (Number.isNaN(arg1) || Number.isNaN(arg2)) return BAD_REQUEST;
    if (isDirectionCode(code) || isZoomCode(code)) {
      const now = ptz.velocity ?? { pan: 0, tilt: 0, zoom: 0 };
      const part = action === 'start' ? velocityOfCommand(code, arg1, arg2) : isZoomCode(code) ? { zoom: 0 } : { pan: 0, tilt: 0 };
      const next: PtzVector = { ...now, ...part };
      if (next.pan === 0 && next.tilt === 0 && next.zoom === 0) ptz.stop();
      else ptz.continuousMove(next);
      this.#ptzAction = next.pan === 0 && next.tilt === 0 && next.zoom === 0 ? 'None' : 'Continuously';
      return OK;
    }
    if (action === 'stop') return OK;
    const preset = String(arg2);
    try {
      switch (code) {
        case 'SetPreset':
          if (!(arg2 >= 1 && arg2 <= MAX_PRESET)) return BAD_REQUEST;
          ptz.setPreset(undefined, preset);
          return OK;
        case 'GotoPreset':
          ptz.gotoPreset(preset);
          this.#ptzAction = 'Preset';
          this.#ptzPresetId = arg2;
          return OK;
        case 'ClearPreset':
          ptz.removePreset(preset);
          return OK;
        default:
          return BAD_REQUEST;
      }
    } catch (err) {
      // Unknown preset or a full preset store: the device's error answer.
      if (err instanceof RangeError) return BAD_REQUEST;
      throw err;
    }
  }

  // ---- events ----

  #attach(query: URLSearchParams): EmulatorHttpReply | StreamingReply {
    const codes = /^\[([A-Za-z0-9_,]+)\]$/.exec(query.get('codes') ?? '')?.[1]?.split(',');
    if (codes === undefined) return BAD_REQUEST;
    const heartbeatText = query.get('heartbeat');
    const heartbeat = heartbeatText === null ? undefined : /^\d{1,4}$/.test(heartbeatText) ? Number(heartbeatText) : Number.NaN;
    if (heartbeat !== undefined && !(heartbeat >= 1)) return BAD_REQUEST;
    const wanted = (code: string): boolean => codes.includes('All') || codes.includes(code);
    return {
      streaming: true,
      headers: { 'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, Connection: 'close' },
      start: (write) => {
        let afterHeartbeat = false;
        const send = (event: DahuaEmulatorEvent): void => {
          if (!wanted(event.code)) return;
          const part = this.fault === 'malformed' ? garbledPart(event) : eventPart(event);
          // After a heartbeat (no trailing line break) the next boundary needs its own.
          write(afterHeartbeat ? `\r\n${part}` : part);
          afterHeartbeat = false;
        };
        const subscriptions: Subscription[] = [
          this.events$.subscribe((e) => {
            const triggered = TRIGGERED[e.kind];
            if (triggered === undefined) return;
            send({ code: triggered.code, action: e.state === 'start' ? 'Start' : 'Stop', index: e.channel - 1, ...(triggered.data === undefined ? {} : { data: triggered.data }) });
          }),
          this.#custom.subscribe(send),
        ];
        const timer =
          heartbeat === undefined
            ? undefined
            : setInterval(() => {
                write(HEARTBEAT_PART);
                afterHeartbeat = true;
              }, heartbeat * 1000);
        timer?.unref();
        return () => {
          clearInterval(timer);
          for (const subscription of subscriptions) subscription.unsubscribe();
        };
      },
    };
  }
}
