/** One of the 33 camera types of the city: one type per protocol behaviour, not per brand. */
export interface CameraTypeInfo {
  /** Type number, 1..33, as stored in `Camera.cameraType`. */
  readonly id: number;
  /** Stable short name accepted wherever a type number is (CSV imports, queries). */
  readonly slug: string;
  /** Human name from the city's type table. */
  readonly name: string;
  /** Protocol family; picks the default driver through {@link CAMERA_FAMILY_DRIVERS}. */
  readonly family: string;
}

const t = (id: number, slug: string, name: string, family: string): CameraTypeInfo => Object.freeze({ id, slug, name, family });

/**
 * The 33 camera types, indexed by `id - 1`.
 *
 * @example
 * ```ts
 * CAMERA_TYPES[0]; // { id: 1, slug: 'hikvision-ip', name: 'Hikvision IP camera and PTZ', family: 'hikvision' }
 * ```
 */
export const CAMERA_TYPES: readonly CameraTypeInfo[] = Object.freeze([
  t(1, 'hikvision-ip', 'Hikvision IP camera and PTZ', 'hikvision'),
  t(2, 'hikvision-anpr', 'Hikvision ANPR traffic camera', 'hikvision'),
  t(3, 'hikvision-nvr', 'Hikvision NVR/DVR channel', 'hikvision'),
  t(4, 'ezviz', 'Ezviz', 'hikvision'),
  t(5, 'dahua-ip', 'Dahua IP camera and PTZ', 'dahua'),
  t(6, 'dahua-anpr', 'Dahua ANPR traffic camera', 'dahua'),
  t(7, 'dahua-nvr', 'Dahua NVR/XVR channel', 'dahua'),
  t(8, 'imou', 'Imou', 'dahua'),
  t(9, 'axis', 'Axis', 'axis'),
  t(10, 'hanwha', 'Hanwha / Samsung Wisenet', 'hanwha'),
  t(11, 'bosch', 'Bosch', 'bosch'),
  t(12, 'panasonic', 'Panasonic / i-PRO', 'panasonic'),
  t(13, 'sony', 'Sony IPELA', 'sony'),
  t(14, 'vivotek', 'Vivotek', 'vivotek'),
  t(15, 'uniview', 'Uniview', 'uniview'),
  t(16, 'avigilon', 'Avigilon', 'onvif'),
  t(17, 'pelco-ip', 'Pelco IP', 'onvif'),
  t(18, 'honeywell', 'Honeywell', 'onvif'),
  t(19, 'tiandy', 'Tiandy', 'onvif'),
  t(20, 'milesight', 'Milesight', 'onvif'),
  t(21, 'avtech', 'AVTECH', 'avtech'),
  t(22, 'grandstream', 'Grandstream', 'grandstream'),
  t(23, 'onvif-s', 'generic ONVIF Profile S', 'onvif'),
  t(24, 'onvif-t', 'generic ONVIF Profile T', 'onvif'),
  t(25, 'onvif-g', 'ONVIF Profile G edge storage', 'onvif'),
  t(26, 'rtsp', 'plain RTSP', 'rtsp'),
  t(27, 'mjpeg', 'MJPEG over HTTP', 'mjpeg'),
  t(28, 'jpeg-snapshot', 'JPEG snapshot polling', 'snapshot'),
  t(29, 'rtmp', 'RTMP pull', 'rtmp'),
  t(30, 'hls', 'HLS pull', 'hls'),
  t(31, 'srt', 'SRT', 'srt'),
  t(32, 'gb28181', 'GB/T 28181', 'gb28181'),
  t(33, 'pelco-d', 'Pelco-D/P over serial-to-TCP', 'pelco-d'),
]);

/**
 * Default driver id per camera family. Families without a driver yet are absent and fall back to
 * {@link DEFAULT_CAMERA_DRIVER}; add a row here when a family's driver package lands.
 */
export const CAMERA_FAMILY_DRIVERS: Readonly<Record<string, string>> = Object.freeze({
  hikvision: 'hikvision',
  dahua: 'dahua',
  axis: 'axis',
  onvif: 'onvif',
  rtsp: 'rtsp',
});

/** Driver of a family that has none of its own yet. */
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

/** The default driver id for a camera type number, by its family (see {@link CAMERA_FAMILY_DRIVERS}). */
export function driverForCameraType(cameraType: number): string {
  const family = CAMERA_TYPES[cameraType - 1]?.family;
  return (family === undefined ? undefined : CAMERA_FAMILY_DRIVERS[family]) ?? DEFAULT_CAMERA_DRIVER;
}
