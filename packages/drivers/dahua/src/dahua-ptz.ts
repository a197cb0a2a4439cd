import { ArgusError, type Logger, type PtzCapability, type PtzFeatures, type PtzPreset, type PtzVector } from '@argus/core';
import type { DahuaApi } from './dahua-api.js';
import {
  isDirectionCode,
  isZoomCode,
  ptzMoveCommands,
  ptzPresetCommand,
  ptzStopCommand,
  type DahuaDirectionCode,
  type DahuaPtzCommand,
  type DahuaZoomCode,
} from './dahua-ptz-codes.js';
import { parsePresets } from './parse-ptz-status.js';

/** Options of {@link DahuaPtz}. */
export interface DahuaPtzOptions {
  /** The device API. */
  readonly api: DahuaApi;
  /** `channel=` of `ptz.cgi` (Dahua's examples use 0 for the first channel). */
  readonly channel: number;
  /** Highest preset number the head stores; default 255. */
  readonly maxPresets?: number;
  /** Where failures of timed stops are logged. */
  readonly logger: Logger;
}

function checkVector(vector: PtzVector): void {
  if (typeof vector !== 'object' || vector === null) throw new TypeError('a velocity must be a { pan, tilt, zoom } object');
  for (const axis of ['pan', 'tilt', 'zoom'] as const) {
    const value = vector[axis];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < -1 || value > 1) {
      throw new RangeError(`velocity.${axis} must be a number in -1..1, got ${String(value)}`);
    }
  }
}

/**
 * PTZ through `ptz.cgi`: continuous moves as direction and zoom codes with speeds 1..8, stops by code, presets
 * with `SetPreset`/`GotoPreset`/`ClearPreset` and `getPresets`. The head has no home position and no absolute or
 * relative moves over this API.
 */
export class DahuaPtz implements PtzCapability {
  /** Presets only; no absolute/relative moves and no home over `ptz.cgi`. */
  readonly ptzFeatures: PtzFeatures;
  readonly #api: DahuaApi;
  readonly #channel: number;
  readonly #logger: Logger;
  /** Codes started and not yet stopped: Dahua stops a move by repeating its code with `action=stop`. */
  readonly #active = new Set<DahuaDirectionCode | DahuaZoomCode>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DahuaPtzOptions) {
    this.#api = options.api;
    this.#channel = options.channel;
    this.#logger = options.logger;
    this.ptzFeatures = Object.freeze({ absoluteMove: false, relativeMove: false, presets: true, maxPresets: options.maxPresets ?? 255, home: false });
  }

  async continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void> {
    checkVector(velocity);
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
    this.#clearTimer();
    const commands = ptzMoveCommands(velocity);
    if (commands.length === 0) {
      await this.stop();
      return;
    }
    const wanted = new Set(commands.map((c) => c.code));
    // An axis that moved before and should be still now is stopped; a new code replaces the old one on the device.
    const movesDirection = commands.some((c) => isDirectionCode(c.code));
    const movesZoom = commands.some((c) => isZoomCode(c.code));
    for (const code of [...this.#active]) {
      if (wanted.has(code)) continue;
      if ((isDirectionCode(code) && !movesDirection) || (isZoomCode(code) && !movesZoom)) await this.#send('stop', ptzStopCommand(code));
      this.#active.delete(code);
    }
    for (const command of commands) {
      await this.#send('start', command);
      if (isDirectionCode(command.code) || isZoomCode(command.code)) this.#active.add(command.code);
    }
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.stop().catch((err: unknown) => this.#logger.warn({ err }, 'Dahua PTZ: the timed stop failed'));
      }, timeoutMs);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#clearTimer();
    // With nothing known to be moving (another client started it), one direction and one zoom stop halt the head.
    const codes: (DahuaDirectionCode | DahuaZoomCode)[] = this.#active.size > 0 ? [...this.#active] : ['Up', 'ZoomTele'];
    this.#active.clear();
    for (const code of codes) await this.#send('stop', ptzStopCommand(code));
  }

  async getPresets(): Promise<PtzPreset[]> {
    const text = await this.#api.text(`/cgi-bin/ptz.cgi?action=getPresets&channel=${this.#channel}`);
    return parsePresets(text, { endpoint: this.#api.endpoint });
  }

  /** Stores the current position at preset `id`, or at the lowest free number. `name` is not sent: `ptz.cgi` has no documented name parameter. */
  async setPreset(_name?: string, id?: string): Promise<string> {
    let preset = id;
    if (preset === undefined) {
      const taken = new Set((await this.getPresets()).map((p) => p.id));
      let n = 1;
      while (taken.has(String(n))) n += 1;
      const max = this.ptzFeatures.maxPresets ?? 255;
      if (n > max) throw new RangeError(`every preset 1..${max} is taken`);
      preset = String(n);
    }
    await this.#send('start', ptzPresetCommand('SetPreset', preset));
    return preset;
  }

  async gotoPreset(id: string): Promise<void> {
    await this.#send('start', ptzPresetCommand('GotoPreset', id));
  }

  async removePreset(id: string): Promise<void> {
    await this.#send('start', ptzPresetCommand('ClearPreset', id));
  }

  /** Dahua's `ptz.cgi` has no home position: `ARGUS_ERR_DRIVER_UNSUPPORTED` (see `ptzFeatures.home`). */
  gotoHome(): Promise<void> {
    return Promise.reject(new ArgusError('ARGUS_ERR_DRIVER_UNSUPPORTED', { capability: 'ptz.gotoHome' }));
  }

  /** Cancels a pending timed stop (the session is closing). */
  dispose(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #send(action: 'start' | 'stop', command: DahuaPtzCommand): Promise<void> {
    const { code, arg1, arg2, arg3 } = command;
    return this.#api.ok(`/cgi-bin/ptz.cgi?action=${action}&channel=${this.#channel}&code=${code}&arg1=${arg1}&arg2=${arg2}&arg3=${arg3}`);
  }
}
