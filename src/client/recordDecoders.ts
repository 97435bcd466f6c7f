import { LineDecoder } from "../streams/LineDecoder";
import { SSEDecoder } from "../streams/SSEDecoder";
import { badRecordError, cutError, StreamError } from "./StreamError";

/** What one piece of a stream holds: a record (with its SSE id), or the end: the summary, or the error that ended it. */
export type Step = { end: false; value: unknown; id?: string } | { end: true; value: unknown; error?: unknown };

/** Turns the text of one stream, in pieces, into records, synchronously: all the records of one network read at once. */
export interface RecordDecoder {
  /** The records and the end this piece completes; an error record or a bad record ends them as a StreamError. */
  push(text: string): Step[];
  /** At the end of the body: the steps of a last line with no line break; throws for what is left unfinished. */
  finish(): Step[];
}

/**
 * This template's SSE: default events are records, a named event the record `{ event, data }` (as JSON Lines carries
 * it), `done` the end, `error` a StreamError.
 */
export function sseRecords(): RecordDecoder {
  const events = new SSEDecoder();
  return {
    push: (text) =>
      collect((steps) => {
        for (const { event, data, id } of events.push(text)) {
          if (event === "message") steps.push({ end: false, value: parse(data), id });
          else if (event === "done") steps.push({ end: true, value: parse(data) });
          else if (event === "error") throw failure(parse(data));
          else steps.push({ end: false, value: { event, data: parse(data) }, id });
        }
      }),
    finish: () => [],
  };
}

/**
 * This template's JSON Lines: each line a record, `{"$done": …}` the end, `{"$error": …}` a StreamError; blank lines
 * (heartbeats) skipped. A line that is not JSON is a cut if it was the last one, a bad record if more follow.
 */
export function jsonlRecords(): RecordDecoder {
  const lines = new LineDecoder();
  let broken: string | undefined;
  const take = (steps: Step[], line: string) => {
    if (broken !== undefined) throw badRecordError(broken);
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      broken = line;
      return;
    }
    if (isReserved(record, "$done")) steps.push({ end: true, value: record.$done });
    else if (isReserved(record, "$error")) throw failure(record.$error);
    else steps.push({ end: false, value: unescapeReserved(record) });
  };
  return {
    push: (text) =>
      collect((steps) => {
        for (const line of lines.push(text)) take(steps, line);
      }),
    finish: () =>
      collect((steps) => {
        for (const line of lines.flush()) take(steps, line);
        if (broken !== undefined) throw cutError();
      }),
  };
}

/** The framing's escape undone: a record's top-level key that starts with `$$` loses one `$` (`$$done` is a record's `$done`). */
function unescapeReserved(record: unknown): unknown {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return record;
  for (const key in record) {
    if (key.startsWith("$$")) return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.startsWith("$$") ? k.slice(1) : k, v]));
  }
  return record;
}

/** The steps `decode` pushes; a throw becomes the last step, so the records before it in the same read still count. */
function collect(decode: (steps: Step[]) => void): Step[] {
  const steps: Step[] = [];
  try {
    decode(steps);
  } catch (error) {
    steps.push({ end: true, value: undefined, error });
  }
  return steps;
}

function failure(error: unknown): StreamError {
  const { message, code } = (error ?? {}) as { message?: string; code?: string };
  return new StreamError(message ?? "the stream failed", code ?? "error");
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw badRecordError(data);
  }
}

function isReserved<K extends string>(record: unknown, key: K): record is Record<K, unknown> {
  return typeof record === "object" && record !== null && !Array.isArray(record) &&
    Object.keys(record).length === 1 && key in record;
}
