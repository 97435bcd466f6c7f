import type { EndHook } from "./logStreamEnd";

/** What a producer is given. */
export interface StreamContext {
  /** Fires when the stream is stopped (the client left, or it was cancelled): pass it to every fetch, timer and model call. */
  signal: AbortSignal;
  /** Sends one record now (push style); throws once the stream has ended. */
  send(value: unknown): void;
  /**
   * Runs `hook` once when the stream ends, however it ends (its client leaving included), and adds what it returns to
   * the stream's log line: how a producer reports what only it knows (a model answer's usage) exactly once, however
   * many readers a durable stream has.
   */
  atEnd(hook: EndHook): void;
}

/**
 * Makes a stream's records: an `async function*` whose yields are records, or an async function that calls
 * `send`. What it returns becomes the end record's summary.
 */
export type Producer = (context: StreamContext) => AsyncIterable<unknown> | Promise<unknown>;

/**
 * Runs a producer to its end and resolves with its summary; rejects with its error, or with the signal's reason as
 * soon as the signal fires, whatever the producer is waiting on. `pace` is awaited after each yielded record when it
 * returns a promise: backpressure from a slow reader.
 */
export async function runProducer(
  producer: Producer,
  context: StreamContext,
  pace?: () => Promise<void> | undefined,
): Promise<unknown> {
  const { signal } = context;
  // One promise for the whole stream, so waiting on a record costs no listener per record.
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const result = producer(context);
  let summary: unknown;
  if (isAsyncIterable(result)) {
    const iterator = result[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const step = await Promise.race([iterator.next(), aborted]);
        if (step.done) {
          finished = true;
          summary = step.value;
          break;
        }
        context.send(step.value);
        const wait = pace?.();
        if (wait) await Promise.race([wait, aborted]);
      }
    } finally {
      // As `for await` does on break: lets the generator run its `finally` (clear timers, abort fetches).
      // After an abort it is not awaited: a generator stuck on I/O would hold the stream open for nobody.
      const closing = finished ? undefined : iterator.return?.();
      if (!signal.aborted) await closing;
      else closing?.catch(() => {});
    }
  } else {
    summary = await Promise.race([result, aborted]);
  }
  if (signal.aborted) throw signal.reason;
  return summary;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
