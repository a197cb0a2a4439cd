import { describeConformance } from '@argus/driver-kit/conformance';
import { hikvision } from './index.js'; import { HikvisionEmulator } from './emulator/index.js';
// The suite wants a motion stop within 2 s: the emulator repeats active alerts every 250 ms and the driver ends motion after 1 s of silence (real devices: 5 s, see README).
describeConformance('hikvision', { driver: hikvision({ heldQuietMs: 1000 }), emulator: (ctx) => new HikvisionEmulator({ ...ctx, repeatMs: 250 }), cameraType: 1 });
