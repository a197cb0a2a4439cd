import { recordingLogger } from '../testing/recording-logger.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { hasErrorCode, ArgusError } from '../errors/argus-error.js';
import { ManualClock, type Clock } from '../time/clock.js';
import { ArgusContainer, inject, injectable } from './argus-container.js';
import { createToken, describeToken } from './token.js';
import { CLOCK, LOGGER } from './tokens.js';


function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

interface Greeter {
  greet(): string;
}
const GREETER = createToken<Greeter>('Greeter');
const NAME = createToken<string>('Name');
const MISSING = createToken<number>('Missing');

@injectable()
class ClockedGreeter implements Greeter {
  constructor(
    @inject(NAME) private readonly name: string,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  greet(): string {
    return `hello ${this.name} at ${this.clock.now()}`;
  }
}

describe('createToken', () => {
  it('creates unique symbols that carry their description', () => {
    const a = createToken<string>('Same');
    const b = createToken<string>('Same');
    expect(typeof a).toBe('symbol');
    expect(a).not.toBe(b);
    expect(describeToken(a)).toBe('Same');
  });

  it('rejects an empty description', () => {
    expect(() => createToken('')).toThrow(TypeError);
  });
});

describe('ArgusContainer', () => {
  it('resolves typed values without casts', () => {
    const container = new ArgusContainer();
    const clock = new ManualClock(42);
    container.registerValue(CLOCK, clock);
    const resolved = container.resolve(CLOCK);
    expectTypeOf(resolved).toEqualTypeOf<Clock>();
    expect(resolved).toBe(clock);
    expect(container.isRegistered(CLOCK)).toBe(true);
    expect(container.tryResolve(CLOCK)).toBe(clock);
  });

  it('throws ARGUS_ERR_DI_UNRESOLVED naming the token when nothing is registered', () => {
    const container = new ArgusContainer({ name: 'app' });
    const err = catchError(() => container.resolve(MISSING));
    expect(hasErrorCode(err, 'ARGUS_ERR_DI_UNRESOLVED')).toBe(true);
    expect((err as Error).message).toBe('No provider registered for token Missing');
    expect((err as ArgusError).details).toMatchObject({ token: 'Missing', scope: 'app' });
    expect(container.tryResolve(MISSING)).toBeUndefined();
    expect(container.isRegistered(MISSING)).toBe(false);
  });

  it('makes factories singletons by default and transient on request', () => {
    const container = new ArgusContainer();
    let made = 0;
    const SHARED = createToken<{ n: number }>('Shared');
    const FRESH = createToken<{ n: number }>('Fresh');
    container.registerFactory(SHARED, () => ({ n: ++made }));
    container.registerFactory(FRESH, () => ({ n: ++made }), { singleton: false });
    expect(container.resolve(SHARED)).toBe(container.resolve(SHARED));
    expect(container.resolve(FRESH)).not.toBe(container.resolve(FRESH));
    expect(made).toBe(3);
  });

  it('constructs an @injectable() class from its @inject(token) parameters', () => {
    const container = new ArgusContainer();
    container.registerValue(NAME, 'argus').registerValue(CLOCK, new ManualClock(7));
    container.registerClass(GREETER, ClockedGreeter);
    const greeter = container.resolve(GREETER);
    expect(greeter).toBeInstanceOf(ClockedGreeter);
    expect(greeter.greet()).toBe('hello argus at 7');
    expect(container.resolve(GREETER)).toBe(greeter);
  });

  it('creates a new instance per resolve for a transient class', () => {
    const container = new ArgusContainer();
    container.registerValue(NAME, 'argus').registerValue(CLOCK, new ManualClock(7));
    container.registerClass(GREETER, ClockedGreeter, { singleton: false });
    expect(container.resolve(GREETER)).not.toBe(container.resolve(GREETER));
  });

  it('rejects a class with a constructor parameter lacking @inject at registration', () => {
    @injectable()
    class Untokened {
      constructor(
        @inject(NAME) readonly name: string,
        readonly other: string,
      ) {}
    }
    const container = new ArgusContainer();
    expect(() => container.registerClass(createToken<Untokened>('Untokened'), Untokened)).toThrow(
      /parameter #1 of Untokened has no @inject/,
    );
  });

  it('explains a missing @injectable() decorator', () => {
    class Undecorated {
      constructor(@inject(NAME) readonly name: string) {}
    }
    const container = new ArgusContainer();
    container.registerValue(NAME, 'x');
    const token = createToken<Undecorated>('Undecorated');
    container.registerClass(token, Undecorated);
    expect(() => container.resolve(token)).toThrow(/Undecorated must be decorated with @injectable\(\)/);
  });

  it('reports the missing parameter token of a class with ARGUS_ERR_DI_UNRESOLVED', () => {
    const container = new ArgusContainer();
    container.registerValue(NAME, 'argus');
    container.registerClass(GREETER, ClockedGreeter);
    const err = catchError(() => container.resolve(GREETER));
    expect(hasErrorCode(err, 'ARGUS_ERR_DI_UNRESOLVED')).toBe(true);
    expect((err as ArgusError).details).toMatchObject({ token: 'Clock', requiredBy: 'ClockedGreeter' });
  });

  it('keeps the original error of a nested dependency instead of tsyringe wrapper errors', () => {
    @injectable()
    class Outer {
      constructor(@inject(GREETER) readonly greeter: Greeter) {}
    }
    const OUTER = createToken<Outer>('Outer');
    const container = new ArgusContainer();
    container.registerValue(NAME, 'argus');
    container.registerClass(GREETER, ClockedGreeter); // its CLOCK is missing, two levels down
    container.registerClass(OUTER, Outer);
    const missing = catchError(() => container.resolve(OUTER));
    expect(hasErrorCode(missing, 'ARGUS_ERR_DI_UNRESOLVED')).toBe(true);
    expect((missing as ArgusError).details).toMatchObject({ token: 'Clock' });

    container.registerFactory(CLOCK, () => {
      throw new ArgusError('ARGUS_ERR_CONFIG_INVALID', { path: 'clock', reason: 'broken' });
    });
    const failing = catchError(() => container.resolve(OUTER));
    expect(hasErrorCode(failing, 'ARGUS_ERR_CONFIG_INVALID')).toBe(true);
  });

  it('detects circular dependencies with their path', () => {
    const A = createToken<unknown>('A');
    const B = createToken<unknown>('B');
    const container = new ArgusContainer();
    container.registerFactory(A, (c) => c.resolve(B));
    container.registerFactory(B, (c) => c.resolve(A));
    expect(() => container.resolve(A)).toThrow('Circular dependency: A -> B -> A');
  });

  describe('child containers', () => {
    it('see parent registrations, while their own stay invisible to parent and siblings', () => {
      const root = new ArgusContainer();
      root.registerValue(NAME, 'root');
      const a = root.createChild('a');
      const b = root.createChild('b');
      a.registerValue(MISSING, 1);
      expect(a.resolve(NAME)).toBe('root');
      expect(a.resolve(MISSING)).toBe(1);
      expect(root.isRegistered(MISSING)).toBe(false);
      expect(hasErrorCode(catchError(() => b.resolve(MISSING)), 'ARGUS_ERR_DI_UNRESOLVED')).toBe(true);
      a.registerValue(NAME, 'shadowed');
      expect(a.resolve(NAME)).toBe('shadowed');
      expect(root.resolve(NAME)).toBe('root');
    });

    it('share a parent singleton, built from the parent scope', () => {
      const root = new ArgusContainer();
      root.registerValue(NAME, 'root');
      root.registerFactory(GREETER, (c) => ({ greet: () => c.resolve(NAME) }));
      const child = root.createChild('child');
      child.registerValue(NAME, 'child');
      const fromChild = child.resolve(GREETER);
      expect(fromChild).toBe(root.resolve(GREETER));
      expect(fromChild.greet()).toBe('root');
    });

    it('build transients with the resolving container, which owns them', async () => {
      const root = new ArgusContainer();
      const closed: string[] = [];
      const RESOURCE = createToken<{ name: string; close(): void }>('Resource');
      root.registerFactory(
        RESOURCE,
        (c) => {
          const name = c.resolve(NAME);
          return { name, close: () => closed.push(name) };
        },
        { singleton: false },
      );
      const child = root.createChild('child');
      child.registerValue(NAME, 'child');
      expect(child.resolve(RESOURCE).name).toBe('child');
      await child.dispose();
      expect(closed).toEqual(['child']);
      await root.dispose();
      expect(closed).toEqual(['child']);
    });
  });

  describe('dispose', () => {
    it('disposes children first, then owned instances in reverse creation order', async () => {
      const calls: string[] = [];
      const root = new ArgusContainer();
      const FIRST = createToken<object>('First');
      const SECOND = createToken<object>('Second');
      const THIRD = createToken<object>('Third');
      const GIVEN = createToken<object>('Given');
      const BORROWED = createToken<object>('Borrowed');
      root.registerFactory(FIRST, () => ({ dispose: () => calls.push('first.dispose') }));
      root.registerFactory(SECOND, () => ({ close: async () => calls.push('second.close') }));
      root.registerFactory(THIRD, () => ({ [Symbol.asyncDispose]: async () => calls.push('third.asyncDispose') }));
      root.registerValue(GIVEN, { close: () => calls.push('given.close') }, { owned: true });
      root.registerValue(BORROWED, { close: () => calls.push('borrowed.close') });
      const child = root.createChild('child');
      child.registerFactory(FIRST, () => ({ dispose: () => calls.push('child.dispose') }));
      root.resolve(FIRST);
      root.resolve(THIRD);
      root.resolve(SECOND);
      root.resolve(BORROWED);
      child.resolve(FIRST);

      await root.dispose();
      expect(calls).toEqual(['child.dispose', 'second.close', 'third.asyncDispose', 'first.dispose', 'given.close']);
    });

    it('logs a failing disposal and still disposes the rest', async () => {
      const logger = recordingLogger();
      const root = new ArgusContainer({ logger });
      const calls: string[] = [];
      const BAD = createToken<object>('Bad');
      const GOOD = createToken<object>('Good');
      root.registerFactory(GOOD, () => ({ close: () => calls.push('good') }));
      root.registerFactory(BAD, () => ({
        close: () => {
          throw new Error('cannot close');
        },
      }));
      root.resolve(GOOD);
      root.resolve(BAD);
      await expect(root.dispose()).resolves.toBeUndefined();
      expect(calls).toEqual(['good']);
      expect(logger.lines).toEqual([
        expect.objectContaining({ level: 'error', obj: expect.objectContaining({ token: 'Bad' }) }),
      ]);
    });

    it('leaves the container unusable, and is idempotent', async () => {
      const root = new ArgusContainer({ name: 'app' });
      let closes = 0;
      const RESOURCE = createToken<object>('Resource');
      root.registerFactory(RESOURCE, () => ({ close: () => (closes += 1) }));
      root.resolve(RESOURCE);
      const child = root.createChild('child');
      await Promise.all([root.dispose(), root.dispose()]);
      await root.dispose();
      expect(closes).toBe(1);
      for (const use of [
        () => root.resolve(RESOURCE),
        () => root.tryResolve(RESOURCE),
        () => root.isRegistered(RESOURCE),
        () => root.registerValue(NAME, 'x'),
        () => root.createChild('late'),
      ]) {
        const err = catchError(use);
        expect(hasErrorCode(err, 'ARGUS_ERR_DI_DISPOSED')).toBe(true);
        expect((err as Error).message).toBe('Container "app" has been disposed');
      }
      expect(hasErrorCode(catchError(() => child.resolve(RESOURCE)), 'ARGUS_ERR_DI_DISPOSED')).toBe(true);
    });

    it('lets a disposed child go without touching the parent', async () => {
      const root = new ArgusContainer();
      root.registerValue(LOGGER, recordingLogger());
      const child = root.createChild('child');
      await child.dispose();
      expect(root.isRegistered(LOGGER)).toBe(true);
      expect(root.createChild('next').isRegistered(LOGGER)).toBe(true);
    });
  });
});
