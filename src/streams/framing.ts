import { encodeJSONL, stringifyLine } from "./jsonl";
import { eventName, type NamedRecord } from "./named";
import { encodeSSE, encodeSSEJSON } from "./sse";

/** What a failed stream's last record says. */
export interface ErrorRecord {
  message: string;
  code: string;
}

/**
 * How one wire format writes a stream: its records, the end record, the error record and the heartbeat. A framing is
 * a value the route passes (`StreamOptions.format`); a protocol with its own wire format (OpenAI's chunks, the AI
 * SDK's UI stream) writes its own beside its route. Stateless: `seq` is the record's position in the stream, from 1,
 * and the end or error record takes the position after the last record.
 */
export interface Framing {
  /** Names it in the log line, and to a durable stream's reader. */
  readonly name: string;
  /** The Content-Type when the route's default is used. */
  readonly contentType: string;
  /** Other headers a protocol's responses carry (the AI SDK's `x-vercel-ai-ui-message-stream: v1`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The media types in `Accept` that pick it over the route's default. */
  readonly accepts: readonly string[];
  /** A protocol's own framing (OpenAI's chunks): its clients expect exactly it, so `Accept` never changes it. */
  readonly fixed?: boolean;
  record(value: unknown, seq: number): string;
  /**
   * A framing that writes a record's JSON as it is (MCP's messages) may take it already encoded: a durable stream has
   * it from recording the record, and replays it from its log without parsing it.
   */
  recordJSON?(json: string, seq: number): string;
  /** The reserved last record of a stream that completed; `summary` is what the producer returned. */
  end(summary: unknown, seq: number): string;
  /** The reserved last record of a stream that failed, or undefined when the format has none (plain text). */
  error(error: ErrorRecord, seq: number): string | undefined;
  /** What is written when the stream has been idle, or undefined when the format has no such thing. */
  readonly ping: string | undefined;
  /**
   * A protocol whose records build parts (the AI SDK's text parts: start, deltas, end): the part a record belongs to,
   * and whether it opens it. A reader that starts from the tail is moved back to where the part open there began, so
   * it never gets a part's middle without its start.
   */
  partOf?(value: unknown): { id: string; opens: boolean } | undefined;
  /**
   * A protocol whose events name their stream or its request (MCP's event ids and JSON-RPC request id): the framing a
   * durable stream's readers get, given the stream's id and what its job kept (`DurableJob.keep`). `last`: the position
   * of the last record when the reader opened, so a protocol can tell its replay from the live records (the Durable
   * Streams protocol says when a reader is caught up).
   */
  forStream?(streamId: string, kept: unknown, last: number): Framing;
  /**
   * What a durable stream's reader is sent once it has every record recorded so far, when the stream is still being
   * produced: a protocol that tells its readers they are caught up (the Durable Streams protocol's control event), or
   * "" when its last record already said so.
   */
  caughtUp?(): string;
}

/**
 * SSE: each record one default event (a `{ event, data }` record a named one), the end `event: done`, the error
 * `event: error`, a `: ping` comment as heartbeat.
 * `eventId` makes each event's `id:` from its position: a durable stream's are `<stream>:<seq>`, so `Last-Event-ID`
 * alone says where to resume.
 */
export function sseFraming(eventId: (seq: number) => string = String): Framing {
  return {
    name: "sse",
    contentType: "text/event-stream",
    accepts: ["text/event-stream"],
    record: (value, seq) => {
      const event = eventName(value);
      return encodeSSEJSON(stringifyLine(event ? (value as NamedRecord).data : value), event, eventId(seq));
    },
    end: (summary, seq) => encodeSSE({ id: eventId(seq), event: "done", data: stringifyLine(summary ?? {}) }),
    error: (error, seq) => encodeSSE({ id: eventId(seq), event: "error", data: stringifyLine(error) }),
    ping: encodeSSE({ comment: "ping" }),
  };
}

/** SSE with ids 1, 2, 3…. */
export const sse: Framing = sseFraming();

/**
 * JSON Lines: one record per line, the end `{"$done": …}`, the error `{"$error": {"message", "code"}}`. A record's own
 * top-level keys that start with `$` are sent with one `$` more (`{"$done": 1}` as `{"$$done": 1}`), so a producer that
 * relays a caller's objects cannot forge the end or an error; the client helpers take the `$` off again.
 */
export const jsonl: Framing = {
  name: "jsonl",
  // As text/plain when not asked for by name, so a browser shows it instead of downloading it.
  contentType: "text/plain; charset=utf-8",
  accepts: ["application/jsonl", "application/x-ndjson"],
  record: (value) => encodeJSONL(escapeReserved(value)),
  end: (summary) => encodeJSONL({ $done: summary ?? {} }),
  error: (error) => encodeJSONL({ $error: error }),
  // A blank line: readers skip it (the NDJSON spec allows them to), and it keeps idle connections open.
  ping: "\n",
};

/** A plain object with a top-level key that starts with `$` gets one `$` more on each such key; anything else as is. */
function escapeReserved(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  for (const key in value) {
    if (key.startsWith("$")) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith("$") ? `$${k}` : k, v]));
  }
  return value;
}

/** Plain text: each record a string, written as is; no end record, and a failure errors the transfer instead. */
export const text: Framing = {
  name: "text",
  contentType: "text/plain; charset=utf-8",
  accepts: [],
  record: (value) => {
    if (typeof value !== "string") throw new TypeError(`a plain-text record must be a string, got ${typeof value}`);
    return value;
  },
  end: () => "",
  error: () => undefined,
  ping: undefined,
};
