import { rtsp } from '@argus/driver-rtsp';
import { describeConformance } from './index.js'; import { PlainRtspEmulator } from './plain-rtsp-emulator.test-helper.js';
describeConformance('rtsp', { driver: rtsp(), emulator: (ctx) => new PlainRtspEmulator(ctx), connectOptions: { subPath: '/live/sub' }, cameraType: 26 });
