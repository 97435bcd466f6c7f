import { readText } from "../streams/readText";
import { sleep } from "../streams/sleep";
import { okBody } from "./okBody";
import { jsonlRecords, sseRecords, type RecordDecoder, type Step } from "./recordDecoders";
import { cutError, StreamError } from "./StreamError";

export interface ResumeOptions {
  /** Stops reading, and any reconnect under way. */
  signal?: AbortSignal;
  /** Reconnects in a row that may fail before the drop is final; a reconnect that delivers a record resets it. Default 5. */
  retries?: number;
  /** Pause before the first reconnect, doubled for each further one in a row. Default 500 ms. */
  retryMs?: number;
  /** Headers for reconnects, such as Authorization. */
  headers?: HeadersInit;
  /** Called before each reconnect, with the position resumed from (SSE: the last event id): the page can say "reconnecting". */
  onReconnect?: (attempt: number, position: string) => void;
  /** The fetch used to reconnect. */
  fetch?: typeof fetch;
  /**
   * Reconnect to a Content-Location on another origin. Off by default: a reconnect carries `headers` (a token), and
   * the server of a response, not the caller, names where it goes.
   */
  crossOrigin?: boolean;
}

export interface ReaderOptions<T> {
  /** Called with each record as it is read, before the loop body sees it. */
  onRecord?: (record: T) => void;
  /** Called with the records of each network read together: a replay of hundreds of records is one call, one render. */
  onBatch?: (records: T[]) => void;
  /**
   * Reconnect when the connection drops before the end, from where the reader stopped (SSE: `Last-Event-ID`; JSON
   * Lines: `?after=<records read>`). On by default when the response names a durable stream (`Content-Location` and
   * `Stream-Id`); `false` turns it off.
   */
  resume?: boolean | ResumeOptions;
  /** Stops reading; the loop throws the signal's reason. */
  signal?: AbortSignal;
}

/**
 * One stream response being read: iterate its records (`for await`, or `next()`), or `batches()` for the records of
 * each network read as one array, or `all()`. Read once. The end record's summary resolves `summary` and is the
 * iteration's return value; an error response, an error record, a cut or bad data throws a StreamError. Leaving
 * early, `close()`, `abort()` or disposal (`using`) cancels the body, which closes the request: the server's producer
 * sees its signal fire (a durable stream's producer goes on, for other readers or a later one).
 */
export interface StreamReader<T> extends AsyncIterator<T, unknown>, AsyncIterable<T, unknown>, AsyncDisposable, Disposable {
  readonly response: Response;
  readonly status: number;
  /** The end record's summary, once it has arrived. */
  readonly summary: Promise<unknown>;
  /** Records of the stream the reader has, counted from the stream's start: where a JSON Lines reader resumes. */
  readonly position: number;
  /** The SSE id of the last record read: where an SSE reader resumes. */
  readonly lastEventId: string;
  /** The records of each network read as one array. */
  batches(): AsyncGenerator<T[], unknown>;
  /** Every record, once the end record has arrived; rejects as iteration would throw. */
  all(): Promise<T[]>;
  /** Stops reading and closes the request; the loop throws `reason`. */
  abort(reason?: unknown): void;
  /** Stops reading and closes the request; the loop ends quietly. What `using` does at the end of its block. */
  close(): void;
}

/** Reads a stream of this template's framing: `sse`, `jsonl`, or picked by the response's Content-Type. */
export function openReader<T>(response: Response, format: "sse" | "jsonl" | "auto", options: ReaderOptions<T> = {}): StreamReader<T> {
  const kind = format !== "auto" ? format : (response.headers.get("content-type") ?? "").startsWith("text/event-stream") ? "sse" : "jsonl";
  const resume = resumeOf(response, options.resume);
  const stop = new AbortController();
  const quiet = Symbol("closed");
  const summary = Promise.withResolvers<unknown>();
  summary.promise.catch(() => {});
  const signal = options.signal ?? resume?.signal;
  signal?.addEventListener("abort", () => halt(signal.reason), { once: true });
  let position = startPosition(response);
  let lastEventId = "";
  let started = false;

  async function* batches(): AsyncGenerator<T[], unknown> {
    try {
      if (signal?.aborted) throw signal.reason;
      let current: Response | undefined = response;
      let attempt = 0;
      for (;;) {
        let failure: unknown = cutError();
        try {
          current ??= await reconnect();
          const body = await okBody(current);
          const decoder: RecordDecoder = kind === "sse" ? sseRecords() : jsonlRecords();
          for await (const text of readText(body, stop.signal)) {
            const { batch, end } = take(decoder.push(text));
            if (batch.length > 0) {
              attempt = 0;
              options.onBatch?.(batch);
              yield batch;
            }
            if (end) return finish(end);
          }
          if (!stop.signal.aborted) {
            const { batch, end } = take(decoder.finish());
            if (batch.length > 0) yield batch;
            if (end) return finish(end);
          }
        } catch (error) {
          // What the server said is final; only a lost connection is worth another try.
          if (stop.signal.aborted || !resume || (error instanceof StreamError && error.code !== "cut")) throw error;
          failure = error;
        }
        if (stop.signal.aborted) {
          if (stop.signal.reason === quiet) return undefined;
          throw stop.signal.reason;
        }
        current = undefined;
        if (!resume || ++attempt > resume.retries) throw failure;
        resume.onReconnect?.(attempt, kind === "sse" ? lastEventId : String(position));
        await sleep(resume.retryMs * 2 ** (attempt - 1), stop.signal);
      }
    } catch (error) {
      if (stop.signal.aborted && stop.signal.reason === quiet) return undefined;
      summary.reject(error);
      throw error;
    } finally {
      // Left early (break, close): no summary is coming. A no-op when it already settled.
      summary.reject(new StreamError("the reader was closed before the end record", "closed"));
    }
  }

  /** The end record's summary, or the error that ended the stream. */
  function finish(end: Step & { end: true }): unknown {
    if (end.error !== undefined) throw end.error;
    summary.resolve(end.value);
    return end.value;
  }

  /** The records of one read, counted; and the end, if it came. */
  function take(steps: Step[]): { batch: T[]; end?: Step & { end: true } } {
    const batch: T[] = [];
    for (const step of steps) {
      if (step.end) return { batch, end: step };
      position++;
      if (step.id !== undefined) lastEventId = step.id;
      options.onRecord?.(step.value as T);
      batch.push(step.value as T);
    }
    return { batch };
  }

  function reconnect(): Promise<Response> {
    const headers = new Headers(resume!.headers);
    let url = resume!.url;
    // The framing is asked for again: a stream made in another (a JSON Lines stream read as SSE) comes back in this one.
    if (kind === "sse") {
      if (lastEventId) headers.set("last-event-id", lastEventId);
      headers.set("accept", "text/event-stream");
    } else {
      url += `${url.includes("?") ? "&" : "?"}after=${position}`;
      headers.set("accept", "application/jsonl");
    }
    return resume!.fetch(url, { headers, signal: stop.signal });
  }

  async function* records(): AsyncGenerator<T, unknown> {
    const reads = begin();
    try {
      for (;;) {
        const step = await reads.next();
        if (step.done) return step.value;
        yield* step.value;
      }
    } finally {
      await reads.return(undefined);
    }
  }

  function begin(): AsyncGenerator<T[], unknown> {
    if (started) throw new Error("a stream response can be read once: iterate it, or call batches() or all()");
    started = true;
    return batches();
  }

  function halt(reason: unknown): void {
    stop.abort(reason);
    // Never read: nothing will cancel the body but this.
    if (!started) {
      started = true;
      void response.body?.cancel(reason).catch(() => {});
      summary.reject(reason === quiet ? new StreamError("the reader was closed", "closed") : reason);
    }
  }

  let iterator: AsyncGenerator<T, unknown> | undefined;
  const iterate = () => (iterator ??= records());
  const close = () => halt(quiet);
  return {
    response,
    status: response.status,
    summary: summary.promise,
    get position() {
      return position;
    },
    get lastEventId() {
      return lastEventId;
    },
    next: () => iterate().next(),
    return: (value?: unknown) => iterate().return(value),
    throw: (error?: unknown) => iterate().throw(error),
    [Symbol.asyncIterator]() {
      iterate();
      return this;
    },
    batches: begin,
    all: async () => {
      const all: T[] = [];
      for await (const batch of begin()) all.push(...batch);
      return all;
    },
    abort: (reason = new StreamError("the reader was aborted", "aborted")) => halt(reason),
    close,
    [Symbol.dispose]: close,
    [Symbol.asyncDispose]: async () => close(),
  };
}

interface Resume {
  url: string;
  retries: number;
  retryMs: number;
  headers?: HeadersInit;
  signal?: AbortSignal;
  onReconnect?: (attempt: number, position: string) => void;
  fetch: typeof fetch;
}

/** How to resume, or undefined when the reader does not (asked not to, or the response names no stream). */
function resumeOf(response: Response, option: boolean | ResumeOptions | undefined): Resume | undefined {
  if (option === false) return undefined;
  const location = response.headers.get("content-location");
  if (location === null || (option === undefined && !response.headers.has("stream-id"))) return undefined;
  const given = typeof option === "object" ? option : {};
  // Relative to the response; a Response built by hand has no URL, and then fetch resolves it (against the page).
  const url = response.url ? new URL(location, response.url).href : location;
  const elsewhere = response.url ? new URL(url).origin !== new URL(response.url).origin : URL.canParse(location);
  if (elsewhere && !given.crossOrigin) return undefined;
  return { retries: 5, retryMs: 500, ...given, url, fetch: given.fetch ?? ((input, init) => fetch(input, init)) };
}

/** Where a response starts in its stream: `?after=` when it was a resumed read, else the start. */
function startPosition(response: Response): number {
  if (!response.url || !URL.canParse(response.url)) return 0;
  return Number(new URL(response.url).searchParams.get("after") ?? 0) || 0;
}
