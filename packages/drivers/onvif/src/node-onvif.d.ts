// Minimal typings of the parts of node-onvif 0.1.7 the driver uses (the package ships no types). The service
// modules are CommonJS constructors; every method returns a promise of a NodeOnvifResult when no callback is given.

declare module 'node-onvif/lib/modules/soap.js' {
  /** Constructor parameters of node-onvif's service classes (the endpoint and what soap.js signs requests with). */
  export interface NodeOnvifServiceParams {
    xaddr: string;
    user?: string;
    pass?: string;
    time_diff?: number;
  }
  /** What soap.js resolves every service call with: the raw reply text and its xml2js conversion. */
  export interface NodeOnvifResult {
    soap: string;
    formatted: string;
    converted: unknown;
    data: unknown;
  }
}

declare module 'node-onvif/lib/modules/service-device.js' {
  import type { NodeOnvifResult, NodeOnvifServiceParams } from 'node-onvif/lib/modules/soap.js';
  class OnvifServiceDevice {
    constructor(params: NodeOnvifServiceParams);
    /** Device clock minus local clock, ms; added to WS-Security `Created`. */
    time_diff: number;
    getSystemDateAndTime(): Promise<NodeOnvifResult>;
    getCapabilities(): Promise<NodeOnvifResult>;
    getServices(params: { IncludeCapability: boolean }): Promise<NodeOnvifResult>;
    getDeviceInformation(): Promise<NodeOnvifResult>;
    getNetworkInterfaces(): Promise<NodeOnvifResult>;
  }
  export = OnvifServiceDevice;
}

declare module 'node-onvif/lib/modules/service-media.js' {
  import type { NodeOnvifResult, NodeOnvifServiceParams } from 'node-onvif/lib/modules/soap.js';
  class OnvifServiceMedia {
    constructor(params: NodeOnvifServiceParams);
    time_diff: number;
    getProfiles(): Promise<NodeOnvifResult>;
    getStreamUri(params: { ProfileToken: string; Protocol: 'UDP' | 'HTTP' | 'RTSP' }): Promise<NodeOnvifResult>;
    getSnapshotUri(params: { ProfileToken: string }): Promise<NodeOnvifResult>;
  }
  export = OnvifServiceMedia;
}

declare module 'node-onvif/lib/modules/service-ptz.js' {
  import type { NodeOnvifResult, NodeOnvifServiceParams } from 'node-onvif/lib/modules/soap.js';
  interface Xyz {
    x: number;
    y: number;
    z: number;
  }
  class OnvifServicePtz {
    constructor(params: NodeOnvifServiceParams);
    time_diff: number;
    getNodes(): Promise<NodeOnvifResult>;
    continuousMove(params: { ProfileToken: string; Velocity: Xyz; Timeout?: number }): Promise<NodeOnvifResult>;
    stop(params: { ProfileToken: string; PanTilt?: boolean; Zoom?: boolean }): Promise<NodeOnvifResult>;
    absoluteMove(params: { ProfileToken: string; Position: Xyz; Speed?: Xyz }): Promise<NodeOnvifResult>;
    relativeMove(params: { ProfileToken: string; Translation: Xyz; Speed?: Xyz }): Promise<NodeOnvifResult>;
    getPresets(params: { ProfileToken: string }): Promise<NodeOnvifResult>;
    setPreset(params: { ProfileToken: string; PresetToken?: string; PresetName?: string }): Promise<NodeOnvifResult>;
    gotoPreset(params: { ProfileToken: string; PresetToken: string; Speed?: Xyz }): Promise<NodeOnvifResult>;
    removePreset(params: { ProfileToken: string; PresetToken: string }): Promise<NodeOnvifResult>;
    gotoHomePosition(params: { ProfileToken: string; Speed?: number }): Promise<NodeOnvifResult>;
  }
  export = OnvifServicePtz;
}
