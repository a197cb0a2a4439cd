import { describeConformance } from '@argus/driver-kit/conformance';
import { AxisEmulator } from './emulator/index.js'; import { axis } from './index.js';
describeConformance('axis', { driver: axis(), emulator: (ctx) => new AxisEmulator(ctx), cameraType: 9 });
