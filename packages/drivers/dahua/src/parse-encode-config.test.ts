import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@argus/core';
import { codecFromCompression, parseChannelTitles, parseEncodeConfig, parseRtspPort } from './parse-encode-config.js';

/** An Encode reply of a two-channel recorder in the documented Dahua shape (no capture of it is licensed). */
const ENCODE = [
  'table.Encode[0].MainFormat[0].AudioEnable=false',
  'table.Encode[0].MainFormat[0].Video.BitRate=4096',
  'table.Encode[0].MainFormat[0].Video.BitRateControl=VBR',
  'table.Encode[0].MainFormat[0].Video.Compression=H.265',
  'table.Encode[0].MainFormat[0].Video.FPS=25',
  'table.Encode[0].MainFormat[0].Video.Height=1080',
  'table.Encode[0].MainFormat[0].Video.Width=1920',
  'table.Encode[0].MainFormat[0].VideoEnable=true',
  'table.Encode[0].MainFormat[1].Video.Compression=H.265',
  'table.Encode[0].MainFormat[1].Video.Height=1080',
  'table.Encode[0].MainFormat[1].Video.Width=1920',
  'table.Encode[0].ExtraFormat[0].Video.BitRate=512',
  'table.Encode[0].ExtraFormat[0].Video.Compression=H.264H',
  'table.Encode[0].ExtraFormat[0].Video.FPS=15',
  'table.Encode[0].ExtraFormat[0].Video.Height=480',
  'table.Encode[0].ExtraFormat[0].Video.Width=704',
  'table.Encode[0].ExtraFormat[0].VideoEnable=true',
  'table.Encode[0].ExtraFormat[1].Video.Compression=MJPG',
  'table.Encode[0].ExtraFormat[1].Video.Height=288',
  'table.Encode[0].ExtraFormat[1].Video.Width=352',
  'table.Encode[0].ExtraFormat[1].VideoEnable=false',
  'table.Encode[1].MainFormat[0].Video.Compression=H.264',
  'table.Encode[1].MainFormat[0].Video.Height=720',
  'table.Encode[1].MainFormat[0].Video.Width=1280',
  '',
].join('\r\n');

describe('parseEncodeConfig', () => {
  it('reads the main and extra streams of channel 1, disabled ones flagged', () => {
    expect(parseEncodeConfig(ENCODE, 1)).toEqual([
      { subtype: 0, codec: 'h265', compression: 'H.265', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096, enabled: true },
      { subtype: 1, codec: 'h264', compression: 'H.264H', width: 704, height: 480, fps: 15, bitrateKbps: 512, enabled: true },
      { subtype: 2, codec: 'mjpeg', compression: 'MJPG', width: 352, height: 288, enabled: false },
    ]);
  });

  it('reads another channel of a recorder', () => {
    expect(parseEncodeConfig(ENCODE, 2)).toEqual([{ subtype: 0, codec: 'h264', compression: 'H.264', width: 1280, height: 720, enabled: true }]);
  });

  it('fails with a typed protocol error for a channel without a main stream, and on broken replies', () => {
    for (const run of [() => parseEncodeConfig(ENCODE, 3), () => parseEncodeConfig('table.Encode[0].MainFormat[0].Video.Width 1920'), () => parseEncodeConfig('table.RTSP.Port=554')]) {
      let error: unknown;
      try {
        run();
      } catch (err) {
        error = err;
      }
      expect(hasErrorCode(error, 'ARGUS_ERR_DRIVER_PROTOCOL')).toBe(true);
    }
    expect(() => parseEncodeConfig(ENCODE, 0)).toThrow(RangeError);
  });

  it('maps compression names to codecs', () => {
    expect(['H.264', 'H.264B', 'H.264H', 'H264', 'H.265', 'H.265H', 'MJPG', 'SVAC'].map(codecFromCompression)).toEqual(['h264', 'h264', 'h264', 'h264', 'h265', 'h265', 'mjpeg', 'svac']);
  });
});

describe('parseRtspPort and parseChannelTitles', () => {
  it('reads the RTSP port, ignoring invalid ones', () => {
    expect(parseRtspPort('table.RTSP.Enable=true\r\ntable.RTSP.Port=8554\r\ntable.RTSP.RTP.EndPort=40000\r\n')).toBe(8554);
    expect(parseRtspPort('table.RTSP.Port=70000\r\n')).toBeUndefined();
    expect(parseRtspPort('table.RTSP.Enable=true\r\n')).toBeUndefined();
  });

  it('reads channel titles by index', () => {
    expect(parseChannelTitles('table.ChannelTitle[0].Name=Gate\r\ntable.ChannelTitle[1].Name=Yard\r\n')).toEqual(['Gate', 'Yard']);
  });
});
