import { ArgusError } from '@argus/core';
import { Observable } from 'rxjs';
import type { DeviceStreamResponse } from '../http/device-http-client.js';
import { multipartBoundary } from './multipart-boundary.js';
import { MultipartParser, type MultipartParserOptions, type MultipartPart } from './multipart-parser.js';

/** Options of {@link multipartParts}: the {@link MultipartParser}'s, but the boundary. */
export type MultipartPartsOptions = Omit<MultipartParserOptions, 'boundary'>;

/**
 * The parts of a multipart body as they complete, through a {@link MultipartParser}. Throws
 * `ARGUS_ERR_DRIVER_PROTOCOL` for malformed or truncated streams, and whatever the body throws.
 *
 * @example
 * ```ts
 * const res = await http.stream({ path: '/cgi-bin/eventManager.cgi', query: { action: 'attach', codes: '[All]' } });
 * for await (const part of multipartParts(res.body, multipartBoundary(res.headers['content-type']) ?? 'myboundary')) {
 *   handle(Buffer.from(part.body).toString());
 * }
 * ```
 */
export async function* multipartParts(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  options: MultipartPartsOptions = {},
): AsyncGenerator<MultipartPart> {
  const parser = new MultipartParser({ boundary, ...options });
  for await (const chunk of body) {
    yield* parser.push(chunk);
  }
  yield* parser.end();
}

/** Options of {@link multipart$}. */
export interface MultipartObservableOptions extends MultipartPartsOptions {
  /** Boundary to use when the response's Content-Type has none (some devices omit it). */
  readonly boundary?: string;
}

/**
 * A cold Observable of the parts of a long-lived multipart response: subscribing opens it (`response()`, usually
 * `() => http.stream({...})`), unsubscribing closes it. Completes when the device ends the stream; errors with
 * the typed error of the request or the parser (a response without a boundary -> `ARGUS_ERR_DRIVER_PROTOCOL`).
 *
 * @example
 * ```ts
 * const parts$ = multipart$(() => http.stream({ path: '/ISAPI/Event/notification/alertStream' }));
 * const sub = parts$.subscribe((part) => handle(parseXml(Buffer.from(part.body).toString())));
 * sub.unsubscribe(); // closes the HTTP request
 * ```
 */
export function multipart$(
  response: () => Promise<DeviceStreamResponse>,
  options: MultipartObservableOptions = {},
): Observable<MultipartPart> {
  const { boundary: fallbackBoundary, ...partsOptions } = options;
  return new Observable<MultipartPart>((subscriber) => {
    let opened: DeviceStreamResponse | undefined;
    let stopped = false;
    const run = async (): Promise<void> => {
      const res = await response();
      opened = res;
      if (stopped) {
        res.close();
        return;
      }
      const boundary = multipartBoundary(res.headers['content-type']) ?? fallbackBoundary;
      if (boundary === undefined) {
        res.close();
        throw new ArgusError('ARGUS_ERR_DRIVER_PROTOCOL', {
          endpoint: options.endpoint ?? 'the device',
          reason: `not a multipart response (Content-Type: ${res.headers['content-type'] ?? 'none'})`,
        });
      }
      for await (const part of multipartParts(res.body, boundary, partsOptions)) {
        if (stopped) break;
        subscriber.next(part);
      }
    };
    run().then(
      () => {
        if (!stopped) subscriber.complete();
      },
      (err: unknown) => {
        if (!stopped) subscriber.error(err);
      },
    );
    return () => {
      stopped = true;
      opened?.close();
    };
  });
}
