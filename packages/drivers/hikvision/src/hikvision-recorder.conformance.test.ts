import { describeConformance } from '@argus/driver-kit/conformance';
import { hikvision } from './index.js'; import { HikvisionEmulator } from './emulator/index.js';
// Camera type 3: channel 1 of an emulated 2-channel NVR (the suite raises events on channel 1); quiet period as in hikvision.conformance.test.ts.
describeConformance('hikvision recorder channel', { driver: hikvision({ heldQuietMs: 1000 }), emulator: (ctx) => new HikvisionEmulator({ ...ctx, deviceType: 'NVR', channels: 2, repeatMs: 250 }), connectOptions: { channel: 1 }, cameraType: 3 });
