import { Observable, type OperatorFunction } from 'rxjs';

/** A framework-free stream stage: one input in, zero or more outputs out, with stats in `toJSON()`. */
export interface StreamStage<I, O = I> {
  process(input: I): readonly O[];
}

/**
 * Runs a {@link StreamStage} as an RxJS operator. Outputs are emitted synchronously, in order, with no inner
 * subscription per input (a `concatMap` over the returned arrays costs an order of magnitude more per packet
 * and consumer). A stage that throws errors the stream.
 *
 * @example
 * ```ts
 * export const keyframeGate = (gate = new KeyframeGate()) => processWith(gate);
 * ```
 */
export function processWith<I, O>(stage: StreamStage<I, O>): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) =>
      source.subscribe({
        next(input) {
          let outputs: readonly O[];
          try {
            outputs = stage.process(input);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          for (const output of outputs) subscriber.next(output);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
