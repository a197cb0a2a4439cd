import { describe, expect, it } from 'vitest';
import { type ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { EventBus } from '../events/event-bus.js';
import type { AnyArgusEvent } from '../events/event-map.js';
import { ManualClock } from '../time/clock.js';
import type { Camera, CameraInput } from './camera-schema.js';
import { DeviceRegistry, type DeviceChange } from './device-registry.js';
import { MemoryDeviceStore } from './device-store.js';
import { redactCamera } from './redact-camera.js';

const PASSWORD = 'S3cret!pass';

function input(overrides: Record<string, unknown> = {}): CameraInput {
  return {
    id: 'q1-gate-03',
    name: 'Gate 3',
    agency: 'police-q1',
    category: 'security',
    cameraType: 1,
    driver: 'hikvision',
    ptz: true,
    location: { district: 'Q1', lat: 10.77, lon: 106.7 },
    connection: { host: '127.0.0.1', port: 8080, username: 'admin', password: PASSWORD },
    ...overrides,
  } as CameraInput;
}

async function failure(promise: Promise<unknown>): Promise<ArgusError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) throw new Error('expected a rejection');
  return err as ArgusError;
}

function paths(err: ArgusError): string[] {
  return (err.details['errors'] as { path: string }[]).map((e) => e.path);
}

describe('DeviceRegistry.add', () => {
  it('adds a valid camera with defaults and timestamps from the clock, and stores it', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new MemoryDeviceStore();
    const registry = new DeviceRegistry({ clock, store });
    const camera = await registry.add(input());
    expect(camera).toMatchObject({ id: 'q1-gate-03', enabled: true, tags: [], groups: [], createdAt: 1_700_000_000_000 });
    expect(camera.updatedAt).toBe(camera.createdAt);
    expect(registry.get('q1-gate-03')).toBe(camera);
    expect(registry.size).toBe(1);
    expect(await store.load()).toEqual([camera]);
    expect(Object.isFrozen(camera.connection)).toBe(true);
  });

  it('rejects a duplicate id with ARGUS_ERR_DEVICE_DUPLICATE', async () => {
    const registry = new DeviceRegistry();
    await registry.add(input());
    const err = await failure(registry.add(input({ name: 'other' })));
    expect(hasErrorCode(err, 'ARGUS_ERR_DEVICE_DUPLICATE')).toBe(true);
    expect(registry.get('q1-gate-03').name).toBe('Gate 3');
  });

  it.each([
    ['bad id characters', { id: 'gate 3/x' }, '/id'],
    ['an empty id', { id: '' }, '/id'],
    ['an id over 64 characters', { id: 'a'.repeat(65) }, '/id'],
    ['lat out of range', { location: { lat: 91 } }, '/location/lat'],
    ['lon out of range', { location: { lon: -181 } }, '/location/lon'],
    ['an unknown category', { category: 'parking' }, '/category'],
    ['cameraType 0', { cameraType: 0 }, '/cameraType'],
    ['cameraType 34', { cameraType: 34 }, '/cameraType'],
    ['a fractional cameraType', { cameraType: 2.5 }, '/cameraType'],
    ['a missing connection.host', { connection: { port: 80 } }, '/connection/host'],
    ['a port out of range', { connection: { host: 'h', port: 70_000 } }, '/connection/port'],
    ['a string for ptz', { ptz: 'yes' }, '/ptz'],
    ['a number for name', { name: 42 }, '/name'],
    ['a string for tags', { tags: 'a,b' }, '/tags'],
    ['an unknown property', { colour: 'red' }, '/colour'],
  ])('rejects %s with ARGUS_ERR_DEVICE_INVALID naming the path', async (_label, overrides, path) => {
    const registry = new DeviceRegistry();
    const err = await failure(registry.add(input(overrides)));
    expect(hasErrorCode(err, 'ARGUS_ERR_DEVICE_INVALID')).toBe(true);
    expect(paths(err)).toContain(path);
    expect(err.message).toContain(path);
    expect(JSON.stringify(err.toJSON())).not.toContain(PASSWORD);
    expect(registry.size).toBe(0);
  });

  it('reports a missing required field and a non-object', async () => {
    const registry = new DeviceRegistry();
    const { connection: _c, ...noConnection } = input();
    expect(paths(await failure(registry.add(noConnection as CameraInput)))).toContain('/connection');
    const err = await failure(registry.add(null as unknown as CameraInput));
    expect(hasErrorCode(err, 'ARGUS_ERR_DEVICE_INVALID')).toBe(true);
    expect(paths(err)).toEqual(['/']);
  });

  it('names the accepted categories', async () => {
    const err = await failure(new DeviceRegistry().add(input({ category: 'parking' })));
    expect(err.message).toContain('Expected one of security, defence, traffic');
  });
});

describe('DeviceRegistry.update / upsert / remove', () => {
  it('merges location and connection field by field, keeps the password and createdAt, moves updatedAt', async () => {
    const clock = new ManualClock(1_000);
    const registry = new DeviceRegistry({ clock });
    await registry.add(input({ tags: ['gate'] }));
    clock.advance(500);
    const updated = await registry.update('q1-gate-03', { connection: { port: 8443 }, location: { ward: 'Ben Nghe' }, tags: ['gate', 'north'] });
    expect(updated.connection).toEqual({ host: '127.0.0.1', port: 8443, username: 'admin', password: PASSWORD });
    expect(updated.location).toEqual({ district: 'Q1', ward: 'Ben Nghe', lat: 10.77, lon: 106.7 });
    expect(updated.tags).toEqual(['gate', 'north']);
    expect([updated.createdAt, updated.updatedAt]).toEqual([1_000, 1_500]);
  });

  it('removes a field set to undefined, revalidates, and refuses to change the id', async () => {
    const registry = new DeviceRegistry();
    await registry.add(input());
    const updated = await registry.update('q1-gate-03', { connection: { password: undefined }, location: undefined });
    expect(updated.connection).toEqual({ host: '127.0.0.1', port: 8080, username: 'admin' });
    expect(updated.location).toBeUndefined();
    const bad = await failure(registry.update('q1-gate-03', { location: { lat: -100 } }));
    expect(paths(bad)).toEqual(['/location/lat']);
    expect(registry.get('q1-gate-03').location).toBeUndefined();
    const moved = await failure(registry.update('q1-gate-03', { id: 'other' }));
    expect(hasErrorCode(moved, 'ARGUS_ERR_DEVICE_INVALID')).toBe(true);
  });

  it('throws ARGUS_ERR_DEVICE_NOT_FOUND for update, remove and get of a missing id', async () => {
    const registry = new DeviceRegistry();
    expect(hasErrorCode(await failure(registry.update('ghost', { name: 'x' })), 'ARGUS_ERR_DEVICE_NOT_FOUND')).toBe(true);
    expect(hasErrorCode(await failure(registry.remove('ghost')), 'ARGUS_ERR_DEVICE_NOT_FOUND')).toBe(true);
    expect(() => registry.get('ghost')).toThrow(expect.objectContaining({ code: 'ARGUS_ERR_DEVICE_NOT_FOUND' }));
    expect(registry.tryGet('ghost')).toBeUndefined();
  });

  it('upsert adds, then replaces the whole record keeping createdAt', async () => {
    const clock = new ManualClock(10);
    const registry = new DeviceRegistry({ clock });
    await registry.upsert(input());
    clock.advance(5);
    const replaced = await registry.upsert(input({ location: undefined, name: 'Gate 3 (new)' }));
    expect(replaced).toMatchObject({ name: 'Gate 3 (new)', createdAt: 10, updatedAt: 15 });
    expect(replaced.location).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  it('serialises concurrent adds of the same id: one wins, the other is a duplicate', async () => {
    const registry = new DeviceRegistry();
    const results = await Promise.allSettled([registry.add(input()), registry.add(input())]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(hasErrorCode((results[1] as PromiseRejectedResult).reason, 'ARGUS_ERR_DEVICE_DUPLICATE')).toBe(true);
  });
});

describe('DeviceRegistry.list', () => {
  it('filters by agency, category, type, ptz, group and tag, sorted by id', async () => {
    const registry = new DeviceRegistry();
    await registry.add(input({ id: 'c', agency: 'transport', category: 'traffic', cameraType: 2, ptz: false, tags: ['anpr'] }));
    await registry.add(input({ id: 'b', groups: ['ring-road'] }));
    await registry.add(input({ id: 'a', groups: ['ring-road'], tags: ['anpr'] }));
    const ids = (filter: Parameters<DeviceRegistry['list']>[0]) => registry.list(filter).map((c) => c.id);
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ agency: 'transport' })).toEqual(['c']);
    expect(ids({ category: 'security' })).toEqual(['a', 'b']);
    expect(ids({ cameraType: 2 })).toEqual(['c']);
    expect(ids({ ptz: false })).toEqual(['c']);
    expect(ids({ group: 'ring-road' })).toEqual(['a', 'b']);
    expect(ids({ tag: 'anpr', group: 'ring-road' })).toEqual(['a']);
  });
});

describe('DeviceRegistry.scan', () => {
  const walk = (registry: DeviceRegistry, after?: string) => {
    const ids: string[] = [];
    registry.scan(after, (camera) => void ids.push(camera.id));
    return ids;
  };

  it('walks cameras in id order from after a cursor, keeping the order and the records through every write', async () => {
    const registry = new DeviceRegistry();
    for (const id of ['m', 'c', 'x']) await registry.add(input({ id }));
    expect(walk(registry)).toEqual(['c', 'm', 'x']);
    // The index now exists: later writes must keep it sorted and current, not rebuild it from insertion order.
    await registry.add(input({ id: 'a' }));
    await registry.upsert(input({ id: 'n' }));
    await registry.upsert(input({ id: 'm', name: 'Renamed' }));
    await registry.remove('x');
    await registry.update('c', { name: 'Gate C' });
    expect(walk(registry)).toEqual(['a', 'c', 'm', 'n']);
    expect(registry.list().map((c) => [c.id, c.name])).toEqual([['a', 'Gate 3'], ['c', 'Gate C'], ['m', 'Renamed'], ['n', 'Gate 3']]);
    expect(walk(registry, 'c')).toEqual(['m', 'n']);
    expect(walk(registry, 'd')).toEqual(['m', 'n']);
    expect(walk(registry, 'n')).toEqual([]);
    expect(walk(registry, 'Z')).toEqual(['a', 'c', 'm', 'n']);
  });

  it('orders by code unit, as the cursor compares, and includes cameras loaded by init', async () => {
    const store = new MemoryDeviceStore();
    const writer = new DeviceRegistry({ store });
    for (const id of ['b-2', 'B-1', 'a_1', 'a.1']) await writer.add(input({ id }));
    const registry = new DeviceRegistry({ store });
    await registry.init();
    expect(walk(registry)).toEqual(['B-1', 'a.1', 'a_1', 'b-2']);
    await registry.add(input({ id: 'a0' }));
    expect(walk(registry, 'a.1')).toEqual(['a0', 'a_1', 'b-2']);
  });

  it('stops when visit returns false', async () => {
    const registry = new DeviceRegistry();
    for (const id of ['a', 'b', 'c', 'd']) await registry.add(input({ id, ptz: id !== 'b' }));
    const page: string[] = [];
    registry.scan('a', (camera) => !camera.ptz || page.push(camera.id) < 1);
    expect(page).toEqual(['c']);
  });

  it('leaves a camera out of the walk when its store write fails', async () => {
    const store = new MemoryDeviceStore();
    const registry = new DeviceRegistry({ store });
    await registry.add(input({ id: 'a' }));
    expect(walk(registry)).toEqual(['a']);
    store.put = () => Promise.reject(new Error('disk full'));
    await expect(registry.add(input({ id: 'b' }))).rejects.toThrow('disk full');
    expect(walk(registry)).toEqual(['a']);
  });
});

describe('DeviceRegistry events', () => {
  it('emits bus events and changes$ for add, update and remove, never with the password', async () => {
    const bus = new EventBus();
    const events: AnyArgusEvent[] = [];
    bus.subscribe(['deviceAdded', 'deviceUpdated', 'deviceRemoved'], (e) => events.push(e as AnyArgusEvent));
    const registry = new DeviceRegistry({ bus });
    const changes: DeviceChange[] = [];
    registry.changes$.subscribe((c) => changes.push(c));

    await registry.add(input());
    await registry.update('q1-gate-03', { name: 'Gate 3b' });
    await registry.remove('q1-gate-03');

    expect(events.map((e) => [e.type, e.cameraId])).toEqual([
      ['deviceAdded', 'q1-gate-03'],
      ['deviceUpdated', 'q1-gate-03'],
      ['deviceRemoved', 'q1-gate-03'],
    ]);
    expect(events.map((e) => (e.payload as { cameraId: string }).cameraId)).toEqual(['q1-gate-03', 'q1-gate-03', 'q1-gate-03']);
    expect(changes.map((c) => c.kind)).toEqual(['added', 'updated', 'removed']);
    expect(changes[1]?.previous?.name).toBe('Gate 3');
    expect(changes[1]?.camera?.name).toBe('Gate 3b');
    expect(changes[1]?.camera?.connection).toEqual({ host: '127.0.0.1', port: 8080, username: 'admin' });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(JSON.stringify(changes)).not.toContain(PASSWORD);
    expect(JSON.stringify(events)).toContain('127.0.0.1');
  });

  it('redactCamera omits only the password', () => {
    const camera = { ...input(), enabled: true, tags: [], groups: [], createdAt: 1, updatedAt: 1 } as Camera;
    const safe = redactCamera(camera);
    expect('password' in safe.connection).toBe(false);
    expect(safe.connection.username).toBe('admin');
    expect(camera.connection.password).toBe(PASSWORD);
  });
});

/** A store whose writes can be made to fail, to check the registry changes nothing on failure. */
class FailingStore extends MemoryDeviceStore {
  failWrites = false;
  override async put(camera: Camera): Promise<void> {
    if (this.failWrites) throw new Error('disk full');
    return super.put(camera);
  }
  override async delete(id: string): Promise<void> {
    if (this.failWrites) throw new Error('disk full');
    return super.delete(id);
  }
}

describe('DeviceRegistry persistence', () => {
  it('leaves state unchanged and emits nothing when the store fails to write', async () => {
    const store = new FailingStore();
    const bus = new EventBus();
    const registry = new DeviceRegistry({ store, bus });
    await registry.add(input());
    const before = registry.get('q1-gate-03');
    let emitted = 0;
    bus.subscribe('*', () => (emitted += 1));
    store.failWrites = true;

    await expect(registry.add(input({ id: 'second' }))).rejects.toThrow('disk full');
    await expect(registry.update('q1-gate-03', { name: 'changed' })).rejects.toThrow('disk full');
    await expect(registry.remove('q1-gate-03')).rejects.toThrow('disk full');

    expect(registry.size).toBe(1);
    expect(registry.tryGet('second')).toBeUndefined();
    expect(registry.get('q1-gate-03')).toBe(before);
    expect(emitted).toBe(0);
    store.failWrites = false;
    await expect(registry.add(input({ id: 'second' }))).resolves.toMatchObject({ id: 'second' });
  });

  it('init loads valid stored records and skips invalid ones with their reasons', async () => {
    const valid = { ...input(), enabled: true, tags: [], groups: [], createdAt: 1, updatedAt: 2 };
    const store = new MemoryDeviceStore([
      valid,
      { ...valid, id: 'no-type', cameraType: 99 },
      { ...valid, id: 'no-stamp', createdAt: undefined },
      'garbage',
      { ...input({ id: 'defaults' }), createdAt: 3, updatedAt: 3 },
    ]);
    const registry = new DeviceRegistry({ store });
    const { loaded, skipped } = await registry.init();
    expect(loaded).toBe(2);
    expect(registry.list().map((c) => c.id)).toEqual(['defaults', 'q1-gate-03']);
    expect(registry.get('defaults').tags).toEqual([]);
    expect(skipped.map((s) => s.id)).toEqual(['no-type', 'no-stamp', undefined]);
    expect(skipped[0]?.errors.map((e) => e.path)).toEqual(['/cameraType']);
    expect(skipped[1]?.errors.map((e) => e.path)).toEqual(['/createdAt']);
    expect(registry.get('q1-gate-03').connection.password).toBe(PASSWORD);
  });

  it('init rejects when the store cannot load, leaving the registry empty', async () => {
    const store = new MemoryDeviceStore();
    store.load = async () => {
      throw new Error('corrupt database');
    };
    const registry = new DeviceRegistry({ store });
    await expect(registry.init()).rejects.toThrow('corrupt database');
    expect(registry.size).toBe(0);
  });
});
