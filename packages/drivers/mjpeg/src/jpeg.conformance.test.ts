import { describeConformance } from '@argus/driver-kit/conformance';
import { jpeg } from './index.js'; import { MjpegEmulator } from './emulator/index.js';
describeConformance('jpeg', { driver: jpeg(), emulator: (ctx) => new MjpegEmulator(ctx), connectOptions: { fps: 10 }, cameraType: 28 });
