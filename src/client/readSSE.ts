import { okBody } from "./okBody";
import { parseSSE, type ServerSentEvent } from "../streams/parseSSE";
import { readLines } from "../streams/readLines";
import { badRecordError, cutError, StreamError } from "./StreamError";

/**
 * Reads this template's SSE streams: yields each message event's data, JSON-parsed; returns the `done` event's
 * summary; throws a StreamError on an error response, an `error` event, or a stream cut before `done`.
 * Other named events are skipped (use `parseSSE` for those). Leaving the loop early aborts the request.
 */
export async function* readSSE<T = unknown>(response: Response): AsyncGenerator<T, unknown> {
  const body = await okBody(response);
  for await (const event of parseSSE(readLines(body))) {
    const meaning = readEvent(event);
    if (meaning?.end) return meaning.value;
    if (meaning) yield meaning.value as T;
  }
  throw cutError();
}

/**
 * What one event of this template's SSE streams means: a record, or the end with its summary (`end: true`);
 * undefined for a named event of another kind. An `error` event is thrown as a StreamError.
 */
export function readEvent({ event, data }: ServerSentEvent): { value: unknown; end: boolean } | undefined {
  if (event === "message") return { value: parse(data), end: false };
  if (event === "done") return { value: parse(data), end: true };
  if (event === "error") {
    const { message, code } = parse(data) as { message: string; code: string };
    throw new StreamError(message, code);
  }
  return undefined;
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw badRecordError(data);
  }
}
