import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { EventBus } from '../events/event-bus.js';
import type { ArgusConfig } from './argus-config-schema.js';
import type { CameraSettings } from './camera-settings-schema.js';
import { deepEqual, deepMerge, type ConfigPatch } from './merge-config.js';
import { parseConfig } from './parse-config.js';
import { resolveCameraSettings } from './resolve-camera-settings.js';

/** A top-level section of {@link ArgusConfig}. */
export type ConfigSection = keyof ArgusConfig;

declare module '../events/event-map.js' {
  interface ArgusEventMap {
    /** The live configuration changed; `keys` are the top-level sections that differ. */
    configChanged: { keys: readonly ConfigSection[] };
  }
}

/** Options of {@link ConfigStore}. */
export interface ConfigStoreOptions {
  /** The starting configuration, validated like any update (defaults filled). */
  initial: unknown;
  /** Where `configChanged` is published. */
  bus?: EventBus;
}

/**
 * The live, validated configuration of a process. Updates are validated as a whole before they apply; a bad
 * update throws and leaves the current configuration untouched. Consumers follow changes through
 * {@link ConfigStore.config$} or, per camera, {@link ConfigStore.cameraSettings$}, so changes apply without a
 * restart.
 *
 * @example
 * ```ts
 * const store = new ConfigStore({ initial: fileConfig, bus });
 * store.cameraSettings$('cam-7').subscribe((settings) => recorder.reconfigure('cam-7', settings));
 * store.update({ groups: { 'district-1': { settings: { recording: { mode: 'event' } } } } });
 * ```
 */
export class ConfigStore {
  readonly #config$: BehaviorSubject<ArgusConfig>;
  readonly #bus: EventBus | undefined;

  constructor(options: ConfigStoreOptions) {
    this.#config$ = new BehaviorSubject(parseConfig(options.initial));
    this.#bus = options.bus;
  }

  /** The current configuration (deeply frozen). */
  get current(): ArgusConfig {
    return this.#config$.getValue();
  }

  /** The current configuration, then each change. */
  get config$(): Observable<ArgusConfig> {
    return this.#config$.asObservable();
  }

  /**
   * Deep-merges `patch` into the current configuration (arrays replaced, `null` removes a key), validates the
   * result and applies it. Throws like {@link parseConfig}, keeping the current configuration.
   */
  update(patch: ConfigPatch): ArgusConfig {
    return this.#apply(parseConfig(deepMerge(this.current, patch)));
  }

  /** Replaces the whole configuration; throws like {@link parseConfig}, keeping the current one. */
  replace(config: unknown): ArgusConfig {
    return this.#apply(parseConfig(config));
  }

  /**
   * The effective settings of a camera (see {@link resolveCameraSettings}): now, then again only when they
   * actually change, whatever part of the configuration changed.
   */
  cameraSettings$(cameraId: string): Observable<CameraSettings> {
    return this.#config$.pipe(
      map((config) => resolveCameraSettings(config, cameraId)),
      distinctUntilChanged<CameraSettings>(deepEqual),
    );
  }

  /** Completes every stream of the store; called when the host stops. */
  complete(): void {
    this.#config$.complete();
  }

  #apply(next: ArgusConfig): ArgusConfig {
    const previous = this.current;
    const keys = (Object.keys(next) as ConfigSection[]).filter((key) => !deepEqual(previous[key], next[key]));
    if (keys.length === 0) return previous;
    this.#config$.next(next);
    this.#bus?.emit('configChanged', { keys }, { source: 'config' });
    return next;
  }
}
