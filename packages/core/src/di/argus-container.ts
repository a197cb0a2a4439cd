// tsyringe refuses to load without the Reflect metadata API, so it must be installed before tsyringe is evaluated.
import 'reflect-metadata';
import { container as tsyringeGlobal } from 'tsyringe';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { ArgusError, hasErrorCode } from '../errors/argus-error.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { describeToken, type Token } from './token.js';

/**
 * tsyringe's decorators, re-exported so that every class registered with {@link ArgusContainer.registerClass}
 * uses the same tsyringe copy as the container, and so that `reflect-metadata` is loaded before them.
 *
 * Every constructor parameter needs an explicit `@inject(TOKEN)`: Vitest and tsx compile with esbuild, which
 * emits no `design:paramtypes` metadata, so tsyringe cannot infer parameter types.
 */
export { inject, injectable } from 'tsyringe';

/** A class whose instances are `T`; its constructor parameters are all decorated with `@inject(TOKEN)`. */
export type InjectableClass<T> = new (...args: never[]) => T;

/** Options of {@link ArgusContainer}. */
export interface ArgusContainerOptions {
  /** Name of the scope, shown in errors and logs; default `root`. */
  name?: string;
  /** Where disposal failures are logged; default {@link silentLogger}. */
  logger?: Logger;
}

/** Options of {@link ArgusContainer.registerFactory} and {@link ArgusContainer.registerClass}. */
export interface ProviderOptions {
  /**
   * One instance for the life of the registering container (default `true`), created on first resolve with the
   * registering container. With `false`, each resolve creates a new instance with the resolving container, which
   * then owns it.
   */
  singleton?: boolean;
}

/** Options of {@link ArgusContainer.registerValue}. */
export interface ValueOptions {
  /** The container takes ownership and disposes the value on {@link ArgusContainer.dispose}; default `false`. */
  owned?: boolean;
}

interface Binding {
  readonly description: string;
  readonly singleton: boolean;
  /** The container the binding was registered in. */
  readonly home: ArgusContainer;
  readonly create: (scope: ArgusContainer) => unknown;
  created?: { value: unknown };
}

/** One instance under construction; `childError` keeps the original error that tsyringe wraps in a plain one. */
interface Frame {
  readonly binding: Binding;
  readonly scope: ArgusContainer;
  childError?: unknown;
}

/** Maps tsyringe containers back to their wrappers, because tsyringe hands factories its own container. */
const wrappers = new WeakMap<DependencyContainer, ArgusContainer>();
/** Construction is synchronous, so one stack per process is enough to detect cycles and unwrap errors. */
const frames: Frame[] = [];

/** tsyringe's metadata key for `@inject` parameter tokens (see tsyringe's reflection-helpers). */
const INJECTION_TOKENS = 'injectionTokens';

/**
 * The typed DI container of Argus: a thin wrapper over a tsyringe `DependencyContainer` that adds typed
 * {@link Token}s, coded errors, child scopes and ordered disposal of the instances it owns.
 *
 * A child container ({@link createChild}) sees its ancestors' registrations; its own are invisible to its
 * parent and siblings. Each plugin runs in one.
 *
 * Classes registered with {@link registerClass} must be decorated with `@injectable()` and have
 * `@inject(TOKEN)` on every constructor parameter: esbuild (Vitest, tsx) emits no decorator metadata.
 *
 * @example
 * ```ts
 * @injectable()
 * class Recorder {
 *   constructor(@inject(LOGGER) private readonly log: Logger, @inject(CLOCK) private readonly clock: Clock) {}
 * }
 * const root = new ArgusContainer();
 * root.registerValue(LOGGER, createLogger());
 * root.registerValue(CLOCK, systemClock);
 * root.registerClass(RECORDER, Recorder);
 * const recorder = root.resolve(RECORDER); // typed Recorder
 * await root.dispose(); // disposes children, then owned instances in reverse creation order
 * ```
 */
export class ArgusContainer {
  /** Name of this scope, shown in errors and logs. */
  readonly name: string;
  #tsyringe: DependencyContainer;
  #parent: ArgusContainer | undefined;
  readonly #logger: Logger;
  readonly #children = new Set<ArgusContainer>();
  /** Disposable instances this container owns, in creation order. */
  #owned: Array<{ instance: object; description: string }> = [];
  readonly #ownedSet = new Set<object>();
  #disposed = false;
  #disposing: Promise<void> | undefined;

  constructor(options: ArgusContainerOptions = {}) {
    this.name = options.name ?? 'root';
    this.#logger = options.logger ?? silentLogger();
    this.#tsyringe = tsyringeGlobal.createChildContainer();
    wrappers.set(this.#tsyringe, this);
  }

  /** Registers a ready-made value. The container disposes it only when `owned` is set. */
  registerValue<T>(token: Token<T>, value: T, options: ValueOptions = {}): this {
    this.#assertUsable();
    if (options.owned === true) this.#own(value, describeToken(token));
    return this.#bind(token, { singleton: true, create: () => value, created: { value } });
  }

  /**
   * Registers a factory. A singleton's factory receives the registering container; a transient's (`singleton:
   * false`) receives the container that resolves it.
   */
  registerFactory<T>(token: Token<T>, factory: (container: ArgusContainer) => T, options: ProviderOptions = {}): this {
    this.#assertUsable();
    if (typeof factory !== 'function') throw new TypeError('registerFactory() needs a factory function');
    return this.#bind(token, { singleton: options.singleton ?? true, create: factory });
  }

  /**
   * Registers a class constructed by tsyringe: it must be `@injectable()` with `@inject(TOKEN)` on every
   * constructor parameter (checked here, because esbuild emits no metadata for tsyringe to fall back on).
   */
  registerClass<T>(token: Token<T>, useClass: InjectableClass<T>, options: ProviderOptions = {}): this {
    this.#assertUsable();
    if (typeof useClass !== 'function') throw new TypeError('registerClass() needs a class');
    const params = injectionTokens(useClass);
    for (let index = 0; index < useClass.length; index += 1) {
      if (params[index] === undefined) {
        throw new TypeError(
          `Constructor parameter #${index} of ${useClass.name} has no @inject(token); esbuild emits no decorator ` +
            'metadata, so every parameter needs an explicit token',
        );
      }
    }
    return this.#bind(token, {
      singleton: options.singleton ?? true,
      create: (scope) => scope.#construct(useClass, params),
    });
  }

  /** Resolves a token here or in an ancestor; throws `ARGUS_ERR_DI_UNRESOLVED` when none registered it. */
  resolve<T>(token: Token<T>): T {
    this.#assertUsable();
    if (!this.#tsyringe.isRegistered(token, true)) {
      throw new ArgusError('ARGUS_ERR_DI_UNRESOLVED', { token: describeToken(token), scope: this.name });
    }
    return this.#tsyringe.resolve(token);
  }

  /** Like {@link resolve}, but `undefined` when the token is not registered (a failing factory still throws). */
  tryResolve<T>(token: Token<T>): T | undefined {
    return this.isRegistered(token) ? this.resolve(token) : undefined;
  }

  /** True when the token is registered here or in an ancestor. */
  isRegistered(token: Token<unknown>): boolean {
    this.#assertUsable();
    return this.#tsyringe.isRegistered(token, true);
  }

  /** A child scope: it sees this container's registrations; its own stay invisible here and to siblings. */
  createChild(scopeName: string): ArgusContainer {
    this.#assertUsable();
    if (typeof scopeName !== 'string' || scopeName === '') throw new TypeError('createChild() needs a scope name');
    const child = new ArgusContainer({ name: scopeName, logger: this.#logger });
    wrappers.delete(child.#tsyringe);
    child.#tsyringe = this.#tsyringe.createChildContainer();
    wrappers.set(child.#tsyringe, child);
    child.#parent = this;
    this.#children.add(child);
    return child;
  }

  /**
   * Disposes child containers (newest first), then each instance this container created or owns, newest first,
   * with the first of `Symbol.asyncDispose`, `Symbol.dispose`, `dispose()` or `close()` it has. Failures are
   * logged, not thrown. Afterwards every call throws `ARGUS_ERR_DI_DISPOSED`. Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposing ??= this.#disposeOnce();
    return this.#disposing;
  }

  async #disposeOnce(): Promise<void> {
    // Unusable from the start, so nothing created during teardown escapes disposal.
    this.#disposed = true;
    for (const child of [...this.#children].reverse()) await child.dispose();
    const owned = this.#owned.reverse();
    this.#owned = [];
    this.#ownedSet.clear();
    for (const { instance, description } of owned) {
      try {
        await disposeInstance(instance);
      } catch (err) {
        this.#logger.error({ err, scope: this.name, token: description }, 'failed to dispose an instance');
      }
    }
    if (this.#parent !== undefined) this.#parent.#children.delete(this);
    wrappers.delete(this.#tsyringe);
  }

  #assertUsable(): void {
    if (this.#disposed) throw new ArgusError('ARGUS_ERR_DI_DISPOSED', { scope: this.name });
  }

  #own(instance: unknown, description: string): void {
    if (!isDisposable(instance) || this.#ownedSet.has(instance)) return;
    this.#ownedSet.add(instance);
    this.#owned.push({ instance, description });
  }

  #bind<T>(token: Token<T>, spec: Omit<Binding, 'home' | 'description'>): this {
    if (typeof token !== 'symbol') throw new TypeError('DI tokens are symbols made by createToken()');
    const binding: Binding = { ...spec, home: this, description: describeToken(token) };
    // A tsyringe factory provider for every kind: the wrapper, not tsyringe, decides caching and ownership.
    this.#tsyringe.register(token, { useFactory: (resolving) => ArgusContainer.#produce(binding, resolving) });
    return this;
  }

  #construct(useClass: InjectableClass<unknown>, params: Record<number, unknown>): unknown {
    for (const param of Object.values(params)) {
      const token = requiredToken(param);
      if (token !== undefined && !this.#tsyringe.isRegistered(token, true)) {
        throw new ArgusError('ARGUS_ERR_DI_UNRESOLVED', {
          token: typeof token === 'symbol' ? describeToken(token) : token,
          scope: this.name,
          requiredBy: useClass.name,
        });
      }
    }
    try {
      return this.#tsyringe.resolve(useClass as unknown as InjectionToken<unknown>);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('TypeInfo not known')) {
        throw new TypeError(`${useClass.name} must be decorated with @injectable() to be registered as a class`);
      }
      throw err;
    }
  }

  /** Creates or reuses a binding's instance, in the scope that owns it. */
  static #produce(binding: Binding, resolving: DependencyContainer): unknown {
    if (binding.created !== undefined) return binding.created.value;
    const scope = binding.singleton ? binding.home : wrappers.get(resolving);
    if (scope === undefined) throw new TypeError(`${binding.description} was resolved outside an ArgusContainer`);
    const cycleStart = frames.findIndex((frame) => frame.binding === binding && frame.scope === scope);
    if (cycleStart >= 0) {
      const path = [...frames.slice(cycleStart).map((frame) => frame.binding.description), binding.description];
      throw new TypeError(`Circular dependency: ${path.join(' -> ')}`);
    }
    const frame: Frame = { binding, scope };
    frames.push(frame);
    try {
      scope.#assertUsable();
      const value = binding.create(scope);
      if (binding.singleton) binding.created = { value };
      scope.#own(value, binding.description);
      return value;
    } catch (err) {
      // tsyringe rethrows a dependency's failure as a plain Error; hand callers the original (and its code).
      const original = frame.childError !== undefined && isTsyringeWrapper(err) ? frame.childError : err;
      const enclosing = frames[frames.length - 2];
      if (enclosing !== undefined) enclosing.childError = original;
      throw original;
    } finally {
      frames.pop();
    }
  }
}

function isTsyringeWrapper(err: unknown): boolean {
  return err instanceof Error && !hasErrorCode(err) && err.message.startsWith('Cannot inject the dependency');
}

function injectionTokens(target: object): Record<number, unknown> {
  return (Reflect.getOwnMetadata(INJECTION_TOKENS, target) as Record<number, unknown> | undefined) ?? {};
}

/** The token a constructor parameter cannot do without (`@inject(token)`), if it is a plain one. */
function requiredToken(param: unknown): string | symbol | undefined {
  if (typeof param === 'symbol' || typeof param === 'string') return param;
  if (typeof param !== 'object' || param === null) return undefined;
  const { token, multiple, isOptional, transform } = param as Record<string, unknown>;
  if (multiple === true || isOptional === true || transform !== undefined) return undefined;
  return typeof token === 'symbol' || typeof token === 'string' ? token : undefined;
}

type Disposer = (this: object) => unknown;

function disposerOf(instance: object): Disposer | undefined {
  const candidates = instance as Record<PropertyKey, unknown>;
  for (const key of [Symbol.asyncDispose, Symbol.dispose, 'dispose', 'close']) {
    const method = candidates[key];
    if (typeof method === 'function') return method as Disposer;
  }
  return undefined;
}

function isDisposable(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && disposerOf(value) !== undefined;
}

async function disposeInstance(instance: object): Promise<void> {
  await disposerOf(instance)?.call(instance);
}
