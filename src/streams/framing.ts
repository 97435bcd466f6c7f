import { encodeJSONL, stringifyLine } from "./jsonl";
import type { Format } from "./negotiate";
import { encodeSSE } from "./sse";

/** What a failed stream's last record says. */
export interface ErrorRecord {
  message: string;
  code: string;
}

/** How one format writes records, the end record, the error record and a heartbeat. */
export interface Framing {
  record(value: unknown): string;
  /** The reserved last record of a stream that completed; `summary` is what the producer returned. */
  end(summary: unknown): string;
  /** The reserved last record of a stream that failed, or undefined when the format has none (plain text). */
  error(error: ErrorRecord): string | undefined;
  /** What is written when the stream has been idle, or undefined when the format has no such thing. */
  ping: string | undefined;
}

/**
 * The framing of one stream. The end and error records are reserved in every format:
 * SSE `event: done` / `event: error`; JSON Lines `{"$done": …}` / `{"$error": {"message", "code"}}`;
 * OpenAI's `data: [DONE]` / `data: {"error": {…}}`, which its SDK throws as an APIError.
 */
export function framing(format: Format): Framing {
  switch (format) {
    case "sse": {
      let id = 0;
      return {
        record: (value) => encodeSSE({ id: ++id, data: stringifyLine(value) }),
        end: (summary) => encodeSSE({ id: ++id, event: "done", data: stringifyLine(summary ?? {}) }),
        error: (error) => encodeSSE({ id: ++id, event: "error", data: stringifyLine(error) }),
        ping: encodeSSE({ comment: "ping" }),
      };
    }
    case "jsonl":
      return {
        record: encodeJSONL,
        end: (summary) => encodeJSONL({ $done: summary ?? {} }),
        error: (error) => encodeJSONL({ $error: error }),
        // A blank line: readers skip it (the NDJSON spec allows them to), and it keeps idle connections open.
        ping: "\n",
      };
    case "openai":
      return {
        record: (value) => encodeSSE({ data: stringifyLine(value) }),
        end: () => encodeSSE({ data: "[DONE]" }),
        error: (error) => encodeSSE({ data: stringifyLine({ error: { ...error, type: "server_error" } }) }),
        ping: encodeSSE({ comment: "ping" }),
      };
    case "text":
      return { record: textRecord, end: () => "", error: () => undefined, ping: undefined };
  }
}

function textRecord(value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`a plain-text record must be a string, got ${typeof value}`);
  return value;
}
