import type { InferInput, StandardSchemaV1 } from "./standardSchema";
import { streamResponse, type StreamOptions } from "./streamResponse";

/** A stream written from outside: for producers whose parts finish out of order. */
export interface PushStream<Record> {
  /** Resolves when the first record (or the end, or an error) is written: return it from the handler. */
  response: Promise<Response>;
  /** Fires when the client leaves. */
  signal: AbortSignal;
  /** Sends one record now. One that fails the schema ends the stream with the error record instead. */
  send(record: Record): void;
  /** Ends the stream with the end record. */
  close(summary?: unknown): void;
  /** Ends the stream with the error record (or, before the first record, an error status). */
  throw(error: unknown): void;
}

/**
 * A streamResponse driven by calls instead of a generator:
 *
 *     const stream = pushStream(request, { route, format: jsonl, heartbeatMs, schema });
 *     Promise.all([users().then((users) => stream.send({ users })), tasks().then((tasks) => stream.send({ tasks }))])
 *       .then(() => stream.close(), (error) => stream.throw(error));
 *     return stream.response;
 */
export function pushStream<S extends StandardSchemaV1 | undefined = undefined>(
  request: Request,
  options: StreamOptions & { schema?: S },
): PushStream<S extends StandardSchemaV1 ? InferInput<S> : unknown> {
  let send!: (record: unknown) => void;
  let signal!: AbortSignal;
  let close!: (summary?: unknown) => void;
  let fail!: (error: unknown) => void;
  // streamResponse calls the producer at once, so these are set before pushStream returns.
  const response = streamResponse(request, options, (context) => {
    send = context.send;
    signal = context.signal;
    return new Promise((resolve, reject) => {
      close = resolve;
      fail = reject;
    });
  });
  let settled = false;
  return {
    response,
    signal,
    send: (record) => {
      if (settled) throw new Error("send() after close() or throw()");
      try {
        send(record);
      } catch (error) {
        settled = true;
        fail(error);
      }
    },
    close: (summary) => {
      settled = true;
      close(summary);
    },
    throw: (error) => {
      settled = true;
      fail(error);
    },
  };
}
