import { openReader, type ReaderOptions, type StreamReader } from "./StreamReader";

/** The reader readJSONL returns: the same as every reader here. */
export type JSONLReader<T> = StreamReader<T>;
export type ReadJSONLOptions<T> = ReaderOptions<T>;

/**
 * Reads this template's JSON Lines streams. Iterating yields each record; the `{"$done": …}` summary resolves
 * `summary`; an error response, a `{"$error": …}` record, or a stream cut before its end record throws a StreamError.
 * Blank lines (heartbeats) are skipped. A durable stream's drop is ridden out (`resume`): it reconnects with
 * `?after=<records read>`.
 */
export function readJSONL<T = unknown>(response: Response, options?: ReaderOptions<T>): StreamReader<T> {
  return openReader<T>(response, "jsonl", options);
}
