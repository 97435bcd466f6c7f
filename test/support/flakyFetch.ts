import { callWorker } from "./callWorker";

/** A fetch to the Worker whose first `drops` connections break after `chunks` body chunks, as a lost network would. */
export function flakyFetch(vars: Partial<Env>, { drops, chunks }: { drops: number; chunks: number }) {
  /** The Last-Event-ID each connection carried (null for none), in order. */
  const connections: (string | null)[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    connections.push(headers.get("last-event-id"));
    const { pathname, search } = new URL(url instanceof Request ? url.url : url, "http://worker");
    // Only what a Worker's Request takes: browser-only fields such as `mode` are refused by workerd.
    const response = await callWorker(pathname + search, { method: init?.method, body: init?.body, headers, signal: init?.signal }, vars);
    if (connections.length > drops || !response.body) return response;
    return new Response(breakAfter(response.body, (_, count) => count === chunks), response);
  };
  return { fetch, connections };
}

/**
 * A body that breaks as a lost network would: passed through until `breaks` says so of a chunk (given the chunk and
 * how many have passed, it included), then the source cancelled and the body failed.
 */
export function breakAfter(body: ReadableStream<Uint8Array>, breaks: (chunk: Uint8Array, count: number) => boolean): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let count = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      if (breaks(value, ++count)) {
        await reader.cancel();
        controller.error(new TypeError("network connection lost"));
      }
    },
  });
}
