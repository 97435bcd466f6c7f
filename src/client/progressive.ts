import { readJSONL } from "./readJSONL";
import type { ReaderOptions } from "./StreamReader";
import { StreamError } from "./StreamError";

/** The keys of a union of one-key records: `{users: U[]} | {tasks: T[]}` → `"users" | "tasks"`. */
type KeysOf<R> = R extends unknown ? keyof R : never;

/** Each part's value by its key: `{users: U[]} | {tasks: T[]}` → `{users: U[]; tasks: T[]}`. */
export type Parts<R> = { [K in KeysOf<R>]: R extends { [P in K]: infer V } ? V : never };

/** One promise per part, settled when its record arrives or the stream fails. */
export type Progressive<R> = { readonly [K in keyof Parts<R>]: Promise<Parts<R>[K]> };

/**
 * Reads a JSON Lines response of one-key records (`{"users": …}`, `{"tasks": …}`) as an object whose properties are
 * promises: `await data.users` resolves when the `users` record arrives, however early or late it is read. When the
 * stream fails (an error record, an error response, a cut), every part not yet arrived rejects with that error; when
 * it ends without a part, that part rejects too. A durable response (`/api/progressive?resume=1`) survives a dropped
 * connection: the reader reconnects from the records it has (`options.resume`).
 */
export function progressive<R extends object>(response: Response, options?: ReaderOptions<Record<string, unknown>>): Progressive<R> {
  const parts = new Map<string, PromiseWithResolvers<unknown>>();
  let failure: unknown;
  let ended = false;
  const part = (key: string) => {
    let entry = parts.get(key);
    if (!entry) {
      entry = Promise.withResolvers<unknown>();
      // A part nobody reads must not become an unhandled rejection; readers still see it reject.
      entry.promise.catch(() => {});
      parts.set(key, entry);
      if (failure !== undefined) entry.reject(failure);
      else if (ended) entry.reject(missing(key));
    }
    return entry;
  };

  void (async () => {
    try {
      for await (const record of readJSONL<Record<string, unknown>>(response, options)) {
        for (const [key, value] of Object.entries(record)) part(key).resolve(value);
      }
      ended = true;
      for (const [key, entry] of parts) entry.reject(missing(key)); // a no-op for parts that arrived
    } catch (error) {
      failure = error;
      for (const entry of parts.values()) entry.reject(error);
    }
  })();

  return new Proxy({} as Progressive<R>, {
    // Not "then": the object itself must not look like a promise to `await`.
    get: (_, key) => (typeof key === "string" && key !== "then" ? part(key).promise : undefined),
  });
}

function missing(key: string): StreamError {
  return new StreamError(`the stream ended without a "${key}" record`, "missing");
}
