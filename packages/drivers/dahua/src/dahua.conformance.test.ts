import { describeConformance } from '@argus/driver-kit/conformance';
import { dahua } from './index.js'; import { DahuaEmulator } from './emulator/index.js';
describeConformance('dahua', { driver: dahua(), emulator: (ctx) => new DahuaEmulator(ctx), cameraType: 5 });
describeConformance('dahua (NVR channel)', { driver: dahua(), emulator: (ctx) => new DahuaEmulator({ ...ctx, identity: { model: 'DHI-NVR4108HS-4KS2' }, channels: 4 }), cameraType: 7 });
describeConformance('dahua (Imou)', { driver: dahua(), emulator: (ctx) => new DahuaEmulator({ ...ctx, identity: { model: 'IPC-A22EP' } }), cameraType: 8 });
