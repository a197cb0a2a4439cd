import { describeConformance } from './index.js';
import { jsonCamera, JsonCameraEmulator } from './json-camera.test-helper.js';
describeConformance('jsoncam', { driver: jsonCamera(), emulator: (ctx) => new JsonCameraEmulator({ ...ctx }), cameraType: 26, timeoutMs: 5000 });
