import { ArgusError, type PtzCapability, type PtzFeatures, type PtzPreset, type PtzVector } from '@argus/core';
import type { DeviceHttpClient } from '@argus/driver-kit';
import type { AxisPtzCamera } from './parse-ptz-params.js';
import { parsePresetList, throwIfVapixError } from './parse-ptz-replies.js';
import { ptzRange, toVapixPosition, toVapixSpeed, toVapixTranslation, type AxisPtzRange } from './ptz-scaling.js';

const PTZ_PATH = '/axis-cgi/com/ptz.cgi';

/** Options of {@link AxisPtz}. */
export interface AxisPtzOptions {
  /** The session's VAPIX client (authenticated). */
  readonly http: DeviceHttpClient;
  /** The camera's limits and abilities from `root.PTZ`. */
  readonly camera: AxisPtzCamera;
  /** Highest preset number (`PresetNameMaxLen` does not bound it; VAPIX servers store up to 100 by default). */
  readonly maxPresets?: number;
}

/**
 * PTZ over VAPIX `ptz.cgi`: continuous moves (`continuouspantiltmove=x,y`, `continuouszoommove=z`, -100..100),
 * stop (zero speeds), absolute and relative moves in the device's degrees and zoom steps (from `root.PTZ.Limit`),
 * server presets by number (`setserverpresetno`, `gotoserverpresetno`, `removeserverpresetno`,
 * `query=presetposall`) and `move=home`. Preset ids are the preset numbers as strings.
 */
export class AxisPtz implements PtzCapability {
  readonly ptzFeatures: PtzFeatures;
  /** Absolute move in the device's degrees and zoom steps; present when the device supports it. */
  readonly absoluteMove?: (position: PtzVector) => Promise<void>;
  /** Relative move (`rpan`, `rtilt`, `rzoom`); present when the device supports it. */
  readonly relativeMove?: (translation: PtzVector) => Promise<void>;
  readonly #http: DeviceHttpClient;
  readonly #camera: AxisPtzCamera;
  readonly #range: AxisPtzRange;
  readonly #maxPresets: number;
  #stopTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AxisPtzOptions) {
    this.#http = options.http;
    this.#camera = options.camera;
    this.#range = ptzRange(options.camera.limits);
    this.#maxPresets = options.maxPresets ?? 100;
    const s = options.camera.support;
    this.ptzFeatures = {
      absoluteMove: s !== undefined && (s.absolutePan || s.absoluteTilt || s.absoluteZoom),
      relativeMove: s !== undefined && (s.relativePan || s.relativeTilt || s.relativeZoom),
      presets: s?.serverPreset ?? false,
      maxPresets: this.#maxPresets,
      home: true,
    };
    if (this.ptzFeatures.absoluteMove) this.absoluteMove = (position) => this.#absoluteMove(position);
    if (this.ptzFeatures.relativeMove) this.relativeMove = (translation) => this.#relativeMove(translation);
  }

  /** The range used to convert positions (device limits, VAPIX defaults where it reports none). */
  get range(): AxisPtzRange {
    return this.#range;
  }

  /** Starts a continuous move (speeds -100..100); with `timeoutMs`, a stop is sent after it. */
  async continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void> {
    this.#clearTimer();
    const pan = toVapixSpeed(velocity.pan);
    const tilt = toVapixSpeed(velocity.tilt);
    const zoom = toVapixSpeed(velocity.zoom);
    await this.#command(this.#speeds(pan, tilt, zoom));
    if (timeoutMs !== undefined && timeoutMs > 0 && (pan !== 0 || tilt !== 0 || zoom !== 0)) {
      // VAPIX continuous moves run until stopped: the timeout is ours.
      this.#stopTimer = setTimeout(() => {
        this.#stopTimer = undefined;
        this.stop().catch(() => undefined);
      }, timeoutMs);
      this.#stopTimer.unref?.();
    }
  }

  /** Stops pan, tilt and zoom (zero speeds). */
  async stop(): Promise<void> {
    this.#clearTimer();
    await this.#command(this.#speeds(0, 0, 0));
  }

  async #absoluteMove(position: PtzVector): Promise<void> {
    const s = this.#camera.support;
    const at = toVapixPosition(position, this.#range);
    const query: Record<string, string | number> = {};
    if (s?.absolutePan === true) query['pan'] = at.pan;
    if (s?.absoluteTilt === true) query['tilt'] = at.tilt;
    if (s?.absoluteZoom === true) query['zoom'] = at.zoom;
    await this.#command(query);
  }

  async #relativeMove(translation: PtzVector): Promise<void> {
    const s = this.#camera.support;
    const by = toVapixTranslation(translation, this.#range);
    const query: Record<string, string | number> = {};
    if (s?.relativePan === true && by.pan !== 0) query['rpan'] = by.pan;
    if (s?.relativeTilt === true && by.tilt !== 0) query['rtilt'] = by.tilt;
    if (s?.relativeZoom === true && by.zoom !== 0) query['rzoom'] = by.zoom;
    if (Object.keys(query).length === 0) return;
    await this.#command(query);
  }

  /** The server presets (`query=presetposall`), ids being the preset numbers. */
  async getPresets(): Promise<PtzPreset[]> {
    const text = await this.#http.text({ path: PTZ_PATH, query: { ...this.#cameraQuery(), query: 'presetposall' } });
    return parsePresetList(text, { endpoint: this.#http.endpoint }).map((p) => ({ id: String(p.number), ...(p.name === '' ? {} : { name: p.name }) }));
  }

  /**
   * Stores the current position. With `id`, overwrites preset number `id` (`setserverpresetno`, with
   * `setserverpresetname` when a name is given); without, takes the lowest free number.
   *
   * @throws RangeError for an id that is not a preset number 1..maxPresets.
   */
  async setPreset(name?: string, id?: string): Promise<string> {
    let number: number;
    if (id !== undefined) {
      number = this.#presetNumber(id);
    } else {
      const used = new Set((await this.getPresets()).map((p) => Number(p.id)));
      number = 1;
      while (used.has(number)) number += 1;
      if (number > this.#maxPresets) throw new ArgusError('ARGUS_ERR_DRIVER_REQUEST_FAILED', { endpoint: this.#http.endpoint, method: 'GET', path: PTZ_PATH, status: 'preset store full' });
    }
    await this.#command({ setserverpresetno: number, ...(name === undefined || name === '' ? {} : { setserverpresetname: name }) });
    return String(number);
  }

  /** Moves to a server preset (`gotoserverpresetno`). */
  async gotoPreset(id: string): Promise<void> {
    await this.#command({ gotoserverpresetno: this.#presetNumber(id) });
  }

  /** Deletes a server preset (`removeserverpresetno`). */
  async removePreset(id: string): Promise<void> {
    await this.#command({ removeserverpresetno: this.#presetNumber(id) });
  }

  /** Moves to the home position (`move=home`). */
  async gotoHome(): Promise<void> {
    await this.#command({ move: 'home' });
  }

  /** Cancels a pending timed stop (when the session closes). */
  dispose(): void {
    this.#clearTimer();
  }

  #speeds(pan: number, tilt: number, zoom: number): Record<string, string | number> {
    const s = this.#camera.support;
    const query: Record<string, string | number> = {};
    // Devices refuse axes they do not have (a zoom-only block has no pan/tilt), so send only supported ones.
    if (s === undefined || s.continuousPan || s.continuousTilt) query['continuouspantiltmove'] = `${pan},${tilt}`;
    if (s === undefined || s.continuousZoom) query['continuouszoommove'] = zoom;
    return query;
  }

  #cameraQuery(): Record<string, number> {
    return this.#camera.camera === 1 ? {} : { camera: this.#camera.camera };
  }

  #presetNumber(id: string): number {
    if (!/^\d+$/.test(id) || Number(id) < 1 || Number(id) > 65_535) throw new RangeError(`Axis preset ids are preset numbers, got "${id}"`);
    return Number(id);
  }

  async #command(query: Record<string, string | number>): Promise<void> {
    const response = await this.#http.bytes({ path: PTZ_PATH, query: { ...this.#cameraQuery(), ...query } });
    // Success is 204 (or an empty 200); errors come back as text with a 200.
    throwIfVapixError(response.text(), this.#http.endpoint, Object.keys(query).join('&'));
  }

  #clearTimer(): void {
    if (this.#stopTimer !== undefined) clearTimeout(this.#stopTimer);
    this.#stopTimer = undefined;
  }
}
