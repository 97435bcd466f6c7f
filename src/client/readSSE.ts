import { okBody } from "./okBody";
import { parseSSE } from "../streams/parseSSE";
import { readLines } from "../streams/readLines";
import { badRecordError, cutError, StreamError } from "./StreamError";

/**
 * Reads this template's SSE streams: yields each message event's data, JSON-parsed; returns the `done` event's
 * summary; throws a StreamError on an error response, an `error` event, or a stream cut before `done`.
 * Other named events are skipped (use `parseSSE` for those). Leaving the loop early aborts the request.
 */
export async function* readSSE<T = unknown>(response: Response): AsyncGenerator<T, unknown> {
  const body = await okBody(response);
  for await (const { event, data } of parseSSE(readLines(body))) {
    if (event === "message") yield parse(data) as T;
    else if (event === "done") return parse(data);
    else if (event === "error") {
      const { message, code } = parse(data) as { message: string; code: string };
      throw new StreamError(message, code);
    }
  }
  throw cutError();
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw badRecordError(data);
  }
}
