import { HttpError } from "../streams/HttpError";
import { idleTimer, type IdleTimer } from "../streams/idleTimer";
import { SSEDecoder } from "../streams/SSEDecoder";
import { upstreamError } from "./upstreamError";

export interface RelayLimits {
  /** Fires when our client leaves: the upstream request is aborted with it. */
  signal: AbortSignal;
  /** Upstream sends nothing that counts as the model at work this long: 504. */
  firstTokenMs: number;
  /** Upstream sends not a byte this long once it has started: 504. */
  idleMs: number;
}

/** What an event was: the model at work (ends the first-token wait), nothing of note, or the stream's last event. */
export type Seen = "activity" | "quiet" | "end";

/**
 * Reads an upstream's SSE answer with the model watchdogs: `open` sends the request (with the signal to abort it),
 * `onEvent` takes each event's data, synchronously, all the events of one network read in one pass. Until the first
 * `activity` only activity counts; after it, any byte (keep-alive comments too) is liveness. Resolves once `onEvent`
 * says `end`; a body that ends before is `upstream_cut`. Timeouts, aborts and upstream faults become HttpErrors; when
 * the client leaves, the signal's reason is thrown and the upstream request is aborted.
 */
export async function relaySSE(
  open: (signal: AbortSignal) => Promise<Response>,
  limits: RelayLimits,
  onEvent: (data: string, event: string) => Seen,
): Promise<void> {
  const upstream = new AbortController();
  const leave = () => upstream.abort(limits.signal.reason);
  limits.signal.addEventListener("abort", leave, { once: true });
  let timeout: HttpError | undefined;
  const expire = (message: string) => () => {
    timeout = new HttpError(504, "upstream_timeout", message);
    upstream.abort(timeout);
  };
  let watchdog: IdleTimer = idleTimer(limits.firstTokenMs, expire("the model sent nothing in time"));
  let first = true;
  let finished = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // A read stuck on a body that ignores the signal (the offline model's) ends when the abort cancels it.
  const cancel = () => void reader?.cancel(upstream.signal.reason).catch(() => {});
  try {
    const response = await open(upstream.signal);
    reader = response.body!.getReader();
    upstream.signal.addEventListener("abort", cancel, { once: true });
    const events = new SSEDecoder();
    const decoder = new TextDecoder();
    // The reader's own loop, not an async generator over it: per read, that saves a generator step and its promises.
    reading: for (let read = await reader.read(); !read.done; read = await reader.read()) {
      for (const { data, event } of events.push(decoder.decode(read.value, { stream: true }))) {
        const seen = onEvent(data, event);
        if (seen === "end") {
          finished = true;
          break reading;
        }
        if (seen === "activity" && first) {
          first = false;
          watchdog.stop();
          watchdog = idleTimer(limits.idleMs, expire("the model went silent mid-answer"));
        }
      }
      if (!first) watchdog.touch();
    }
  } catch (error) {
    throw timeout ?? upstreamError(error);
  } finally {
    watchdog.stop();
    limits.signal.removeEventListener("abort", leave);
    upstream.signal.removeEventListener("abort", cancel);
    // Leaving early (the client went away) or failing: make sure the upstream request stops too. After the last
    // event, what may follow it ([DONE], the close) is not waited for.
    if (!finished) upstream.abort();
    await reader?.cancel().catch(() => {});
    reader?.releaseLock();
  }
  if (timeout) throw timeout;
  if (limits.signal.aborted) throw limits.signal.reason;
  if (!finished) throw new HttpError(502, "upstream_cut", "the model's answer was cut off");
}

/** An upstream event's JSON, or a 502 for one that is not JSON. */
export function parseEvent<T>(data: string): T {
  try {
    return JSON.parse(data) as T;
  } catch {
    throw new HttpError(502, "upstream_malformed", "the model provider sent a malformed chunk");
  }
}
