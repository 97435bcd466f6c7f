import { asHttpError, type HttpError } from "./HttpError";
import type { Framing } from "./framing";
import { endHooks, logStreamEnd, type Outcome } from "./logStreamEnd";
import { negotiate } from "./negotiate";
import { runProducer, type Producer } from "./runProducer";
import type { StandardSchemaV1 } from "./standardSchema";
import { StreamWriter } from "./StreamWriter";
import { validateRecord } from "./validateRecord";

export type { Producer, StreamContext } from "./runProducer";

export interface StreamOptions {
  /** Names the route in the log line: pass the router's (`request.route` in itty-router). */
  route: string;
  /**
   * The route's framing (`sse`, `jsonl`, `text` from framing.ts, or a protocol's own). `Accept` may swap `sse` and
   * `jsonl` for each other (negotiate.ts); a protocol's fixed framing is never swapped.
   */
  format: Framing;
  /** Silence after which a heartbeat is written. */
  heartbeatMs: number;
  /** Keeps the producer's clean-up and the log line alive after the response is handed over. */
  ctx?: ExecutionContext;
  /** Checks every record before it is sent: one that fails becomes the error record. */
  schema?: StandardSchemaV1;
}

// Bytes the body may hold unread before an async-generator producer is paused.
const HIGH_WATER_MARK = 64 * 1024;

/**
 * Runs a producer and streams its records in the framing `Accept` picks. The response is returned once the first
 * record is written, so an error thrown before that is still an HTTP status; an error after it becomes the error
 * record. Every stream ends with the end record or the error record, and one log line.
 */
export async function streamResponse(request: Request, options: StreamOptions, producer: Producer): Promise<Response> {
  const startedAt = Date.now();
  const { framing, contentType } = negotiate(request.headers.get("accept"), options.format);

  const abort = new AbortController();
  const leave = () => abort.abort(new DOMException("the client left", "AbortError"));
  request.signal?.addEventListener("abort", leave, { once: true });

  // The body is a native stream: the runtime sends what is written without calling into JavaScript per chunk, as it
  // must for a JS ReadableStream (its pull, its queue): less CPU per token and per stream, and less heap, for some of
  // the runtime's own memory per open stream (bench/README.md). A write that fails means the client is gone.
  const { readable: body, writable } = new IdentityTransformStream({ highWaterMark: HIGH_WATER_MARK });
  const out = writable.getWriter();
  out.closed.catch(leave);
  const opened = Promise.withResolvers<void>();
  const writer = new StreamWriter(framing, (chunk) => void out.write(chunk).catch(leave), {
    heartbeatMs: options.heartbeatMs,
    onFirstWrite: opened.resolve,
  });
  const send = (value: unknown) => writer.record(options.schema ? validateRecord(options.schema, value) : value);
  // After each yielded record: write it now rather than in the microtask, so desiredSize counts it, and wait while
  // the client has more than the high-water mark unread. A failed write has already stopped the stream.
  const pace = () => {
    writer.flush();
    return (out.desiredSize ?? 1) > 0 ? undefined : out.ready.catch(() => {});
  };
  const close = () => void out.close().catch(() => {});
  const fail = (reason: unknown) => void out.abort(reason).catch(() => {});

  let outcome: Outcome = "complete";
  let failure: HttpError | undefined;
  const hooks = endHooks();
  const run = async () => {
    try {
      const summary = await runProducer(producer, { signal: abort.signal, send, atEnd: hooks.add }, pace);
      writer.end(summary);
      close();
    } catch (error) {
      if (abort.signal.aborted) {
        outcome = "cancelled";
        fail(abort.signal.reason);
      } else {
        outcome = "error";
        failure = asHttpError(error);
        if (writer.firstAt !== undefined) {
          // Plain text has no error record: erroring the body makes the transfer fail rather than end cleanly.
          const recorded = writer.error({ message: failure.message, code: failure.code });
          if (recorded) close();
          else fail(error);
        }
      }
    } finally {
      writer.stop();
      request.signal?.removeEventListener("abort", leave);
      opened.resolve();
      logStreamEnd({
        route: options.route,
        format: framing.name,
        outcome,
        failure,
        fields: hooks.run({ route: options.route, outcome, failure }),
        records: writer.records,
        bytes: writer.bytes,
        startedAt,
        firstAt: writer.firstAt,
      });
    }
  };
  const done = run();
  options.ctx?.waitUntil(done);

  await opened.promise;
  if (failure && writer.firstAt === undefined) throw failure;
  return new Response(body, {
    headers: {
      ...framing.headers,
      "content-type": contentType,
      "cache-control": "no-cache, no-transform",
      // Marks the body as not to be compressed: wrangler dev gzips text/plain for clients that accept it, and
      // then delivers the whole stream at once at the end.
      "content-encoding": "identity",
    },
  });
}
