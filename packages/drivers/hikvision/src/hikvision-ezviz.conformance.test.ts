import { describeConformance } from '@argus/driver-kit/conformance';
import { hikvision } from './index.js'; import { HikvisionEmulator } from './emulator/index.js';
// Camera type 4: an Ezviz PTZ camera on its ISAPI subset, which has no alertStream; the type is certified without events.
describeConformance('hikvision ezviz', { driver: hikvision(), emulator: (ctx) => new HikvisionEmulator({ ...ctx, alertStream: false, identity: { model: 'CS-C6N-A0-1C2WFR' } }), cameraType: 4, capabilities: ['deviceInfo', 'streams', 'liveMedia', 'snapshot', 'ptz'] });
