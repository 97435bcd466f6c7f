import { parseSSE } from "../streams/parseSSE";
import { readLines } from "../streams/readLines";
import { sleep } from "../streams/sleep";
import { okBody } from "./okBody";
import { readEvent } from "./readSSE";
import { cutError, StreamError } from "./StreamError";

export interface ResumeOptions {
  /** Stops reading, and any reconnect under way. */
  signal?: AbortSignal;
  /** Reconnects in a row that may fail before the drop is final; a reconnect that delivers an event resets it. Default 5. */
  retries?: number;
  /** Pause before the first reconnect, doubled for each further one in a row. Default 500 ms. */
  retryMs?: number;
  /** Headers for reconnects, such as Authorization. */
  headers?: HeadersInit;
  /** Called before each reconnect: the page can say "reconnecting". */
  onReconnect?: (attempt: number, lastEventId: string) => void;
  /** The fetch used to reconnect. */
  fetch?: typeof fetch;
}

/**
 * Reads a resumable chat stream (`/api/chat?resume=1`) as readSSE does, and rides out dropped connections: when the
 * stream breaks before `done`, it reconnects to the response's Content-Location with the last event id it saw, and
 * goes on from the next event, so the caller sees every token once. An error event or an error response (the stream
 * was cancelled or has expired) is thrown as a StreamError, as are drops that outlast `retries`.
 */
export async function* readResumable<T = unknown>(response: Response, options: ResumeOptions = {}): AsyncGenerator<T, unknown> {
  const { signal, retries = 5, retryMs = 500, onReconnect } = options;
  const location = response.headers.get("content-location");
  // Relative to the response; a Response built by hand has no URL, and then fetch resolves it (against the page).
  const resumeUrl = location === null ? undefined : response.url ? new URL(location, response.url).href : location;
  const fetchOnce = options.fetch ?? fetch;
  let lastEventId = "";
  let attempt = 0;
  let current: Response | undefined = response;
  for (;;) {
    let failure: unknown = cutError();
    try {
      current ??= await reconnect();
      for await (const event of parseSSE(readLines(await okBody(current), signal))) {
        lastEventId = event.id;
        attempt = 0;
        const meaning = readEvent(event);
        if (meaning?.end) return meaning.value;
        if (meaning) yield meaning.value as T;
      }
    } catch (error) {
      // What the server said is final; only a lost connection is worth another try.
      if (signal?.aborted || (error instanceof StreamError && error.code !== "cut")) throw error;
      failure = error;
    }
    current = undefined;
    if (!resumeUrl || ++attempt > retries) throw failure;
    onReconnect?.(attempt, lastEventId);
    await sleep(retryMs * 2 ** (attempt - 1), signal);
  }

  function reconnect(): Promise<Response> {
    const headers = new Headers(options.headers);
    if (lastEventId) headers.set("last-event-id", lastEventId);
    return fetchOnce(resumeUrl!, { headers, signal });
  }
}
