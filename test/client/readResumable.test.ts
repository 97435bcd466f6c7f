import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readResumable } from "../../src/client/readResumable";
import { drain } from "../support/chunked";
import { callWorker } from "../support/callWorker";
import { flakyFetch } from "../support/flakyFetch";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

// The tests' own durable stream (test/support/testWorker.ts), as SSE: 35 records 40 ms apart, ~1.4 s, so drops a
// few chunks in land mid-stream.
const vars = {};
const sse = { headers: { accept: "text/event-stream" } };
const counted = (n: number) => Array.from({ length: n }, (_, k) => ({ i: k + 1 }));

describe("readResumable", () => {
  it("rides out two dropped connections and yields every token once, then the done summary", async () => {
    const { fetch, connections } = flakyFetch(vars, { drops: 2, chunks: 3 });
    const attempts: [number, string][] = [];
    const response = await fetch("/test/count?resume=1&n=35&pace=40", sse);
    const { values, result } = await drain(
      readResumable<{ i: number }>(response, { fetch, retryMs: 10, onReconnect: (n, id) => attempts.push([n, id]) }),
    );
    expect(values).toEqual(counted(35));
    expect(result).toEqual({ counted: 35 });
    expect(connections).toHaveLength(3);
    expect(connections.slice(1)).toEqual(attempts.map(([, id]) => id));
    expect(attempts.map(([n]) => n)).toEqual([1, 1]);
  });

  it("throws an error event as a StreamError and does not reconnect", async () => {
    const { fetch, connections } = flakyFetch(vars, { drops: 0, chunks: 0 });
    const response = await fetch("/test/count?resume=1&n=35&pace=40", sse);
    const tokens = readResumable<{ i: number }>(response, { fetch, retryMs: 10 });
    await tokens.next();
    await callWorker(response.headers.get("content-location")!, { method: "DELETE" });
    await expect(drain(tokens)).rejects.toMatchObject({ name: "StreamError", code: "cancelled" });
    expect(connections).toHaveLength(1);
  });

  it("stops at an error response on reconnect: a stream that is gone is not asked for again", async () => {
    const { fetch, connections } = flakyFetch(vars, { drops: 1, chunks: 2 });
    const response = await fetch("/test/count?resume=1&n=35&pace=40", sse);
    const location = response.headers.get("content-location")!;
    // Cancelled while the reader was away: its reconnect finds nothing.
    const cancelThenFetch: typeof fetch = async (url, init) => {
      await callWorker(location, { method: "DELETE" });
      return fetch(url, init);
    };
    await expect(drain(readResumable(response, { fetch: cancelThenFetch, retryMs: 10 }))).rejects.toMatchObject({
      name: "StreamError",
      code: "stream_not_found",
      status: 404,
    });
    expect(connections).toHaveLength(2);
  });

  it("gives up after `retries` failed reconnects in a row, throwing the network's error", async () => {
    const { fetch } = flakyFetch(vars, { drops: 1, chunks: 2 });
    const response = await fetch("/test/count?resume=1&n=35&pace=40", sse);
    let calls = 0;
    const down = async () => {
      calls++;
      throw new TypeError("network down");
    };
    await expect(drain(readResumable(response, { fetch: down, retries: 3, retryMs: 1 }))).rejects.toThrow("network down");
    expect(calls).toBe(3);
  });

  it("treats a drop of a plain stream, which has no Content-Location, as final", async () => {
    const { fetch, connections } = flakyFetch(vars, { drops: 1, chunks: 2 });
    await expect(drain(readResumable(await fetch("/test/count?n=35&pace=40", sse), { fetch, retryMs: 1 }))).rejects.toThrow("network connection lost");
    expect(connections).toHaveLength(1);
  });

  it("stops waiting to reconnect the moment its signal aborts", async () => {
    const { fetch, connections } = flakyFetch(vars, { drops: 1, chunks: 2 });
    const stop = new AbortController();
    const response = await fetch("/test/count?resume=1&n=35&pace=40", sse);
    const reading = drain(readResumable(response, { fetch, signal: stop.signal, retryMs: 60_000, onReconnect: () => stop.abort() }));
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
    expect(connections).toHaveLength(1);
  });
});

describe("where a reader reconnects", () => {
  const cutResponse = (location: string) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("id: s:1\ndata: \"a\"\n\n"));
        controller.error(new TypeError("network connection lost"));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "content-location": location, "stream-id": "s" } });
  };

  it("never reconnects, with the caller's headers, to a Content-Location on another origin unless told to", async () => {
    const calls: string[] = [];
    const spy = async (url: string | URL | Request) => (calls.push(String(url)), new Response(null, { status: 204 }));
    const reader = readResumable(cutResponse("https://elsewhere.example/api/streams/s"), { fetch: spy, retryMs: 1, headers: { authorization: "Bearer t" } });
    await expect(reader.all()).rejects.toThrow("network connection lost");
    expect(calls).toEqual([]);
    const allowed = readResumable(cutResponse("https://elsewhere.example/api/streams/s"), { fetch: spy, retryMs: 1, crossOrigin: true });
    await allowed.all().catch(() => {});
    expect(calls).toEqual(["https://elsewhere.example/api/streams/s"]);
  });
});
