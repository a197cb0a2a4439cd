// A small, complete test family ("JSON camera": JSON over HTTP with Digest, RTSP media, ndjson event stream) used to
// exercise every check of the conformance suite: the emulator is built on DeviceEmulator, the driver on the kit's
// DeviceHttpClient. `JsonCameraDefects` breaks one thing at a time, to prove the checks can fail.
import { defer, Observable, switchMap } from 'rxjs';
import {
  ArgusError,
  BaseDriver,
  createDeviceSession,
  hasErrorCode,
  reconnectWithBackoff,
  type ConnectConfig,
  type DeviceEvent,
  type DeviceInfo,
  type DeviceSession,
  type DriverComponents,
  type DriverFactory,
  type DriverManifest,
  type ProbeEndpoint,
  type ProbeMatch,
  type ProbeOptions,
  type PtzCapability,
  type PtzVector,
  type StreamProfile,
} from '@argus/core';
import { rtspSource } from '@argus/core/media';
import { DeviceHttpClient } from '../http/device-http-client.js';
import {
  DeviceEmulator,
  type EmulatorHttpReply,
  type EmulatorHttpRequest,
  type EmulatorOptions,
  type EmulatorRtspMount,
  type StreamingReply,
} from '../emulator/device-emulator.js';

const json = (value: unknown, status = 200): EmulatorHttpReply => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

/** Emulator of the JSON camera family. */
export class JsonCameraEmulator extends DeviceEmulator {
  constructor(options: EmulatorOptions) {
    super(options, { realm: 'JSON Camera', authSchemes: ['digest'], algorithms: ['SHA-256', 'MD5'] });
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/media/main', stream: 'main' },
      { path: '/media/sub', stream: 'sub' },
    ];
  }

  protected async handle(req: EmulatorHttpRequest): Promise<EmulatorHttpReply | StreamingReply | undefined> {
    const ptz = this.ptz;
    const body = req.body.length > 0 ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
    const preset = /^\/api\/ptz\/presets\/([^/]+)(\/goto)?$/.exec(req.path);
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/info':
        return json(this.identity);
      case 'GET /api/streams':
        return json({
          rtspPort: this.rtspPort,
          streams: [
            { id: 'main', path: '/media/main', ...this.streamFormat('main') },
            { id: 'sub', path: '/media/sub', ...this.streamFormat('sub') },
          ],
        });
      case 'GET /api/snapshot':
        return { headers: { 'Content-Type': 'image/jpeg' }, body: await this.snapshotJpeg('main') };
      case 'GET /api/events':
        return {
          streaming: true,
          headers: { 'Content-Type': 'application/x-ndjson' },
          start: (write) => {
            const sub = this.events$.subscribe((e) => write(`${JSON.stringify(e)}\n`));
            return () => sub.unsubscribe();
          },
        };
      default:
        break;
    }
    if (ptz === undefined || !req.path.startsWith('/api/ptz/')) return undefined;
    try {
      if (req.method === 'POST' && req.path === '/api/ptz/move') {
        ptz.continuousMove(body['velocity'] as PtzVector, body['timeoutMs'] as number | undefined);
      } else if (req.method === 'POST' && req.path === '/api/ptz/stop') {
        ptz.stop();
      } else if (req.method === 'POST' && req.path === '/api/ptz/home') {
        ptz.gotoHome();
      } else if (req.method === 'GET' && req.path === '/api/ptz/presets') {
        return json(ptz.presets().map((p) => ({ id: p.id, name: p.name })));
      } else if (req.method === 'POST' && req.path === '/api/ptz/presets') {
        return json({ id: ptz.setPreset(body['name'] as string | undefined) });
      } else if (preset !== null && req.method === 'POST' && preset[2] === '/goto') {
        ptz.gotoPreset(decodeURIComponent(preset[1] ?? ''));
      } else if (preset !== null && req.method === 'DELETE' && preset[2] === undefined) {
        ptz.removePreset(decodeURIComponent(preset[1] ?? ''));
      } else {
        return undefined;
      }
    } catch (err) {
      return json({ error: (err as Error).message }, 400);
    }
    return json({ ok: true });
  }
}

/** One broken behaviour of the JSON camera driver. */
export interface JsonCameraDefects {
  /** Device info reports this serial instead of the device's. */
  readonly serial?: string;
  /** Snapshots return these bytes instead of the device's JPEG. */
  readonly snapshot?: Uint8Array;
  /** Continuous moves are sent with the pan axis inverted. */
  readonly invertPan?: boolean;
  /** stop() does nothing. */
  readonly noStop?: boolean;
  /** gotoPreset() does nothing. */
  readonly noGotoPreset?: boolean;
  /** Events are reported with this kind instead of the device's. */
  readonly eventKind?: string;
  /** events$ never reconnects when the stream drops. */
  readonly noReconnect?: boolean;
  /** Unsubscribing from events$ keeps the device's event stream open. */
  readonly leakEventStream?: boolean;
}

const MANIFEST: DriverManifest = {
  id: 'jsoncam',
  name: 'JSON test camera',
  vendor: 'Argus',
  version: '0.1.0',
  cameraTypes: [26],
  protocols: ['http', 'rtsp'],
  capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'],
};

function asDeviceInfo(value: unknown, endpoint: string): DeviceInfo {
  const v = value as Partial<Record<keyof DeviceInfo, unknown>> | null;
  if (typeof v !== 'object' || v === null || typeof v.manufacturer !== 'string' || typeof v.model !== 'string' || typeof v.serial !== 'string' || typeof v.firmware !== 'string') {
    throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', { endpoint, reason: 'device info without manufacturer/model/firmware/serial' });
  }
  return { manufacturer: v.manufacturer, model: v.model, firmware: v.firmware, serial: v.serial, ...(typeof v.mac === 'string' ? { mac: v.mac } : {}) };
}

/** Driver of the JSON camera family (test only). */
export class JsonCameraDriver extends BaseDriver {
  readonly manifest = MANIFEST;
  readonly #defects: JsonCameraDefects;

  constructor(defects: JsonCameraDefects, components: DriverComponents) {
    super(components);
    this.#defects = defects;
  }

  protected async doProbe(endpoint: ProbeEndpoint, options: ProbeOptions): Promise<ProbeMatch | null> {
    if (endpoint.scheme !== undefined && endpoint.scheme !== 'http') return null;
    const http = this.#client(endpoint, options.timeoutMs);
    try {
      const info = asDeviceInfo(await http.json({ path: '/api/info', signal: options.signal }), http.endpoint);
      return { driver: MANIFEST.id, score: 95, model: info.model };
    } finally {
      await http.close();
    }
  }

  protected async doConnect(config: ConnectConfig): Promise<DeviceSession> {
    const http = this.#client(config);
    const defects = this.#defects;
    try {
      asDeviceInfo(await http.json({ path: '/api/info' }), http.endpoint);
    } catch (err) {
      await http.close();
      throw err;
    }
    const profiles = async (): Promise<(StreamProfile & { uri: string })[]> => {
      const answer = await http.json<{ rtspPort: number; streams: { id: string; path: string; codec: string; width: number; height: number; fps: number }[] }>({ path: '/api/streams' });
      return answer.streams.map((s) => ({ id: s.id, name: s.id, codec: s.codec, width: s.width, height: s.height, fps: s.fps, uri: `rtsp://${config.host}:${answer.rtspPort}${s.path}` }));
    };
    const post = async (path: string, body?: unknown, method = 'POST'): Promise<unknown> =>
      http.json({ method, path, headers: { 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const ptz: PtzCapability = {
      ptzFeatures: { absoluteMove: false, relativeMove: false, presets: true, home: true },
      continuousMove: async (velocity, timeoutMs) => {
        await post('/api/ptz/move', { velocity: defects.invertPan === true ? { ...velocity, pan: -velocity.pan } : velocity, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
      },
      stop: async () => {
        if (defects.noStop !== true) await post('/api/ptz/stop');
      },
      getPresets: async () => (await http.json<{ id: string; name: string }[]>({ path: '/api/ptz/presets' })).map((p) => ({ id: p.id, name: p.name })),
      setPreset: async (name) => ((await post('/api/ptz/presets', { name })) as { id: string }).id,
      gotoPreset: async (id) => {
        if (defects.noGotoPreset !== true) await post(`/api/ptz/presets/${encodeURIComponent(id)}/goto`);
      },
      removePreset: async (id) => {
        await post(`/api/ptz/presets/${encodeURIComponent(id)}`, undefined, 'DELETE');
      },
      gotoHome: async () => {
        await post('/api/ptz/home');
      },
    };
    const channel$ = new Observable<DeviceEvent>((subscriber) => {
      let response: Awaited<ReturnType<DeviceHttpClient['stream']>> | undefined;
      let closed = false;
      void (async () => {
        try {
          response = await http.stream({ path: '/api/events' });
          if (closed) {
            if (defects.leakEventStream !== true) response.close();
            return;
          }
          let pending = '';
          for await (const chunk of response.body) {
            pending += Buffer.from(chunk).toString('utf8');
            let newline = pending.indexOf('\n');
            while (newline >= 0) {
              const line = pending.slice(0, newline);
              pending = pending.slice(newline + 1);
              newline = pending.indexOf('\n');
              const event = JSON.parse(line) as { kind: string; state: 'start' | 'stop'; channel: number; at: number };
              subscriber.next({ kind: defects.eventKind ?? event.kind, state: event.state, channel: event.channel, at: event.at });
            }
          }
          subscriber.complete();
        } catch (err) {
          subscriber.error(err);
        }
      })();
      return () => {
        closed = true;
        if (defects.leakEventStream !== true) response?.close();
      };
    });
    const events$ =
      defects.noReconnect === true
        ? channel$
        : channel$.pipe(reconnectWithBackoff({ initialDelayMs: 100, maxDelayMs: 1000, shouldRetry: (err) => !hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH') }));
    return createDeviceSession(
      {
        deviceInfo: {
          getDeviceInfo: async () => {
            const info = asDeviceInfo(await http.json({ path: '/api/info' }), http.endpoint);
            return defects.serial === undefined ? info : { ...info, serial: defects.serial };
          },
        },
        streams: { getStreamProfiles: profiles },
        liveMedia: {
          openStream: (profileId) =>
            defer(profiles).pipe(
              switchMap((all) => {
                const profile = all.find((p) => p.id === profileId);
                if (profile === undefined) throw new TypeError(`Unknown stream profile "${profileId}"`);
                return rtspSource({ url: profile.uri, username: config.username ?? '', password: config.password ?? '', transport: 'tcp', logger: this.logger });
              }),
            ),
        },
        snapshot: {
          snapshot: async () => {
            const answer = await http.bytes({ path: '/api/snapshot' });
            return { contentType: answer.headers['content-type'] ?? 'image/jpeg', data: defects.snapshot ?? answer.body };
          },
        },
        ptz,
        events: { events$ },
      },
      () => http.close(),
    );
  }

  #client(endpoint: { host: string; port?: number; username?: string; password?: string }, timeoutMs = 5000): DeviceHttpClient {
    return new DeviceHttpClient({
      baseUrl: `http://${endpoint.host}:${endpoint.port ?? 80}`,
      ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
      ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
      timeoutMs,
      logger: this.logger,
    });
  }
}

/** The JSON camera driver factory, optionally with defects. */
export function jsonCamera(defects: JsonCameraDefects = {}): DriverFactory {
  return (components) => new JsonCameraDriver(defects, components);
}
