import { asHttpError, type HttpError } from "../http/HttpError";
import { framing } from "./framing";
import { idleTimer, type IdleTimer } from "./idleTimer";
import { negotiate, type Format } from "./negotiate";
import type { StandardSchemaV1 } from "./standardSchema";
import { validateRecord } from "./validateRecord";

/** What a producer is given. */
export interface StreamContext {
  /** Fires when the client leaves: pass it to every fetch, timer and model call. */
  signal: AbortSignal;
  /** Sends one record now (push style); throws once the stream has ended. */
  send(value: unknown): void;
}

/**
 * Makes a stream's records: an `async function*` whose yields are records, or an async function that calls
 * `send`. What it returns becomes the end record's summary.
 */
export type Producer = (context: StreamContext) => AsyncIterable<unknown> | Promise<unknown>;

export interface StreamOptions {
  /** Names the route in the log line. */
  route: string;
  /** The framing when `Accept` names none of `text/event-stream`, `application/jsonl`, `application/x-ndjson`. */
  format: Format;
  /** Silence after which a heartbeat is written. */
  heartbeatMs: number;
  /** Keeps the producer's clean-up and the log line alive after the response is handed over. */
  ctx?: ExecutionContext;
  /** Checks every record before it is sent: one that fails becomes the error record. */
  schema?: StandardSchemaV1;
}

type Outcome = "complete" | "cancelled" | "error";

const encoder = new TextEncoder();
// Bytes the body may hold unread before an async-generator producer is paused.
const HIGH_WATER_MARK = 64 * 1024;

/**
 * Runs a producer and streams its records in the format `Accept` picks. The response is returned once the first
 * record is written, so an error thrown before that is still an HTTP status; an error after it becomes the error
 * record. Every stream ends with the end record or the error record, and one log line.
 */
export async function streamResponse(request: Request, options: StreamOptions, producer: Producer): Promise<Response> {
  const startedAt = Date.now();
  const { format, contentType } = negotiate(request.headers.get("accept"), options.format);
  const frame = framing(format);

  const abort = new AbortController();
  const leave = () => abort.abort(new DOMException("the client left", "AbortError"));
  request.signal?.addEventListener("abort", leave, { once: true });
  // One promise for the whole stream, so waiting on a record costs no listener per record.
  const aborted = new Promise<never>((_, reject) =>
    abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true }),
  );
  aborted.catch(() => {});

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let drained: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      pull: () => drained?.(),
      cancel: leave,
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  let records = 0;
  let bytes = 0;
  let firstAt: number | undefined;
  let ended = false;
  let beat: IdleTimer | undefined;
  const opened = Promise.withResolvers<void>();

  // Records written in one synchronous burst (all the tokens of one upstream read) leave as one chunk: one encode and
  // one enqueue for the lot, flushed in a microtask, so the burst gains no latency.
  let pending = "";
  const flush = () => {
    if (pending === "") return;
    const chunk = encoder.encode(pending);
    pending = "";
    bytes += chunk.byteLength;
    settle(() => controller.enqueue(chunk));
  };
  const write = (text: string) => {
    if (text === "") return;
    if (pending === "") queueMicrotask(flush);
    pending += text;
    beat?.touch();
    if (firstAt === undefined) {
      firstAt = Date.now();
      opened.resolve();
      const ping = frame.ping;
      if (ping && !ended) beat = idleTimer(options.heartbeatMs, () => write(ping));
    }
  };
  const send = (value: unknown) => {
    if (ended) throw new Error("send() after the stream ended");
    write(frame.record(options.schema ? validateRecord(options.schema, value) : value));
    records++;
  };

  let outcome: Outcome = "complete";
  let failure: HttpError | undefined;
  const run = async () => {
    try {
      const result = producer({ signal: abort.signal, send });
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
            send(step.value);
            // Enqueue now rather than in the microtask, so desiredSize counts the record just sent.
            flush();
            if ((controller.desiredSize ?? 1) <= 0) {
              await Promise.race([new Promise<void>((resolve) => (drained = resolve)), aborted]);
            }
          }
        } finally {
          // As `for await` does on break: lets the generator run its `finally` (clear timers, abort fetches).
          // After an abort it is not awaited: a generator stuck on I/O would hold the stream open for nobody.
          const closing = finished ? undefined : iterator.return?.();
          if (!abort.signal.aborted) await closing;
          else closing?.catch(() => {});
        }
      } else {
        summary = await Promise.race([result, aborted]);
      }
      if (abort.signal.aborted) throw abort.signal.reason;
      write(frame.end(summary));
      ended = true;
      flush();
      controller.close();
    } catch (error) {
      ended = true;
      if (abort.signal.aborted) {
        outcome = "cancelled";
        settle(() => controller.error(abort.signal.reason));
      } else {
        outcome = "error";
        failure = asHttpError(error);
        if (firstAt !== undefined) {
          const record = frame.error({ message: failure.message, code: failure.code });
          // Plain text has no error record: erroring the body makes the transfer fail rather than end cleanly.
          settle(() => (record ? (write(record), flush(), controller.close()) : controller.error(error)));
        }
      }
    } finally {
      ended = true;
      beat?.stop();
      request.signal?.removeEventListener("abort", leave);
      opened.resolve();
      const status = failure && firstAt === undefined ? failure.status : 200;
      console.log(
        JSON.stringify({
          msg: "stream ended",
          route: options.route,
          format,
          outcome,
          status,
          records,
          bytes,
          ttfbMs: firstAt === undefined ? null : firstAt - startedAt,
          durationMs: Date.now() - startedAt,
        }),
      );
    }
  };
  const done = run();
  options.ctx?.waitUntil(done);

  await opened.promise;
  if (failure && firstAt === undefined) throw failure;
  return new Response(body, {
    headers: {
      "content-type": contentType,
      "cache-control": "no-cache, no-transform",
      // Marks the body as not to be compressed: wrangler dev gzips text/plain for clients that accept it, and
      // then delivers the whole stream at once at the end.
      "content-encoding": "identity",
    },
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Runs a close or error on a body the client may already have cancelled, where it would throw. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The body was cancelled: nobody is left to tell.
  }
}
