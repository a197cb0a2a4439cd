import { systemClock, type Clock } from '@argus/core';

/**
 * The device's clock minus the local clock, so WS-Security `Created` stamps match the device's idea of now
 * (ONVIF devices reject tokens outside a few seconds of their clock). Feed it the time from
 * `GetSystemDateAndTime`, which devices answer without authentication.
 *
 * @example
 * ```ts
 * const clock = new ClockOffset();
 * clock.update(new Date('2024-07-09T19:49:06Z')); // the device's UTC time
 * wsseUsernameToken('admin', 'secret', { created: clock.now() });
 * ```
 */
export class ClockOffset {
  readonly #clock: Clock;
  #offsetMs = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Records the device's current time (read just now). */
  update(deviceTime: Date): void {
    const device = deviceTime.getTime();
    if (!Number.isFinite(device)) throw new RangeError('update() takes a valid Date');
    this.#offsetMs = device - this.#clock.now();
  }

  /** Local time corrected to the device's clock. */
  now(): Date {
    return new Date(this.#clock.now() + this.#offsetMs);
  }

  /** Device clock minus local clock, in milliseconds (positive when the device is ahead). */
  get offsetMs(): number {
    return this.#offsetMs;
  }
}
