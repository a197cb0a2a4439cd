import { hasErrorCode, type PtzCapability, type PtzFeatures, type PtzPreset, type PtzVector } from '@argus/core';
import type { IsapiClient } from './isapi-client.js';
import { parsePtzPresets, presetXml, ptzDataXml, toIsapiSpeed, type IsapiPtzCapabilities } from './parse-ptz.js';

const STOP: PtzVector = { pan: 0, tilt: 0, zoom: 0 };

/**
 * PTZ over ISAPI (`/ISAPI/PTZCtrl/channels/<ch>/...`): continuous moves in ISAPI's -100..100 speeds (zeros stop),
 * timed moves with `/momentary` where the device has it (else a continuous move and a stop after the time),
 * presets (PUT set, PUT `/goto`, DELETE) and the home position.
 */
export class IsapiPtz implements PtzCapability {
  /** See `PtzCapability.ptzFeatures`. */
  readonly ptzFeatures: PtzFeatures;
  readonly #client: IsapiClient;
  readonly #base: string;
  readonly #caps: IsapiPtzCapabilities;
  #momentary: boolean;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(client: IsapiClient, channel: number, caps: IsapiPtzCapabilities) {
    this.#client = client;
    this.#base = `/ISAPI/PTZCtrl/channels/${channel}`;
    this.#caps = caps;
    this.#momentary = caps.momentary;
    this.ptzFeatures = {
      absoluteMove: false,
      relativeMove: false,
      presets: true,
      ...(caps.maxPresets === undefined ? {} : { maxPresets: caps.maxPresets }),
      home: true,
    };
  }

  /** See `PtzCapability.continuousMove`. */
  async continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void> {
    if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
    this.#clearTimers();
    const speed = toIsapiSpeed(velocity, this.#caps);
    if (timeoutMs !== undefined && this.#momentary) {
      try {
        await this.#client.put(`${this.#base}/momentary`, ptzDataXml(speed, timeoutMs));
        return;
      } catch (err) {
        if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED')) throw err;
        this.#momentary = false;
      }
    }
    await this.#client.put(`${this.#base}/continuous`, ptzDataXml(speed));
    if (timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#client.put(`${this.#base}/continuous`, ptzDataXml(STOP)).catch(() => undefined);
      }, timeoutMs);
      this.#timers.add(timer);
    }
  }

  /** See `PtzCapability.stop`. */
  async stop(): Promise<void> {
    this.#clearTimers();
    await this.#client.put(`${this.#base}/continuous`, ptzDataXml(STOP));
  }

  /** See `PtzCapability.getPresets`. */
  async getPresets(): Promise<PtzPreset[]> {
    return parsePtzPresets(await this.#client.get(`${this.#base}/presets`), this.#client.endpoint);
  }

  /**
   * See `PtzCapability.setPreset`. ISAPI presets are numbered: without `id` the lowest free number is used.
   * @throws RangeError for an id that is not a positive integer.
   */
  async setPreset(name?: string, id?: string): Promise<string> {
    let presetId = id;
    if (presetId === undefined) {
      const taken = new Set((await this.getPresets()).map((p) => p.id));
      let n = 1;
      while (taken.has(String(n))) n += 1;
      presetId = String(n);
    }
    this.#checkId(presetId);
    await this.#client.put(`${this.#base}/presets/${presetId}`, presetXml(presetId, name ?? `Preset ${presetId}`));
    return presetId;
  }

  /** See `PtzCapability.gotoPreset`. */
  async gotoPreset(id: string): Promise<void> {
    this.#checkId(id);
    await this.#client.put(`${this.#base}/presets/${id}/goto`);
  }

  /** See `PtzCapability.removePreset`. */
  async removePreset(id: string): Promise<void> {
    this.#checkId(id);
    await this.#client.delete(`${this.#base}/presets/${id}`);
  }

  /** See `PtzCapability.gotoHome`. */
  async gotoHome(): Promise<void> {
    await this.#client.put(`${this.#base}/homeposition/goto`);
  }

  /** Cancels pending timed stops (session close). */
  dispose(): void {
    this.#clearTimers();
  }

  #checkId(id: string): void {
    if (!/^\d+$/.test(id) || Number(id) < 1 || (this.#caps.maxPresets !== undefined && Number(id) > this.#caps.maxPresets)) {
      throw new RangeError(`ISAPI preset ids are numbers 1..${this.#caps.maxPresets ?? 'n'}, got "${id}"`);
    }
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
