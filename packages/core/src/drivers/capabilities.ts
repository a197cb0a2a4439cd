import type { Observable } from 'rxjs';
import type { CodecName, MediaPacket } from '../stream/media-packet.js';

/**
 * Every capability a device session can expose. The same list types the API, is listed at runtime in driver
 * manifests and sessions, and decides which conformance tests run for a driver.
 */
export const CAPABILITIES = ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events', 'edgeRecording'] as const;

/** Name of one capability (see {@link CAPABILITIES}). */
export type CapabilityName = (typeof CAPABILITIES)[number];

/** True when `value` names a capability of {@link CAPABILITIES}. */
export function isCapabilityName(value: unknown): value is CapabilityName {
  return typeof value === 'string' && (CAPABILITIES as readonly string[]).includes(value);
}

/** Identity of a device, as the device reports it. */
export interface DeviceInfo {
  readonly manufacturer: string;
  readonly model: string;
  readonly firmware: string;
  readonly serial: string;
  /** Vendor hardware revision or identifier, where the device reports one. */
  readonly hardwareId?: string;
  /** MAC address of the main interface, `aa:bb:cc:dd:ee:ff`. */
  readonly mac?: string;
}

/** Reads the device's identity. */
export interface DeviceInfoCapability {
  getDeviceInfo(): Promise<DeviceInfo>;
}

/** One media profile of a device (ONVIF profile, Hikvision channel 101/102, Dahua subtype...). */
export interface StreamProfile {
  /** Stable id within the device: `main`, `sub`, or a vendor profile token. */
  readonly id: 'main' | 'sub' | (string & {});
  readonly name: string;
  readonly codec: CodecName;
  readonly width: number;
  readonly height: number;
  readonly fps?: number;
  readonly bitrateKbps?: number;
  /** RTSP URI of the profile. Credentials are never embedded: they travel separately, so URIs may be logged. */
  readonly uri?: string;
}

/** Lists the device's media profiles. */
export interface StreamsCapability {
  getStreamProfiles(): Promise<StreamProfile[]>;
}

/**
 * Opens live media. Each subscription is one upstream connection; sharing one connection among consumers is the
 * stream graph's job, not the driver's. Unsubscribing closes the connection.
 */
export interface LiveMediaCapability {
  openStream(profileId: string): Observable<MediaPacket>;
}

/** A still image. */
export interface Snapshot {
  /** MIME type, usually `image/jpeg`. */
  readonly contentType: string;
  readonly data: Uint8Array;
}

/** Takes a still image, from the given profile or the device's default. */
export interface SnapshotCapability {
  snapshot(profileId?: string): Promise<Snapshot>;
}

/**
 * Pan, tilt and zoom in the normalised generic space (ONVIF's): pan and tilt in -1..1; for velocities zoom is
 * also -1..1, for absolute positions zoom is 0..1.
 */
export interface PtzVector {
  readonly pan: number;
  readonly tilt: number;
  readonly zoom: number;
}

/** A stored PTZ position. */
export interface PtzPreset {
  readonly id: string;
  readonly name?: string;
}

/**
 * Which PTZ operations a device has beyond the mandatory ones, so an API or UI can offer only what works
 * without trying it.
 */
export interface PtzFeatures {
  readonly absoluteMove: boolean;
  readonly relativeMove: boolean;
  /** True when the device stores presets (most domes); false when preset calls will fail as unsupported. */
  readonly presets: boolean;
  /** Highest number of presets the device stores, where known. */
  readonly maxPresets?: number;
  /** True when the device has a home position of its own (otherwise `gotoHome` may be emulated or unsupported). */
  readonly home: boolean;
}

/**
 * Steers a PTZ camera. Velocities and positions are in the generic space of {@link PtzVector}.
 *
 * @example
 * ```ts
 * const ptz = session.require('ptz');
 * await ptz.continuousMove({ pan: 0.5, tilt: 0, zoom: 0 }, 500);
 * if (ptz.ptzFeatures.absoluteMove) await ptz.absoluteMove?.({ pan: 0, tilt: 0, zoom: 0 });
 * ```
 */
export interface PtzCapability {
  /** Which optional operations exist on this device. */
  readonly ptzFeatures: PtzFeatures;
  /** Moves at the given velocity until {@link PtzCapability.stop}, or for `timeoutMs` when given. */
  continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Moves to an absolute position; present when `ptzFeatures.absoluteMove`. */
  absoluteMove?(position: PtzVector, speed?: PtzVector): Promise<void>;
  /** Moves by a translation from the current position; present when `ptzFeatures.relativeMove`. */
  relativeMove?(translation: PtzVector, speed?: PtzVector): Promise<void>;
  getPresets(): Promise<PtzPreset[]>;
  /** Stores the current position; overwrites preset `id` when given. Resolves to the preset's id. */
  setPreset(name?: string, id?: string): Promise<string>;
  gotoPreset(id: string): Promise<void>;
  removePreset(id: string): Promise<void>;
  gotoHome(): Promise<void>;
}

/** Kinds of device event every driver maps its vendor events to; drivers may add their own. */
export type DeviceEventKind =
  | 'motion'
  | 'tamper'
  | 'lineCrossing'
  | 'intrusion'
  | 'io'
  | 'connection'
  | 'videoLoss'
  | 'anpr'
  | (string & {});

/** One event reported by a device, in the vocabulary shared by all drivers. */
export interface DeviceEvent {
  readonly kind: DeviceEventKind;
  /** `start`/`stop` for stateful events (motion), `pulse` for instant ones (a plate read, a line crossed). */
  readonly state: 'start' | 'stop' | 'pulse';
  /** Channel or input number on multi-channel devices and I/O ports. */
  readonly channel?: number;
  /** Time of the event in ms since epoch (the device's time where it sends one, otherwise time of receipt). */
  readonly at: number;
  /** Vendor payload worth keeping (plate text, region, rule name...). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Events from the device. Subscribing opens the event channel (alertStream, PullPoint...), unsubscribing closes it.
 */
export interface EventsCapability {
  readonly events$: Observable<DeviceEvent>;
}

/** One recording held on the device's own storage (SD card, recorder disk). */
export interface EdgeRecording {
  readonly id: string;
  /** Start, ms since epoch. */
  readonly from: number;
  /** End, ms since epoch. */
  readonly to: number;
  /** Channel or source of the recording on multi-channel devices. */
  readonly channel?: number;
  /** Why it was recorded: `continuous`, `motion`, `alarm`... */
  readonly trigger?: string;
}

/** A time range in ms since epoch, `from` inclusive, `to` exclusive. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Searches and replays recordings stored on the device (ONVIF Profile G, recorder playback). */
export interface EdgeRecordingCapability {
  search(range: TimeRange): Promise<EdgeRecording[]>;
  /** Replays a recording from time `from` (ms since epoch); unsubscribing ends the replay. */
  replay(recordingId: string, from: number): Observable<MediaPacket>;
}

/** Capability name -> interface; what `DeviceSession.capability()` returns for each name. */
export interface CapabilityMap {
  deviceInfo: DeviceInfoCapability;
  streams: StreamsCapability;
  liveMedia: LiveMediaCapability;
  snapshot: SnapshotCapability;
  ptz: PtzCapability;
  events: EventsCapability;
  edgeRecording: EdgeRecordingCapability;
}

// Fails to compile when CAPABILITIES and CapabilityMap drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const capabilityMapMatchesList: Same<keyof CapabilityMap, CapabilityName> = true;
void capabilityMapMatchesList;
