import { openReader, type ResumeOptions, type StreamReader } from "./StreamReader";

export type { ResumeOptions };

/**
 * Reads a durable stream (`?resume=1`), SSE or JSON Lines by its Content-Type, and rides out dropped connections:
 * when the stream breaks before its end, it reconnects to the response's Content-Location from where it stopped, so
 * the caller sees every record once. An error record or an error response (the stream was cancelled or has expired)
 * is thrown as a StreamError, as are drops that outlast `retries`.
 */
export function readResumable<T = unknown>(response: Response, options: ResumeOptions = {}): StreamReader<T> {
  return openReader<T>(response, "auto", { resume: options });
}
