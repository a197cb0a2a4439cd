import { describe, expect, it } from 'vitest';
import { AXIS_FIXTURES, fixture } from './axis-fixtures.test-helper.js';
import { mediaUrl, parseResolution, subResolution } from './axis-streams.js';
import { paramValue, parseParamList } from './parse-param-list.js';

describe('stream helpers', () => {
  it('picks a sub-stream resolution of the main aspect ratio, at most 640 wide', () => {
    expect(subResolution('1920x1080,1280x960,1280x720,1024x768,1024x576,800x600,640x480,640x360,352x240,320x240')).toEqual({ width: 640, height: 360 });
    expect(subResolution('2592x1944,1280x960,800x600,640x480')).toEqual({ width: 640, height: 480 });
    expect(subResolution('1280x720,1024x768,800x600')).toEqual({ width: 800, height: 600 });
    expect(subResolution('320x240,160x120')).toEqual({ width: 160, height: 120 });
    expect(subResolution('1920x1080')).toBeUndefined();
    expect(subResolution('D1,4CIF,2CIF,CIF,QCIF')).toBeUndefined();
    expect(subResolution(undefined)).toBeUndefined();
  });

  it.skipIf(AXIS_FIXTURES === undefined)('reads the resolutions of the captured Properties group', () => {
    const list = parseParamList(fixture('param-cgi/param_property_response.txt'));
    expect(subResolution(paramValue(list, 'Properties.Image.Resolution'))).toEqual({ width: 640, height: 360 });
  });

  it('builds media.amp URLs', () => {
    expect(mediaUrl('10.0.0.9', 554, 'videocodec=h264')).toBe('rtsp://10.0.0.9:554/axis-media/media.amp?videocodec=h264');
    expect(mediaUrl('fe80::1', 8554, '')).toBe('rtsp://[fe80::1]:8554/axis-media/media.amp');
    expect(parseResolution(' 640x360 ')).toEqual({ width: 640, height: 360 });
    expect(parseResolution('CIF')).toBeUndefined();
  });
});
