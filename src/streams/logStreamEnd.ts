/** How a stream ended: it completed; it was stopped by its client (or, durable, cancelled or abandoned); or it failed. */
export type Outcome = "complete" | "cancelled" | "error";

/** The one log line every stream writes when it ends, plain or durable. */
export interface StreamEnd {
  route: string;
  /** The framing's name; a durable stream's records are framed per reader, so it has none. */
  format?: string;
  outcome: Outcome;
  /** Why it did not complete: the error record's code. */
  code?: string;
  /** The HTTP status the client got: 200 once a record was written. */
  status: number;
  records: number;
  bytes: number;
  ttfbMs: number | null;
  durationMs: number;
  /** Set for a durable stream, with its readers connected at the end. */
  resumable?: true;
  readers?: number;
}

/** Writes the "stream ended" line as JSON, one line, so a log search can filter on any field. */
export function logStreamEnd(end: StreamEnd): void {
  console.log(JSON.stringify({ msg: "stream ended", ...end }));
}
