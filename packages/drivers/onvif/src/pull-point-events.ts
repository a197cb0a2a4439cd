import { Observable } from 'rxjs';
import { errorMessage, hasErrorCode, type Clock, type DeviceEvent, type Logger } from '@argus/core';
import type { OnvifClient } from './onvif-client.js';
import { OnvifEventMapper, type OnvifTopicRule } from './onvif-event-mapper.js';

/** Options of {@link pullPointEvents}. */
export interface PullPointEventsOptions {
  /** Where to log. */
  readonly logger: Logger;
  /** Time source for events without a device time. */
  readonly clock: Clock;
  /** Subscription lifetime asked for (and renewed at half-life); default 60 s. */
  readonly subscriptionMs?: number;
  /** Most messages per PullMessages; default 100. */
  readonly messageLimit?: number;
  /** First retry delay after a failure; doubles up to `maxBackoffMs`. Default 500 ms. */
  readonly backoffMs?: number;
  /** Longest retry delay; default 5 s. */
  readonly maxBackoffMs?: number;
  /** Topic table; default {@link ONVIF_TOPIC_RULES}. */
  readonly rules?: readonly OnvifTopicRule[];
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Device events through an ONVIF PullPoint subscription, as a cold Observable: subscribing creates the subscription
 * (CreatePullPointSubscription) and long-polls PullMessages, renewing before the device's TerminationTime;
 * unsubscribing aborts the poll and sends Unsubscribe. When the device goes away or forgets the subscription (a
 * reboot), a new one is created with a doubling backoff, so the Observable survives restarts. It completes when the
 * client is closed.
 *
 * @example
 * ```ts
 * const subscription = pullPointEvents(client, { logger, clock }).subscribe((e) => console.log(e.kind, e.state));
 * ```
 */
export function pullPointEvents(client: OnvifClient, options: PullPointEventsOptions): Observable<DeviceEvent> {
  const subscriptionMs = options.subscriptionMs ?? 60_000;
  const limit = options.messageLimit ?? 100;
  const firstBackoff = options.backoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  return new Observable<DeviceEvent>((subscriber) => {
    const stop = new AbortController();
    const signal = stop.signal;
    const mapper = new OnvifEventMapper(options.rules);
    const logger = options.logger;

    const unsubscribe = (address: string): void => {
      if (client.closed) return;
      client.unsubscribe(address, AbortSignal.timeout(5000)).catch((err: unknown) => {
        logger.debug({ reason: errorMessage(err) }, 'ONVIF Unsubscribe failed (the subscription expires by itself)');
      });
    };

    const run = async (): Promise<void> => {
      let backoff = firstBackoff;
      while (!signal.aborted && !client.closed) {
        let address: string | undefined;
        try {
          const created = await client.createPullPoint(subscriptionMs, signal);
          address = created.address;
          logger.debug({ address }, 'ONVIF pull point created');
          // Renew at half-life, measured on the device's clock when it reports one, else on ours.
          let renewAt = options.clock.now() + subscriptionMs / 2;
          const planRenew = (current?: number, termination?: number): void => {
            if (current !== undefined && termination !== undefined) renewAt = options.clock.now() + Math.max(0, (termination - current) / 2);
          };
          planRenew(created.currentTime, created.terminationTime);
          while (!signal.aborted) {
            if (options.clock.now() >= renewAt) {
              renewAt = options.clock.now() + subscriptionMs / 2;
              try {
                const renewed = await client.renew(address, subscriptionMs, signal);
                planRenew(renewed.currentTime, renewed.terminationTime);
              } catch (err) {
                // Some devices extend the subscription on every PullMessages and refuse Renew: keep pulling; when
                // the subscription does expire, PullMessages faults and a new one is made.
                if (!hasErrorCode(err, 'ARGUS_ERR_DRIVER_REQUEST_FAILED') && !hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNSUPPORTED')) throw err;
                logger.debug({ reason: err.message }, 'ONVIF Renew refused; relying on PullMessages');
              }
            }
            const pulled = await client.pullMessages(address, limit, signal);
            backoff = firstBackoff;
            const now = options.clock.now();
            for (const notification of pulled.notifications) for (const event of mapper.process(notification, now)) subscriber.next(event);
          }
        } catch (err) {
          if (signal.aborted) break;
          if (client.closed) break;
          if (address === undefined && hasErrorCode(err, 'ARGUS_ERR_DRIVER_UNSUPPORTED')) {
            // The device has no PullPoint service: retrying cannot help.
            subscriber.error(err);
            return;
          }
          const level = hasErrorCode(err, 'ARGUS_ERR_DRIVER_AUTH') ? 'warn' : 'info';
          logger[level]({ reason: errorMessage(err), retryInMs: backoff }, 'ONVIF event subscription failed; subscribing again');
          if (address !== undefined) unsubscribe(address);
          address = undefined;
          await delay(backoff, signal);
          backoff = Math.min(backoff * 2, maxBackoff);
        } finally {
          if (address !== undefined && signal.aborted) unsubscribe(address);
        }
      }
      if (!signal.aborted) subscriber.complete();
    };
    run().catch((err: unknown) => subscriber.error(err));
    return () => stop.abort();
  });
}
