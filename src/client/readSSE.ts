import { openReader, type ReaderOptions, type StreamReader } from "./StreamReader";

/**
 * Reads this template's SSE streams: iterating yields each message event's data, JSON-parsed, and returns the `done`
 * event's summary; an error response, an `error` event, or a stream cut before `done` throws a StreamError. Other
 * named events are skipped (use `parseSSE` for those). A durable stream's drop is ridden out (`resume`).
 */
export function readSSE<T = unknown>(response: Response, options?: ReaderOptions<T>): StreamReader<T> {
  return openReader<T>(response, "sse", options);
}
