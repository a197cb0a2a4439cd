declare const tokenType: unique symbol;

/**
 * A DI token: a unique symbol that carries, in the type system only, the type of the service it stands for,
 * so `container.resolve(LOGGER)` is typed `Logger` with no cast at the call site.
 */
export type Token<T> = symbol & { readonly [tokenType]: T };

/**
 * Creates a new, unique token for a service of type `T`. The description appears in error messages and logs.
 *
 * @example
 * ```ts
 * export const RECORDER = createToken<Recorder>('Recorder');
 * container.registerClass(RECORDER, FileRecorder);
 * const recorder = container.resolve(RECORDER); // Recorder
 * ```
 */
export function createToken<T>(description: string): Token<T> {
  if (typeof description !== 'string' || description.trim() === '') {
    throw new TypeError('createToken() needs a non-empty description');
  }
  return Symbol(description) as Token<T>;
}

/** The readable name of a token, for messages and logs. */
export function describeToken(token: symbol): string {
  return token.description ?? token.toString();
}
