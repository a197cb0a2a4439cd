import { recordingLogger, type LogLine } from '../testing/recording-logger.js';
import { describe, expect, it } from 'vitest';
import { ArgusContainer } from '../di/argus-container.js';
import { createToken } from '../di/token.js';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { EventBus } from '../events/event-bus.js';
import { ManualClock } from '../time/clock.js';
import { definePlugin, type ArgusPlugin, type PluginContext } from './argus-plugin.js';
import { PluginHost, type PluginHostOptions, type PluginStateChange } from './plugin-host.js';

const CORE = '0.1.0';


function setup(options: Partial<PluginHostOptions> = {}) {
  const clock = new ManualClock(1_000);
  const container = new ArgusContainer();
  const bus = new EventBus({ clock });
  const delays: number[] = [];
  const changes: PluginStateChange[] = [];
  bus.subscribe('pluginStateChanged', (event) => changes.push(event.payload));
  const host = new PluginHost({
    container,
    coreVersion: CORE,
    bus,
    clock,
    sleep: async (ms) => {
      delays.push(ms);
      clock.advance(ms);
    },
    ...options,
  });
  return { host, clock, container, bus, delays, changes };
}

function plugin(name: string, extra: Partial<ArgusPlugin> = {}): ArgusPlugin {
  return { name, version: '1.0.0', core: '^0.1.0', ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function failing(times: number, calls: { count: number } = { count: 0 }): ArgusPlugin['start'] {
  return () => {
    calls.count += 1;
    if (calls.count <= times) throw new Error(`boom ${calls.count}`);
  };
}

describe('PluginHost registration', () => {
  it.each([
    ['not an object', 42, /must be an object/],
    ['an empty name', { name: '', version: '1.0.0', core: '^0.1.0' }, /name must be a non-empty string/],
    ['an upper-case name', { name: 'Storage', version: '1.0.0', core: '^0.1.0' }, /lowercase npm-style/],
    ['a name with spaces', { name: 'my plugin', version: '1.0.0', core: '^0.1.0' }, /lowercase npm-style/],
    ['a non-semver version', { name: 'a', version: 'one', core: '^0.1.0' }, /version "one" is not a valid semver/],
    ['a missing version', { name: 'a', core: '^0.1.0' }, /version undefined is not a valid semver/],
    ['an invalid core range', { name: 'a', version: '1.0.0', core: 'not a range!' }, /core "not a range!"/],
    ['dependencies as an array', { ...plugin('a'), dependencies: ['b'] }, /dependencies must be an object/],
    ['a bad dependency range', { ...plugin('a'), dependencies: { b: 'latest?' } }, /dependency "b" has an invalid/],
    ['a bad dependency name', { ...plugin('a'), dependencies: { B: '1' } }, /dependency name "B"/],
    ['a hook that is not a function', { ...plugin('a'), start: 'go' }, /start must be a function/],
  ])('rejects a manifest with %s', async (_case, manifest, reason) => {
    const { host } = setup();
    const err = await rejection(host.register(manifest as ArgusPlugin));
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_INVALID_MANIFEST')).toBe(true);
    expect(String((err as ArgusError).details['reason'])).toMatch(reason);
    expect(host.states()).toEqual([]);
  });

  it('accepts scoped npm-style names and reports the registered state', async () => {
    const { host } = setup();
    await host.register(plugin('@acme/argus-lpr', { version: '2.1.0-beta.1' }));
    expect(host.state('@acme/argus-lpr')).toEqual({
      name: '@acme/argus-lpr',
      version: '2.1.0-beta.1',
      state: 'registered',
      attempts: 0,
      since: 1_000,
    });
    expect(host.state('unknown')).toBeUndefined();
  });

  it('rejects a duplicate name', async () => {
    const { host } = setup();
    await host.register(plugin('storage'));
    const err = await rejection(host.register(plugin('storage', { version: '2.0.0' })));
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_DUPLICATE')).toBe(true);
    expect(host.states().map((s) => s.version)).toEqual(['1.0.0']);
  });

  it('rejects a plugin that does not support this core', async () => {
    const { host } = setup();
    const err = await rejection(host.register(plugin('legacy', { core: '^2.0.0' })));
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_CORE_RANGE')).toBe(true);
    expect((err as ArgusError).details).toEqual({ plugin: 'legacy', range: '^2.0.0', version: CORE });
    expect((err as Error).message).toBe('Plugin "legacy" supports core ^2.0.0 but this core is 0.1.0');
  });

  it('requires dependencies to be registered first, at a version in range', async () => {
    const { host } = setup();
    const missing = await rejection(host.register(plugin('recorder', { dependencies: { storage: '^1.0.0' } })));
    expect(hasErrorCode(missing, 'ARGUS_ERR_PLUGIN_DEPENDENCY_MISSING')).toBe(true);
    expect((missing as ArgusError).details).toEqual({ plugin: 'recorder', dependency: 'storage' });

    await host.register(plugin('storage', { version: '1.4.2' }));
    const wrong = await rejection(host.register(plugin('recorder', { dependencies: { storage: '^2.0.0' } })));
    expect(hasErrorCode(wrong, 'ARGUS_ERR_PLUGIN_DEPENDENCY_RANGE')).toBe(true);
    expect((wrong as ArgusError).details).toEqual({
      plugin: 'recorder',
      dependency: 'storage',
      range: '^2.0.0',
      version: '1.4.2',
    });

    await host.register(plugin('recorder', { dependencies: { storage: '^1.2.0' } }));
    expect(host.states().map((s) => s.name)).toEqual(['storage', 'recorder']);
  });

  it('wraps a failing register hook and forgets the plugin', async () => {
    const { host } = setup();
    const cause = new Error('no disk');
    const err = await rejection(
      host.register(
        plugin('storage', {
          register: () => {
            throw cause;
          },
        }),
      ),
    );
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_REGISTER_FAILED')).toBe(true);
    expect((err as Error).message).toBe('Plugin "storage" failed to register: no disk');
    expect((err as Error).cause).toBe(cause);
    expect(host.state('storage')).toBeUndefined();
  });

  it('registers a batch in dependency order whatever the input order', async () => {
    const { host } = setup();
    const registered: string[] = [];
    const track = (name: string, dependencies?: Record<string, string>): ArgusPlugin =>
      plugin(name, { dependencies, register: () => void registered.push(name) });
    await host.registerAll([
      track('api', { storage: '^1.0.0', auth: '^1.0.0' }),
      track('storage', { db: '^1.0.0' }),
      track('auth'),
      track('db'),
    ]);
    expect(registered).toEqual(['db', 'storage', 'auth', 'api']);
  });

  it('detects a dependency cycle, with its path, before registering anything', async () => {
    const { host } = setup();
    let registers = 0;
    const count = (): void => void (registers += 1);
    const err = await rejection(
      host.registerAll([
        plugin('x', { register: count }),
        plugin('a', { dependencies: { b: '*' }, register: count }),
        plugin('b', { dependencies: { c: '*' }, register: count }),
        plugin('c', { dependencies: { a: '*' }, register: count }),
      ]),
    );
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_DEPENDENCY_CYCLE')).toBe(true);
    expect((err as ArgusError).details).toEqual({ cycle: 'a -> b -> c -> a' });
    expect((err as Error).message).toBe('Plugin dependency cycle: a -> b -> c -> a');
    expect(registers).toBe(0);
    expect(host.states()).toEqual([]);

    const self = await rejection(host.registerAll([plugin('loop', { dependencies: { loop: '*' } })]));
    expect((self as ArgusError).details).toEqual({ cycle: 'loop -> loop' });
  });

  it('checks every dependency of a batch before running any register hook', async () => {
    const { host } = setup();
    let registers = 0;
    const err = await rejection(
      host.registerAll([
        plugin('db', { register: () => void (registers += 1) }),
        plugin('storage', { dependencies: { db: '^3.0.0' }, register: () => void (registers += 1) }),
      ]),
    );
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_DEPENDENCY_RANGE')).toBe(true);
    expect(registers).toBe(0);
    const duplicate = await rejection(host.registerAll([plugin('db'), plugin('db')]));
    expect(hasErrorCode(duplicate, 'ARGUS_ERR_PLUGIN_DUPLICATE')).toBe(true);
  });

  it('refuses to register or start again once started', async () => {
    const { host } = setup();
    await host.start();
    const err = await rejection(host.register(plugin('late')));
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_STATE')).toBe(true);
    expect((err as Error).message).toBe('Cannot register while the plugin host is started');
    expect(hasErrorCode(await rejection(host.start()), 'ARGUS_ERR_PLUGIN_STATE')).toBe(true);
    await host.stop();
    expect(hasErrorCode(await rejection(host.registerAll([plugin('later')])), 'ARGUS_ERR_PLUGIN_STATE')).toBe(true);
  });
});

describe('PluginHost lifecycle', () => {
  it('starts in dependency order and stops in reverse order', async () => {
    const { host } = setup();
    const calls: string[] = [];
    const signals = new Map<string, AbortSignal>();
    const track = (name: string, dependencies?: Record<string, string>): ArgusPlugin =>
      definePlugin({
        ...plugin(name, { dependencies }),
        start: (ctx: PluginContext) => {
          signals.set(name, ctx.signal);
          calls.push(`start ${name}`);
        },
        stop: async (ctx: PluginContext) => {
          calls.push(`stop ${name} aborted=${ctx.signal.aborted}`);
        },
      });
    await host.registerAll([
      track('api', { storage: '^1.0.0', auth: '^1.0.0' }),
      track('storage', { db: '^1.0.0' }),
      track('auth'),
      track('db'),
    ]);
    const states = await host.start();
    expect(states.map((s) => [s.name, s.state, s.attempts])).toEqual([
      ['db', 'running', 1],
      ['storage', 'running', 1],
      ['auth', 'running', 1],
      ['api', 'running', 1],
    ]);
    expect(signals.get('db')?.aborted).toBe(false);
    await host.stop();
    expect(calls).toEqual([
      'start db',
      'start storage',
      'start auth',
      'start api',
      'stop api aborted=true',
      'stop auth aborted=true',
      'stop storage aborted=true',
      'stop db aborted=true',
    ]);
    expect(host.states().every((s) => s.state === 'stopped')).toBe(true);
  });

  it('waits for register hooks still running before starting', async () => {
    const { host } = setup();
    const calls: string[] = [];
    let finishRegister: () => void = () => undefined;
    const registered = host.register(
      plugin('slow', {
        register: () => new Promise<void>((resolve) => (finishRegister = resolve)),
        start: () => void calls.push('start'),
      }),
    );
    const started = host.start();
    await Promise.resolve();
    calls.push('register done');
    finishRegister();
    await Promise.all([registered, started]);
    expect(calls).toEqual(['register done', 'start']);
    expect(host.state('slow')?.state).toBe('running');
  });

  it('retries a failing start with backoff until it runs', async () => {
    const { host, delays, changes } = setup();
    const calls = { count: 0 };
    await host.register(plugin('flaky', { start: failing(2, calls) }));
    await host.start();
    expect(host.state('flaky')).toMatchObject({ state: 'running', attempts: 3 });
    expect(host.state('flaky')?.error).toBeUndefined();
    expect(calls.count).toBe(3);
    expect(delays).toEqual([500, 1000]);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual([
      'registered->starting',
      'starting->retrying',
      'retrying->starting',
      'starting->retrying',
      'retrying->starting',
      'starting->running',
    ]);
    expect(changes[1]?.error).toEqual({ message: 'boom 1' });
  });

  it('caps the backoff at maxDelayMs', async () => {
    const { host, delays } = setup({ retry: { attempts: 6, initialDelayMs: 500, maxDelayMs: 3_000 } });
    await host.register(plugin('down', { start: failing(Infinity) }));
    await host.start();
    expect(delays).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(host.state('down')).toMatchObject({ state: 'failed', attempts: 6 });
  });

  it('isolates a plugin that never starts: it and its dependents fail, the others run', async () => {
    const { host, changes, delays, clock } = setup();
    await host.registerAll([
      plugin('broken', { start: failing(Infinity) }),
      plugin('dependent', { dependencies: { broken: '^1.0.0' } }),
      plugin('transitive', { dependencies: { dependent: '^1.0.0' } }),
      plugin('independent'),
    ]);
    await expect(host.start()).resolves.toHaveLength(4);

    expect(host.state('broken')).toEqual({
      name: 'broken',
      version: '1.0.0',
      state: 'failed',
      attempts: 3,
      error: { message: 'boom 3' },
      since: clock.now(),
    });
    expect(delays).toEqual([500, 1000]);
    expect(host.state('dependent')).toMatchObject({
      state: 'failed',
      attempts: 0,
      error: {
        code: 'ARGUS_ERR_PLUGIN_DEPENDENCY_FAILED',
        message: 'Plugin "dependent" was not started because its dependency "broken" failed',
      },
    });
    expect(host.state('transitive')).toMatchObject({
      state: 'failed',
      error: { code: 'ARGUS_ERR_PLUGIN_DEPENDENCY_FAILED', message: expect.stringContaining('"dependent" failed') },
    });
    expect(host.state('independent')).toMatchObject({ state: 'running', attempts: 1 });

    const brokenChanges = changes.filter((c) => c.plugin === 'broken').map((c) => `${c.from}->${c.to}`);
    expect(brokenChanges).toEqual([
      'registered->starting',
      'starting->retrying',
      'retrying->starting',
      'starting->retrying',
      'retrying->starting',
      'starting->failed',
    ]);
    expect(changes.find((c) => c.plugin === 'broken' && c.to === 'failed')?.error).toEqual({ message: 'boom 3' });
    expect(changes.filter((c) => c.plugin === 'dependent')).toEqual([
      {
        plugin: 'dependent',
        from: 'registered',
        to: 'failed',
        error: expect.objectContaining({ code: 'ARGUS_ERR_PLUGIN_DEPENDENCY_FAILED' }),
      },
    ]);

    await host.stop();
    expect(host.state('broken')?.state).toBe('failed');
    expect(host.state('independent')?.state).toBe('stopped');
  });

  it('fails at once on an error whose code is not transient', async () => {
    const { host, delays } = setup();
    await host.register(
      plugin('misconfigured', {
        start: () => {
          throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: 'storage.root', reason: 'missing' });
        },
      }),
    );
    await host.start();
    expect(host.state('misconfigured')).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'ARGUS_ERR_CONFIG_INVALID' },
    });
    expect(delays).toEqual([]);
  });

  it('isolates plugin containers and shares provided services with dependents', async () => {
    const { host, container } = setup();
    const PRIVATE = createToken<string>('Private');
    const SHARED = createToken<{ url: string }>('Shared');
    const seen: Record<string, unknown> = {};
    await host.registerAll([
      plugin('db', {
        register: (ctx) => {
          ctx.container.registerValue(PRIVATE, 'db-secret');
          ctx.provide(SHARED, { url: 'leveldb://data' });
        },
        start: (ctx) => void (seen['db'] = ctx.container.resolve(PRIVATE)),
      }),
      plugin('sibling', {
        start: (ctx) => void (seen['sibling'] = ctx.container.tryResolve(PRIVATE)),
      }),
      plugin('storage', {
        dependencies: { db: '^1.0.0' },
        start: (ctx) => void (seen['storage'] = ctx.container.resolve(SHARED).url),
      }),
    ]);
    await host.start();
    expect(seen).toEqual({ db: 'db-secret', sibling: undefined, storage: 'leveldb://data' });
    expect(container.isRegistered(PRIVATE)).toBe(false);
    expect(container.resolve(SHARED).url).toBe('leveldb://data');
  });

  it('refuses to provide a token twice', async () => {
    const { host, container } = setup();
    const SHARED = createToken<string>('Shared');
    const CORE_OWNED = createToken<string>('CoreOwned');
    container.registerValue(CORE_OWNED, 'core');
    await host.register(plugin('first', { register: (ctx) => ctx.provide(SHARED, 'one') }));
    const err = await rejection(host.register(plugin('second', { register: (ctx) => ctx.provide(SHARED, 'two') })));
    expect(hasErrorCode(err, 'ARGUS_ERR_PLUGIN_REGISTER_FAILED')).toBe(true);
    const cause = (err as Error).cause;
    expect(hasErrorCode(cause, 'ARGUS_ERR_PLUGIN_PROVIDE_CONFLICT')).toBe(true);
    expect((cause as Error).message).toBe('Plugin "second" cannot provide Shared: it is already registered by plugin "first"');
    const core = await rejection(host.register(plugin('third', { register: (ctx) => ctx.provide(CORE_OWNED, 'x') })));
    expect(((core as Error).cause as Error).message).toContain('already registered by the core');
    expect(container.resolve(SHARED)).toBe('one');
  });

  it('disposes plugin containers on stop, even when a stop hook throws', async () => {
    const lines: LogLine[] = [];
    const { host } = setup({ logger: recordingLogger(lines) });
    const closed: string[] = [];
    const RESOURCE = createToken<{ close(): void }>('Resource');
    const withResource = (name: string, extra: Partial<ArgusPlugin> = {}): ArgusPlugin =>
      plugin(name, {
        register: (ctx) => {
          ctx.container.registerFactory(RESOURCE, () => ({ close: () => closed.push(name) }));
        },
        start: (ctx) => void ctx.container.resolve(RESOURCE),
        ...extra,
      });
    await host.registerAll([
      withResource('first'),
      withResource('second', {
        stop: () => {
          throw new Error('stuck');
        },
      }),
      withResource('never', {
        start: (ctx) => {
          ctx.container.resolve(RESOURCE);
          throw new Error('cannot start');
        },
      }),
    ]);
    await host.start();
    let stops = 0;
    await Promise.all([host.stop().then(() => (stops += 1)), host.stop().then(() => (stops += 1))]);
    await host.stop();
    expect(stops).toBe(2);
    // "never" resolved its resource in each failed attempt: it is a singleton, created once and disposed once.
    expect(closed).toEqual(['second', 'first', 'never']);
    expect(host.state('second')).toMatchObject({ state: 'stopped', error: { message: 'stuck' } });
    expect(host.state('first')).toMatchObject({ state: 'stopped' });
    expect(host.state('first')?.error).toBeUndefined();
    expect(lines.some((line) => line.level === 'error' && line.msg === 'plugin failed to stop cleanly')).toBe(true);
  });

  it('interrupts a start that is waiting to retry', async () => {
    let sleeping: (() => void) | undefined;
    const { host, changes } = setup({
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          sleeping = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
    });
    let laterStarted = false;
    await host.registerAll([
      plugin('flaky', { start: failing(Infinity) }),
      plugin('later', { start: () => void (laterStarted = true) }),
    ]);
    const started = host.start();
    await Promise.resolve();
    expect(sleeping).toBeDefined();
    expect(host.state('flaky')?.state).toBe('retrying');
    await host.stop();
    await started;
    expect(host.state('flaky')).toMatchObject({ state: 'stopped', attempts: 1, error: { message: 'boom 1' } });
    expect(host.state('later')?.state).toBe('registered');
    expect(laterStarted).toBe(false);
    expect(changes.at(-1)).toMatchObject({ plugin: 'flaky', from: 'retrying', to: 'stopped' });
  });

  it('validates its options', () => {
    const base = { container: new ArgusContainer(), bus: new EventBus() };
    expect(() => new PluginHost({ ...base, coreVersion: 'latest' })).toThrow(TypeError);
    expect(() => new PluginHost({ ...base, coreVersion: CORE, retry: { attempts: 0 } })).toThrow(RangeError);
    expect(() => new PluginHost({ ...base, coreVersion: CORE, retry: { factor: 0.5 } })).toThrow(RangeError);
  });
});
