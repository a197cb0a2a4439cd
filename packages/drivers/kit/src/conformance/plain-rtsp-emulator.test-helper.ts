import { DeviceEmulator, type EmulatorConnection, type EmulatorHttpReply, type EmulatorOptions, type EmulatorRtspMount } from '../emulator/device-emulator.js';

/**
 * A plain RTSP camera (camera type 26) for tests: the farm's cameras at `/live/main` and `/live/sub`, Digest auth,
 * no HTTP. Faults apply to its RTSP connections (the device API of a plain RTSP camera is RTSP itself).
 */
export class PlainRtspEmulator extends DeviceEmulator {
  constructor(options: EmulatorOptions) {
    super(options, { realm: 'Plain RTSP Camera', http: false, rtspFaults: true });
  }

  /** The RTSP port and the main stream's path. */
  override connection(): EmulatorConnection {
    return { ...super.connection(), path: '/live/main' };
  }

  protected rtspMounts(): readonly EmulatorRtspMount[] {
    return [
      { path: '/live/main', stream: 'main' },
      { path: '/live/sub', stream: 'sub' },
    ];
  }

  protected handle(): Promise<EmulatorHttpReply | undefined> {
    return Promise.resolve(undefined);
  }
}
