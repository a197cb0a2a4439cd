// The device event bridge inside a kernel: a driver whose sessions report events, cameras that ask for their event
// channel through configuration, and the bus events that come out.
import { Observable, Subject, filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, createDeviceSession, ArgusError, type ArgusEvent, type DeviceEvent, type Driver, type Kernel } from '@argus/core';

/** A driver whose every session shares one event source the test drives, and that fails connects on demand. */
class EventingDriver implements Driver {
  readonly manifest = { id: 'eventing', name: 'Eventing', vendor: 'test', version: '1.0.0', cameraTypes: [26], protocols: ['test'], capabilities: ['events'] as const };
  readonly events = new Subject<DeviceEvent>();
  subscribers = 0;
  connects = 0;
  failNextConnects = 0;
  async probe(): Promise<null> {
    return null;
  }
  async connect(config: { host: string }) {
    this.connects += 1;
    if (this.failNextConnects > 0) {
      this.failNextConnects -= 1;
      throw new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: config.host, reason: 'test' });
    }
    const events$ = new Observable<DeviceEvent>((subscriber) => {
      this.subscribers += 1;
      const sub = this.events.subscribe(subscriber);
      return () => {
        this.subscribers -= 1;
        sub.unsubscribe();
      };
    });
    return createDeviceSession({ events: { events$ } });
  }
}

const camera = (id: string, agency = 'police') => ({
  id,
  name: id,
  agency,
  category: 'security' as const,
  cameraType: 26,
  driver: 'eventing',
  ptz: false,
  connection: { host: `${id}.local` },
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe('DeviceEventBridge', () => {
  let kernel: Kernel;
  afterEach(async () => kernel?.stop());

  async function start(subscribe: boolean) {
    const driver = new EventingDriver();
    kernel = createKernel({
      processMetrics: false,
      config: { defaults: { events: { subscribe, retryInitialDelayMs: 5, retryMaxDelayMs: 20 } } },
    });
    kernel.drivers.register(driver);
    await kernel.start();
    return driver;
  }

  it('opens no channel while events.subscribe is off (the default), and one per camera once a group turns it on', async () => {
    const driver = await start(false);
    kernel.config.update({ groups: { north: { settings: {} } } });
    await kernel.devices.add({ ...camera('cam-1'), groups: ['north'] });
    await kernel.devices.add(camera('cam-2'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(driver.connects).toBe(0);
    expect(kernel.deviceEvents.stats().channels).toBe(0);
    kernel.config.update({ groups: { north: { settings: { events: { subscribe: true } } } } });
    await until(() => driver.subscribers === 1);
    expect(kernel.deviceEvents.stats().channels).toBe(1);
  });

  it('turns start/stop and pulse device events into cameraEventStarted/Ended with the camera id', async () => {
    const driver = await start(true);
    await kernel.devices.add(camera('cam-1'));
    await until(() => driver.subscribers === 1);
    const seen = firstValueFrom(kernel.bus.on$('cameraEventStarted', 'cameraEventEnded').pipe(take(4), toArray()));
    driver.events.next({ kind: 'motion', state: 'start', at: 1_000 });
    driver.events.next({ kind: 'motion', state: 'start', at: 1_100 }); // a repeat while open is not a new event
    driver.events.next({ kind: 'motion', state: 'stop', at: 2_000 });
    driver.events.next({ kind: 'tamper', state: 'stop', at: 2_100 }); // a stop with nothing open is dropped
    driver.events.next({ kind: 'lineCrossing', state: 'pulse', at: 3_000, channel: 2 });
    driver.events.next({ kind: 'io', state: 'start', at: 4_000 });
    const events = (await seen) as ArgusEvent<'cameraEventStarted' | 'cameraEventEnded'>[];
    expect(events.map((e) => [e.type, e.payload.type, e.payload.time, e.cameraId])).toEqual([
      ['cameraEventStarted', 'motion', 1_000, 'cam-1'],
      ['cameraEventEnded', 'motion', 2_000, 'cam-1'],
      ['cameraEventStarted', 'lineCrossing', 3_000, 'cam-1'],
      ['cameraEventStarted', 'io', 4_000, 'cam-1'],
    ]);
    expect(events[1]!.payload.id).toBe(events[0]!.payload.id);
    expect(events[2]!.payload).toMatchObject({ end: 3_000, note: 'channel 2', source: 'driver:eventing' });
    // Removing the camera closes its channel and ends what it left open.
    const ended = firstValueFrom(kernel.bus.on$('cameraEventEnded').pipe(filter((e) => e.payload.type === 'io')));
    await kernel.devices.remove('cam-1');
    expect((await ended).payload.id).toBe(events[3]!.payload.id);
    await until(() => driver.subscribers === 0);
    expect(kernel.deviceEvents.stats().channels).toBe(0);
  });

  it('reopens a channel whose connect or stream failed, with backoff, ending the events it left open', async () => {
    const driver = await start(true);
    driver.failNextConnects = 2;
    await kernel.devices.add(camera('cam-1'));
    await until(() => driver.subscribers === 1);
    expect(driver.connects).toBe(3);
    driver.events.next({ kind: 'motion', state: 'start', at: 1_000 });
    const ended = firstValueFrom(kernel.bus.on$('cameraEventEnded'));
    driver.events.error(new ArgusError('ARGUS_ERR_DRIVER_UNREACHABLE', { endpoint: 'cam-1.local', reason: 'dropped' }));
    expect((await ended).payload.type).toBe('motion');
    expect(kernel.deviceEvents.stats().retries).toBeGreaterThanOrEqual(3);
  });

  it('keeps no channel, and does not throw, for a camera in a group the configuration does not define', async () => {
    const driver = await start(true);
    await kernel.devices.add({ ...camera('cam-1'), groups: ['nowhere'] });
    await kernel.devices.add(camera('cam-2'));
    await until(() => driver.subscribers === 1);
    expect(kernel.deviceEvents.stats().channels).toBe(1);
  });

  it('closes every channel when the kernel stops', async () => {
    const driver = await start(true);
    await kernel.devices.add(camera('cam-1'));
    await kernel.devices.add(camera('cam-2'));
    await until(() => driver.subscribers === 2);
    await kernel.stop();
    expect(driver.subscribers).toBe(0);
  });
});
