/** One simulated camera of a {@link CameraFarm}. Everything but `id` has a default. */
export interface FarmCameraConfig {
  /** Mount path and identity: the camera is served at `rtsp://host:port/<id>`. Letters, digits, `.`, `_`, `-`. */
  readonly id: string;
  /**
   * Text burned into the picture. Each distinct name is its own loop (encoded and held in memory once), so leave it
   * unset for large farms: cameras then show their profile (`H264 640x360 25fps`) and share loops.
   */
  readonly name?: string;
  /** Default `h264`. */
  readonly codec?: 'h264' | 'h265';
  /** Default 640. */
  readonly width?: number;
  /** Default 360. */
  readonly height?: number;
  /** Frames per second; default 25. */
  readonly fps?: number;
  /** Keyframe interval in seconds; default 2. */
  readonly gopSeconds?: number;
  /** Target bitrate; default 1000 kbit/s. */
  readonly bitrateKbps?: number;
  /** Length of the encoded loop in seconds, rounded up to whole GOPs; default 10. */
  readonly loopSeconds?: number;
  /** Credentials the camera's RTSP mount requires (Digest); none by default. */
  readonly credentials?: {
    /** User name the camera accepts. */
    readonly username: string;
    /** Its password. */
    readonly password: string;
  };
}

/** What one loop file is made of: cameras with equal specs share a loop. */
export interface LoopSpec {
  readonly codec: 'h264' | 'h265';
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Frames per GOP. */
  readonly gopFrames: number;
  /** Frames in the loop, a whole number of GOPs. */
  readonly loopFrames: number;
  readonly bitrateKbps: number;
  /** The burned-in title line. */
  readonly label: string;
}

const ID = /^[A-Za-z0-9._-]{1,128}$/;

function positive(value: number, what: string, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

/**
 * Checks a camera config and derives the spec of its loop.
 *
 * @throws TypeError for a bad id or codec, RangeError for a bad size, rate or duration.
 */
export function loopSpecOf(config: FarmCameraConfig): LoopSpec {
  if (typeof config.id !== 'string' || !ID.test(config.id)) {
    throw new TypeError(`camera id "${String(config.id)}" must be 1-128 letters, digits, ".", "_" or "-"`);
  }
  const codec = config.codec ?? 'h264';
  if (codec !== 'h264' && codec !== 'h265') throw new TypeError(`camera ${config.id}: codec must be h264 or h265, not ${String(codec)}`);
  const width = positive(config.width ?? 640, 'width', true);
  const height = positive(config.height ?? 360, 'height', true);
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`camera ${config.id}: width and height must be even (4:2:0)`);
  const fps = positive(config.fps ?? 25, 'fps', false);
  if (fps > 120) throw new RangeError(`camera ${config.id}: fps ${fps} is above 120`);
  const gopFrames = Math.max(1, Math.round(positive(config.gopSeconds ?? 2, 'gopSeconds', false) * fps));
  const wanted = Math.max(1, Math.round(positive(config.loopSeconds ?? 10, 'loopSeconds', false) * fps));
  const loopFrames = Math.ceil(wanted / gopFrames) * gopFrames;
  const bitrateKbps = positive(config.bitrateKbps ?? 1000, 'bitrateKbps', false);
  const label = config.name ?? `${codec.toUpperCase()} ${width}x${height} ${fps}fps`;
  return { codec, width, height, fps, gopFrames, loopFrames, bitrateKbps, label };
}
