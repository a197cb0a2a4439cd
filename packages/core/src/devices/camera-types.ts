import type { CapabilityName } from '../drivers/capabilities.js';

/**
 * How far Argus serves a camera type: `supported` when a driver for it passes the conformance suite in CI,
 * `partial` when a driver serves it through a shared protocol (ONVIF, RTSP) but not its own API or all of its
 * features, `planned` when no driver serves it yet.
 */
export type CameraTypeStatus = 'supported' | 'partial' | 'planned';

/** One of the 33 camera types of the city: one type per protocol behaviour, not per brand. */
export interface CameraTypeInfo {
  /** Type number, 1..33, as stored in `Camera.cameraType`. */
  readonly id: number;
  /** Stable short name accepted wherever a type number is (CSV imports, queries). */
  readonly slug: string;
  /** Human name from the city's type table. */
  readonly name: string;
  /** Protocol family (`hikvision`, `onvif`, `rtsp`...). */
  readonly family: string;
  /** Vendors and OEMs whose devices behave as this type. */
  readonly vendors: readonly string[];
  /** Typical models, for people matching an inventory to types. */
  readonly models: readonly string[];
  /** Control and event protocol. */
  readonly control: string;
  /** Media transport. */
  readonly media: string;
  /** Capabilities devices of this type usually have (a given device may lack some, PTZ above all). */
  readonly capabilities: readonly CapabilityName[];
  /** Id of the driver that serves the type, or `undefined` when none does yet. */
  readonly driver: string | undefined;
  /** How far the driver serves it; see {@link CameraTypeStatus}. */
  readonly status: CameraTypeStatus;
  /** What a `partial` or `planned` type lacks, for the catalogue's readers. */
  readonly note?: string;
}

type Row = Omit<CameraTypeInfo, 'id' | 'slug' | 'name' | 'family'>;

const ALL: readonly CapabilityName[] = ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz', 'events'];
const NO_PTZ: readonly CapabilityName[] = ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'events'];
const MEDIA_ONLY: readonly CapabilityName[] = ['streams', 'liveMedia'];

function t(id: number, slug: string, name: string, family: string, row: Row): CameraTypeInfo {
  return Object.freeze({
    id,
    slug,
    name,
    family,
    ...row,
    vendors: Object.freeze([...row.vendors]),
    models: Object.freeze([...row.models]),
    capabilities: Object.freeze([...row.capabilities]),
  });
}

const VIA_ONVIF = 'served through its ONVIF interface (media, PTZ, events); its own API is not used';

/**
 * The 33 camera types as data, indexed by `id - 1`: vendors, typical models, protocols, usual capabilities, the
 * driver that serves each and how far (`npx argus types` prints it).
 *
 * @example
 * ```ts
 * CAMERA_TYPES[0].slug; // 'hikvision-ip'
 * CAMERA_TYPES.filter((type) => type.status === 'supported').map((type) => type.id);
 * ```
 */
export const CAMERA_TYPES: readonly CameraTypeInfo[] = Object.freeze([
  t(1, 'hikvision-ip', 'Hikvision IP camera and PTZ', 'hikvision', {
    vendors: ['Hikvision', 'HDParagon'], models: ['DS-2CD2143G2-I', 'DS-2CD2T47G2-L', 'DS-2DE4425IW-DE (PTZ)'],
    control: 'ISAPI (PTZCtrl, alertStream)', media: 'RTSP /Streaming/Channels/x0y', capabilities: ALL, driver: 'hikvision', status: 'supported',
  }),
  t(2, 'hikvision-anpr', 'Hikvision ANPR traffic camera', 'hikvision', {
    vendors: ['Hikvision ITS'], models: ['iDS-TCM403-BI', 'DS-TCG227-A'],
    control: 'ISAPI ANPR alerts with pictures', media: 'RTSP', capabilities: NO_PTZ, driver: 'hikvision', status: 'partial',
    note: 'media, device info and events through the Hikvision driver; plate pictures in ANPR alerts are not decoded',
  }),
  t(3, 'hikvision-nvr', 'Hikvision NVR/DVR channel', 'hikvision', {
    vendors: ['Hikvision', 'HDParagon'], models: ['DS-7608NI-K2', 'DS-7716NI-I4', 'DS-7208HQHI-K1'],
    control: 'ISAPI via recorder (InputProxy channels)', media: 'RTSP via recorder', capabilities: ALL, driver: 'hikvision', status: 'supported',
  }),
  t(4, 'ezviz', 'Ezviz', 'hikvision', {
    vendors: ['Ezviz (Hikvision consumer)'], models: ['C6N', 'C3TN', 'H8c'],
    control: 'RTSP + ISAPI subset', media: 'RTSP', capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz'], driver: 'hikvision', status: 'supported',
    note: 'the ISAPI subset has no event channel',
  }),
  t(5, 'dahua-ip', 'Dahua IP camera and PTZ', 'dahua', {
    vendors: ['Dahua', 'KBVision', 'Amcrest'], models: ['IPC-HFW2431S-S-S2', 'SD49225XA-HNR (PTZ)', 'KX-C2012N2', 'IP4M-1041'],
    control: 'Dahua HTTP API (ptz.cgi, eventManager.cgi)', media: 'RTSP /cam/realmonitor', capabilities: ALL, driver: 'dahua', status: 'supported',
  }),
  t(6, 'dahua-anpr', 'Dahua ANPR traffic camera', 'dahua', {
    vendors: ['Dahua ITC'], models: ['ITC237-PW6M-IRLZF', 'ITC413-PW4D'],
    control: 'Dahua HTTP API traffic events', media: 'RTSP', capabilities: NO_PTZ, driver: 'dahua', status: 'partial',
    note: 'media, device info and events through the Dahua driver; traffic event payloads are passed through undecoded',
  }),
  t(7, 'dahua-nvr', 'Dahua NVR/XVR channel', 'dahua', {
    vendors: ['Dahua', 'KBVision'], models: ['NVR4108HS-4KS2', 'XVR5108HS-I3', 'KX-8108N2'],
    control: 'Dahua HTTP API via recorder', media: 'RTSP via recorder', capabilities: ALL, driver: 'dahua', status: 'supported',
  }),
  t(8, 'imou', 'Imou', 'dahua', {
    vendors: ['Imou (Dahua consumer)'], models: ['IPC-A22EP', 'IPC-F22FP', 'IPC-C22EP'],
    control: 'RTSP (+ONVIF where enabled)', media: 'RTSP', capabilities: ALL, driver: 'dahua', status: 'supported',
  }),
  t(9, 'axis', 'Axis', 'axis', {
    vendors: ['Axis Communications'], models: ['P1455-LE', 'M3106-L Mk II', 'Q6135-LE (PTZ)', 'M7104 (encoder)'],
    control: 'VAPIX (param.cgi, ptz.cgi, metadata events)', media: 'RTSP axis-media/media.amp', capabilities: ALL, driver: 'axis', status: 'supported',
  }),
  t(10, 'hanwha', 'Hanwha / Samsung Wisenet', 'hanwha', {
    vendors: ['Hanwha Vision', 'Samsung Techwin'], models: ['XNO-6080R', 'QNV-6012R', 'XNP-6400RW (PTZ)', 'SNB-6004'],
    control: 'SUNAPI (/stw-cgi, eventstatus monitordiff)', media: 'RTSP profileN/media.smp', capabilities: ALL, driver: undefined, status: 'planned',
  }),
  t(11, 'bosch', 'Bosch', 'bosch', {
    vendors: ['Bosch Security'], models: ['DINION IP 5000 HD', 'FLEXIDOME IP 8000i', 'AUTODOME IP 5000i (PTZ)'],
    control: 'RCP+ over CGI (+ONVIF events)', media: 'RTSP rtsp_tunnel', capabilities: ALL, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(12, 'panasonic', 'Panasonic / i-PRO', 'panasonic', {
    vendors: ['Panasonic', 'i-PRO'], models: ['WV-S1131', 'WV-X6531N', 'BB-HCM701'],
    control: 'Panasonic CGI + ONVIF', media: 'RTSP, MJPEG', capabilities: ALL, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(13, 'sony', 'Sony IPELA', 'sony', {
    vendors: ['Sony'], models: ['SNC-VB770', 'SNC-EM632R', 'SNC-WR630 (PTZ)'],
    control: 'Sony CGI + ONVIF', media: 'RTSP, MJPEG', capabilities: ALL, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(14, 'vivotek', 'Vivotek', 'vivotek', {
    vendors: ['Vivotek'], models: ['FD9189-HT', 'IB9389-EH', 'SD9364-EHL (PTZ)'],
    control: 'VAST CGI + ONVIF', media: 'RTSP live.sdp', capabilities: ALL, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(15, 'uniview', 'Uniview', 'uniview', {
    vendors: ['Uniview (UNV)'], models: ['IPC2124LB-SF28KM-G', 'IPC6322SR-X22P-C (PTZ)', 'NVR302-08S'],
    control: 'LAPI JSON + ONVIF', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(16, 'avigilon', 'Avigilon', 'onvif', {
    vendors: ['Avigilon'], models: ['2.0C-H5A-BO1-IR', '4.0C-H5A-DO1-IR', '2.0C-H5A-PTZ-DC36'],
    control: 'ONVIF', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(17, 'pelco-ip', 'Pelco IP', 'onvif', {
    vendors: ['Pelco'], models: ['Sarix IMP219-1ES', 'Spectra Enhanced 7', 'Esprit Enhanced'],
    control: 'ONVIF; legacy Pelco SOAP PTZ', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(18, 'honeywell', 'Honeywell', 'onvif', {
    vendors: ['Honeywell'], models: ['HC30WB5R1', 'HDZP252DI', 'H4W4PER3'],
    control: 'ONVIF; detected Hikvision/Dahua platform', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(19, 'tiandy', 'Tiandy', 'onvif', {
    vendors: ['Tiandy'], models: ['TC-C32GN', 'TC-C34WS', 'TC-H356S (PTZ)'],
    control: 'ONVIF', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(20, 'milesight', 'Milesight', 'onvif', {
    vendors: ['Milesight'], models: ['MS-C2963-PB', 'MS-C5341-X23PC (PTZ)', 'MS-C8165-PB'],
    control: 'ONVIF (+HTTP API)', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(21, 'avtech', 'AVTECH', 'avtech', {
    vendors: ['AVTECH'], models: ['DGM1104', 'AVM542', 'DGD1009 (DVR)'],
    control: 'AVTECH CGI', media: 'RTSP, HTTP', capabilities: NO_PTZ, driver: undefined, status: 'planned',
  }),
  t(22, 'grandstream', 'Grandstream', 'grandstream', {
    vendors: ['Grandstream'], models: ['GSC3610', 'GXV3672_FHD', 'GXV3504 (encoder)'],
    control: 'CGI + ONVIF', media: 'RTSP', capabilities: NO_PTZ, driver: 'onvif', status: 'partial', note: VIA_ONVIF,
  }),
  t(23, 'onvif-s', 'generic ONVIF Profile S', 'onvif', {
    vendors: ['any ONVIF Profile S conformant device'], models: [],
    control: 'ONVIF Media1, PTZ, basic events', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(24, 'onvif-t', 'generic ONVIF Profile T', 'onvif', {
    vendors: ['any ONVIF Profile T conformant device'], models: [],
    control: 'ONVIF Media2 (H.265), PullPoint events, metadata', media: 'RTSP', capabilities: ALL, driver: 'onvif', status: 'supported',
  }),
  t(25, 'onvif-g', 'ONVIF Profile G edge storage', 'onvif', {
    vendors: ['cameras with SD cards', 'recorders'], models: [],
    control: 'ONVIF recording search and replay', media: 'RTSP replay', capabilities: [...ALL, 'edgeRecording'], driver: 'onvif', status: 'partial',
    note: 'live media, PTZ and events through the ONVIF driver; recording search and replay (Profile G) are not built',
  }),
  t(26, 'rtsp', 'plain RTSP', 'rtsp', {
    vendors: ['any RTSP source'], models: [],
    control: 'none', media: 'RTSP/RTP', capabilities: MEDIA_ONLY, driver: 'rtsp', status: 'supported',
  }),
  t(27, 'mjpeg', 'MJPEG over HTTP', 'mjpeg', {
    vendors: ['legacy cameras and encoders'], models: [],
    control: 'HTTP multipart', media: 'MJPEG', capabilities: ['streams', 'liveMedia', 'snapshot'], driver: 'mjpeg', status: 'supported',
  }),
  t(28, 'jpeg-snapshot', 'JPEG snapshot polling', 'snapshot', {
    vendors: ['stills-only sources'], models: [],
    control: 'HTTP GET', media: 'JPEG', capabilities: ['streams', 'liveMedia', 'snapshot'], driver: 'jpeg', status: 'supported',
  }),
  t(29, 'rtmp', 'RTMP pull', 'rtmp', {
    vendors: ['restreamers', 'some cameras'], models: [],
    control: 'RTMP', media: 'FLV H.264/AAC', capabilities: MEDIA_ONLY, driver: undefined, status: 'planned',
  }),
  t(30, 'hls', 'HLS pull', 'hls', {
    vendors: ['third-party traffic feeds'], models: [],
    control: 'HTTP playlists', media: 'TS / fMP4', capabilities: ['streams', 'liveMedia', 'snapshot'], driver: 'hls', status: 'supported',
  }),
  t(31, 'srt', 'SRT', 'srt', {
    vendors: ['contractor encoders', 'gateways'], models: [],
    control: 'SRT caller/listener', media: 'MPEG-TS', capabilities: MEDIA_ONLY, driver: undefined, status: 'planned',
  }),
  t(32, 'gb28181', 'GB/T 28181', 'gb28181', {
    vendors: ['devices and platforms in GB mode'], models: [],
    control: 'SIP + MANSCDP (Catalog, PTZCmd, Alarm)', media: 'RTP/PS', capabilities: ALL, driver: undefined, status: 'planned',
  }),
  t(33, 'pelco-d', 'Pelco-D/P over serial-to-TCP', 'pelco-d', {
    vendors: ['analog PTZ domes behind serial servers'], models: [],
    control: 'raw Pelco-D/P bytes', media: 'paired with an encoder type', capabilities: ['ptz'], driver: undefined, status: 'planned',
  }),
]);

/** Driver of a type that has none of its own yet: cameras imported with it are reached by their RTSP URL. */
export const DEFAULT_CAMERA_DRIVER = 'rtsp';

const BY_SLUG: ReadonlyMap<string, number> = new Map(CAMERA_TYPES.map((type) => [type.slug, type.id]));

/**
 * The type number for a type number or slug (`12`, `'12'`, `'hikvision-ip'`, case-insensitive), or `undefined`
 * when it names none of the 33 types.
 *
 * @example
 * ```ts
 * cameraTypeFrom('dahua-nvr'); // 7
 * cameraTypeFrom(' 26 '); // 26
 * cameraTypeFrom('34'); // undefined
 * ```
 */
export function cameraTypeFrom(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= CAMERA_TYPES.length ? value : undefined;
  const text = value.trim().toLowerCase();
  if (/^[0-9]{1,2}$/.test(text)) return cameraTypeFrom(Number(text));
  return BY_SLUG.get(text);
}

/**
 * The driver id for a camera type number: the type's own driver, else {@link DEFAULT_CAMERA_DRIVER}.
 *
 * @example
 * ```ts
 * driverForCameraType(7); // 'dahua'
 * driverForCameraType(10); // 'rtsp' (no Hanwha driver yet)
 * ```
 */
export function driverForCameraType(cameraType: number): string {
  return CAMERA_TYPES[cameraType - 1]?.driver ?? DEFAULT_CAMERA_DRIVER;
}
