import { describeConformance } from '@argus/driver-kit/conformance';
import { hls } from './index.js';
import { HlsEmulator } from './emulator/index.js';
describeConformance('hls', { driver: hls(), emulator: (ctx) => new HlsEmulator(ctx), cameraType: 30 });
