import { okBody } from "./okBody";
import { readLines } from "../streams/readLines";
import { badRecordError, cutError, StreamError } from "./StreamError";

/**
 * Reads this template's JSON Lines streams: yields each record; returns the `{"$done": …}` summary; throws a
 * StreamError on an error response, a `{"$error": …}` record, or a stream cut before its end record.
 * Blank lines (heartbeats) are skipped. Leaving the loop early aborts the request.
 */
export async function* readJSONL<T = unknown>(response: Response): AsyncGenerator<T, unknown> {
  const body = await okBody(response);
  // A line that is not JSON is a cut if it was the last one, a bad record if more follow.
  let broken: string | undefined;
  for await (const line of readLines(body)) {
    if (broken !== undefined) throw badRecordError(broken);
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      broken = line;
      continue;
    }
    if (isReserved(record, "$done")) return record.$done;
    if (isReserved(record, "$error")) {
      const { message, code } = record.$error as { message: string; code: string };
      throw new StreamError(message, code);
    }
    yield record as T;
  }
  throw cutError();
}

function isReserved<K extends string>(record: unknown, key: K): record is Record<K, unknown> {
  return typeof record === "object" && record !== null && !Array.isArray(record) &&
    Object.keys(record).length === 1 && key in record;
}
