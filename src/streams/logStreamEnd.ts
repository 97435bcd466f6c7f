import type { HttpError } from "./HttpError";

/** How a stream ended: it completed; it was stopped by its client (or, durable, cancelled or abandoned); or it failed. */
export type Outcome = "complete" | "cancelled" | "error";

/** What a stream knows when it ends; the log line is made from it. */
export interface StreamEnd {
  route: string;
  /** The framing's name; a durable stream's records are framed per reader, so it has none. */
  format?: string;
  outcome: Outcome;
  /** Why it did not complete: its code is logged, and its status if nothing was written before it. */
  failure?: HttpError;
  records: number;
  bytes: number;
  /** When the stream started, and when its first record was written (ms since the epoch). */
  startedAt: number;
  firstAt: number | undefined;
  /** Set for a durable stream, with its readers connected at the end. */
  durable?: true;
  readers?: number;
}

/**
 * Writes the one "stream ended" line every stream writes, plain or durable, as one line of JSON so a log search can
 * filter on any field: route, format, outcome, code, status (200 once a record was written), records, bytes,
 * ttfbMs, durationMs, and for a durable stream durable and readers.
 */
export function logStreamEnd({ failure, startedAt, firstAt, ...end }: StreamEnd): void {
  console.log(
    JSON.stringify({
      msg: "stream ended",
      route: end.route,
      format: end.format,
      outcome: end.outcome,
      code: failure?.code,
      status: failure && firstAt === undefined ? failure.status : 200,
      records: end.records,
      bytes: end.bytes,
      ttfbMs: firstAt === undefined ? null : firstAt - startedAt,
      durationMs: Date.now() - startedAt,
      durable: end.durable,
      readers: end.readers,
    }),
  );
}
