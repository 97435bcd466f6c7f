import { asHttpError, type HttpError } from "./HttpError";
import { endHooks, logStreamEnd, type Outcome } from "./logStreamEnd";
import type { StreamContext } from "./runProducer";

/**
 * Runs a producer whose answer is sent whole, not streamed (an API's `stream: false`), and resolves with what it
 * returns: its records are counted, not sent; the request's signal stops it; its end hooks run and it writes the same
 * log line as a stream, format `json`, with the status its failure answers with.
 */
export async function runWhole<T>(request: Request, route: string, producer: (context: StreamContext) => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  const signal = request.signal ?? new AbortController().signal;
  const hooks = endHooks();
  let records = 0;
  let outcome: Outcome = "complete";
  let failure: HttpError | undefined;
  try {
    return await producer({ signal, send: () => void records++, atEnd: hooks.add });
  } catch (error) {
    if (signal.aborted) outcome = "cancelled";
    else {
      outcome = "error";
      failure = asHttpError(error);
    }
    throw error;
  } finally {
    const fields = hooks.run({ route, outcome, failure });
    // No first record: nothing was sent before the end, so a failure is the answer's status.
    logStreamEnd({ route, format: "json", outcome, failure, records, bytes: 0, startedAt, firstAt: undefined, fields });
  }
}
