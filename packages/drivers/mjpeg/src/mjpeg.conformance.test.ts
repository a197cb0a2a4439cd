import { describeConformance } from '@argus/driver-kit/conformance';
import { mjpeg } from './index.js'; import { MjpegEmulator } from './emulator/index.js';
describeConformance('mjpeg', { driver: mjpeg(), emulator: (ctx) => new MjpegEmulator(ctx), cameraType: 27 });
