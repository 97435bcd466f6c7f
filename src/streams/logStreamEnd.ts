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
  /** What the producer's end hooks added (`StreamContext.atEnd`): written after the fields above. */
  fields?: Record<string, unknown>;
}

/** How a stream ended, as an end hook sees it. */
export type Ending = Pick<StreamEnd, "route" | "outcome" | "failure">;

/** A producer's end hook: it runs once, however the stream ends, and what it returns is added to the log line. */
export type EndHook = (end: Ending) => Record<string, unknown> | void;

/** A stream's end hooks: added by its producer, run once by whatever ran it, just before its log line. */
export function endHooks() {
  const hooks: EndHook[] = [];
  return {
    add: (hook: EndHook) => void hooks.push(hook),
    /** Runs every hook; one that throws adds nothing and does not stop the others, nor the log line. */
    run(end: Ending): Record<string, unknown> | undefined {
      if (hooks.length === 0) return undefined;
      const fields: Record<string, unknown> = {};
      for (const hook of hooks.splice(0)) {
        try {
          Object.assign(fields, hook(end));
        } catch (error) {
          console.error("a stream's end hook failed", error);
        }
      }
      return fields;
    },
  };
}

/**
 * Writes the one "stream ended" line every stream writes, plain or durable, as one line of JSON so a log search can
 * filter on any field: route, format, outcome, code, status (200 once a record was written), records, bytes,
 * ttfbMs, durationMs, for a durable stream durable and readers, then what the producer added (a model answer's upstream
 * and usage).
 */
export function logStreamEnd({ failure, startedAt, firstAt, fields, ...end }: StreamEnd): void {
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
      ...fields,
    }),
  );
}
