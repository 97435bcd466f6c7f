import { readLines } from "../streams/readLines";
import { okBody } from "./okBody";
import { badRecordError, cutError, StreamError } from "./StreamError";

export interface ReadJSONLOptions<T> {
  /** Called with each record as it is read, before the loop body sees it. */
  onRecord?: (record: T) => void;
}

/** One JSON Lines response being read. Iterate it once, or call `all()`. */
export interface JSONLReader<T> extends AsyncIterable<T>, AsyncDisposable, Disposable {
  readonly response: Response;
  readonly status: number;
  /** Every record, once the end record has arrived; rejects as iteration would throw. */
  all(): Promise<T[]>;
  /** The end record's summary, once it has arrived. */
  readonly summary: Promise<unknown>;
  /** Stops reading and closes the request; the loop throws `reason`. */
  abort(reason?: unknown): void;
  /** Stops reading and closes the request; the loop ends quietly. What `using` does at the end of its block. */
  close(): void;
}

/**
 * Reads this template's JSON Lines streams. Iterating yields each record; the `{"$done": …}` summary resolves
 * `summary`; an error response, a `{"$error": …}` record, or a stream cut before its end record throws a StreamError.
 * Blank lines (heartbeats) are skipped. Leaving the loop early, `close()`, `abort()` or disposal (`using`) cancels
 * the body, which closes the request: the server's producer sees its signal fire.
 */
export function readJSONL<T = unknown>(response: Response, options: ReadJSONLOptions<T> = {}): JSONLReader<T> {
  const stop = new AbortController();
  const quiet = Symbol("closed");
  const summary = Promise.withResolvers<unknown>();
  summary.promise.catch(() => {});
  let consumed = false;

  async function* records(): AsyncGenerator<T, void> {
    try {
      const body = await okBody(response);
      // A line that is not JSON is a cut if it was the last one, a bad record if more follow.
      let broken: string | undefined;
      for await (const line of readLines(body, stop.signal)) {
        if (broken !== undefined) throw badRecordError(broken);
        if (line.trim() === "") continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          broken = line;
          continue;
        }
        if (isReserved(record, "$done")) return summary.resolve(record.$done);
        if (isReserved(record, "$error")) {
          const { message, code } = record.$error as { message: string; code: string };
          throw new StreamError(message, code);
        }
        options.onRecord?.(record as T);
        yield record as T;
      }
      if (stop.signal.aborted) {
        if (stop.signal.reason === quiet) return;
        throw stop.signal.reason;
      }
      throw cutError();
    } catch (error) {
      summary.reject(error);
      throw error;
    } finally {
      // Left early (break, close): no summary is coming. A no-op when it already settled.
      summary.reject(new StreamError("the reader was closed before the end record", "closed"));
    }
  }

  const start = () => {
    if (consumed) throw new Error("a JSON Lines response can be read once: iterate it or call all()");
    consumed = true;
    return records();
  };
  const halt = (reason: unknown) => {
    stop.abort(reason);
    // Never iterated: nothing will cancel the body but this.
    if (!consumed) {
      consumed = true;
      void response.body?.cancel(reason).catch(() => {});
      summary.reject(reason === quiet ? new StreamError("the reader was closed", "closed") : reason);
    }
  };
  const close = () => halt(quiet);
  return {
    response,
    status: response.status,
    summary: summary.promise,
    [Symbol.asyncIterator]: start,
    all: async () => {
      const all: T[] = [];
      for await (const record of start()) all.push(record);
      return all;
    },
    abort: (reason = new StreamError("the reader was aborted", "aborted")) => halt(reason),
    close,
    [Symbol.dispose]: close,
    [Symbol.asyncDispose]: async () => close(),
  };
}

function isReserved<K extends string>(record: unknown, key: K): record is Record<K, unknown> {
  return typeof record === "object" && record !== null && !Array.isArray(record) &&
    Object.keys(record).length === 1 && key in record;
}
