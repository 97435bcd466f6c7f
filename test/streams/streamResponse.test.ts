import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { readSSE } from "../../src/client/readSSE";
import { HttpError } from "../../src/streams/HttpError";
import { streamResponse, type Producer, type StreamOptions } from "../../src/streams/streamResponse";
import { readAll } from "../support/chunked";
import { sse, text } from "../../src/streams/framing";

const options: StreamOptions = { route: "/test", format: sse, heartbeatMs: 15_000 };
const request = (accept?: string, init?: RequestInit) =>
  new Request("http://worker/test", { ...init, headers: accept ? { accept } : {} });

/** A promise the test settles by hand, to hold a producer at a known point. */
function gate() {
  return Promise.withResolvers<void>();
}

/** Reads raw text from a body until it contains `needle`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

let log: MockInstance<typeof console.log>;

/** The "stream ended" lines logged so far. */
function logLines(): Record<string, unknown>[] {
  return log.mock.calls.map(([line]) => JSON.parse(String(line))).filter((l) => l.msg === "stream ended");
}

beforeEach(() => {
  log = vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("streamResponse", () => {
  it("hands over the response after the first record, while the producer is still running", async () => {
    const held = gate();
    const response = await streamResponse(request(), options, async function* () {
      yield "first";
      await held.promise; // opened only once the test has read "first": a buffering helper would never get here
      yield "second";
    });
    const tokens = readSSE(response);
    expect((await tokens.next()).value).toBe("first");
    held.resolve();
    expect((await tokens.next()).value).toBe("second");
    expect((await tokens.next()).done).toBe(true);
  });

  it("frames SSE records with increasing ids and ends with a done event carrying the producer's return value", async () => {
    const response = await streamResponse(request(), options, async function* () {
      yield { n: 1 };
      yield "two\nlines";
      return { finish_reason: "stop" };
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(await response.text()).toBe(
      'id: 1\ndata: {"n":1}\n\nid: 2\ndata: "two\\nlines"\n\nevent: done\nid: 3\ndata: {"finish_reason":"stop"}\n\n',
    );
  });

  it("frames the same producer as JSON Lines when Accept asks for it", async () => {
    const response = await streamResponse(request("application/x-ndjson"), options, async function* () {
      yield { n: 1 };
      return { total: 1 };
    });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    expect(await response.text()).toBe('{"n":1}\n{"$done":{"total":1}}\n');
  });

  it("writes plain-text records as they are, with no end record", async () => {
    const response = await streamResponse(request(), { ...options, format: text }, async function* () {
      yield "a\n";
      yield "b\n";
    });
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("a\nb\n");
  });

  it("takes push-style producers: records sent out of order of start arrive in order of sending", async () => {
    const producer: Producer = async ({ send }) => {
      const slow = Promise.resolve().then(() => Promise.resolve()).then(() => send({ part: "slow" }));
      const fast = Promise.resolve().then(() => send({ part: "fast" }));
      await Promise.all([slow, fast]);
      return { parts: 2 };
    };
    const response = await streamResponse(request("application/jsonl"), options, producer);
    const { values, result } = await readAll(readJSONL(response));
    expect(values).toEqual([{ part: "fast" }, { part: "slow" }]);
    expect(result).toEqual({ parts: 2 });
  });

  it("ends an empty producer with just the end record", async () => {
    const response = await streamResponse(request("application/jsonl"), options, async function* () {});
    expect(await response.text()).toBe('{"$done":{}}\n');
  });

  it("turns an error thrown before the first record into that error's status", async () => {
    const refused = streamResponse(request(), options, async function* () {
      throw new HttpError(429, "rate_limited", "slow down", { "retry-after": "3" });
    });
    await expect(refused).rejects.toMatchObject({ status: 429, code: "rate_limited", headers: { "retry-after": "3" } });
    expect(logLines()).toMatchObject([{ route: "/test", outcome: "error", status: 429, records: 0 }]);
  });

  it("turns an error after the first record into the error event, and the stream closes", async () => {
    const response = await streamResponse(request(), options, async function* () {
      yield "partial";
      throw new HttpError(502, "upstream_failed", "the model stopped answering");
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(
      'id: 1\ndata: "partial"\n\nevent: error\nid: 2\ndata: {"message":"the model stopped answering","code":"upstream_failed"}\n\n',
    );
  });

  it("never sends an unexpected error's own text, which may hold secrets", async () => {
    const response = await streamResponse(request("application/jsonl"), options, async function* () {
      yield 1;
      throw new Error("key sk-secret rejected");
    });
    const text = await response.text();
    expect(text).not.toContain("sk-secret");
    expect(text).toBe('1\n{"$error":{"message":"internal error","code":"internal_error"}}\n');
  });

  it("fails a plain-text body that errors after its first chunk, so it cannot look complete", async () => {
    const response = await streamResponse(request(), { ...options, format: text }, async function* () {
      yield "a\n";
      throw new Error("upstream died");
    });
    await expect(response.text()).rejects.toThrow();
  });

  it("turns a record with no JSON form into the error record", async () => {
    const response = await streamResponse(request("application/jsonl"), options, async function* () {
      yield 1;
      yield undefined;
    });
    expect(await response.text()).toBe('1\n{"$error":{"message":"internal error","code":"internal_error"}}\n');
  });

  it("refuses a plain-text record that is not a string instead of writing [object Object]", async () => {
    const response = await streamResponse(request(), { ...options, format: text }, async function* () {
      yield "a\n";
      yield { not: "text" };
    });
    await expect(response.text()).rejects.toThrow();
  });

  it("writes a heartbeat comment when the producer is silent for the heartbeat interval", async () => {
    const held = gate();
    const response = await streamResponse(request(), { ...options, heartbeatMs: 20 }, async function* () {
      yield "a";
      await held.promise;
      yield "b";
    });
    const reader = response.body!.getReader();
    const text = await readUntil(reader, ": ping\n\n");
    expect(text).toBe('id: 1\ndata: "a"\n\n: ping\n\n');
    held.resolve();
    expect(await readUntil(reader, "event: done")).toContain('data: "b"');
  });

  it("writes a blank line as the JSON Lines heartbeat", async () => {
    const held = gate();
    const response = await streamResponse(request("application/jsonl"), { ...options, heartbeatMs: 20 }, async function* () {
      yield 1;
      await held.promise;
    });
    const reader = response.body!.getReader();
    expect(await readUntil(reader, "1\n\n")).toBe("1\n\n");
    held.resolve();
  });

  it("aborts the producer's signal when the client cancels the body, and logs the cancel", async () => {
    const aborted = gate();
    let finallyRan = false;
    const response = await streamResponse(request(), options, async function* ({ signal }) {
      signal.addEventListener("abort", () => aborted.resolve());
      try {
        for (let n = 0; ; n++) {
          yield n;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        finallyRan = true;
      }
    });
    const reader = response.body!.getReader();
    await readUntil(reader, "id: 2\n");
    await reader.cancel();
    await aborted.promise;
    await vi.waitFor(() => expect(logLines()).toMatchObject([{ outcome: "cancelled", route: "/test" }]));
    await vi.waitFor(() => expect(finallyRan).toBe(true));
  });

  it("aborts the producer's signal when the request's signal aborts", async () => {
    const client = new AbortController();
    const aborted = gate();
    const response = await streamResponse(request(undefined, { signal: client.signal }), options, async function* ({ signal }) {
      signal.addEventListener("abort", () => aborted.resolve());
      yield "a";
      await new Promise(() => {}); // a producer stuck on I/O: only the abort gets the stream out
    });
    const reader = response.body!.getReader();
    await readUntil(reader, '"a"');
    client.abort();
    await aborted.promise;
    await expect(reader.read()).rejects.toThrow();
  });

  it("stops pulling from a generator while the unread body is past its high-water mark", async () => {
    let produced = 0;
    const kib = "x".repeat(1024);
    const response = await streamResponse(request(), { ...options, format: text }, async function* () {
      for (;;) {
        produced++;
        yield kib;
      }
    });
    // Nothing reads: the producer fills the high-water mark, then gets many turns of the event loop to run past it.
    await vi.waitFor(() => expect(produced).toBeGreaterThanOrEqual(64));
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(produced).toBeLessThanOrEqual(66);
    await response.body!.cancel();
  });

  it("makes send() throw once the stream has ended", async () => {
    let sendLater: ((value: unknown) => void) | undefined;
    const response = await streamResponse(request(), options, async ({ send }) => {
      send(1);
      sendLater = send;
    });
    await response.text();
    expect(() => sendLater!(2)).toThrow(/after the stream ended/);
  });

  it("logs one line per stream with outcome, records, bytes and timings", async () => {
    const response = await streamResponse(request(), options, async function* () {
      yield "a";
      yield "b";
    });
    const body = await response.text();
    await vi.waitFor(() => expect(logLines()).toHaveLength(1));
    const [line] = logLines();
    expect(line).toMatchObject({ route: "/test", format: "sse", outcome: "complete", status: 200, records: 2 });
    expect(line!.bytes).toBe(new TextEncoder().encode(body).length);
    expect(line!.ttfbMs).toEqual(expect.any(Number));
    expect(line!.durationMs).toEqual(expect.any(Number));
  });

  it("runs a producer's end hook once when its client leaves, and adds what it returns to the log line", async () => {
    const ends: unknown[] = [];
    const response = await streamResponse(request(), options, async ({ send, atEnd, signal }) => {
      let sent = 0;
      atEnd((end) => {
        ends.push(end);
        return { sent };
      });
      for (;;) {
        send(++sent);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (signal.aborted) return;
      }
    });
    const reader = response.body!.getReader();
    await readUntil(reader, "id: 3\n");
    await reader.cancel();
    await vi.waitFor(() => expect(logLines()).toHaveLength(1));
    expect(ends).toEqual([{ route: "/test", outcome: "cancelled", failure: undefined }]);
    expect(logLines()[0]!.sent).toBeGreaterThanOrEqual(3);
  });

  it("still logs the stream when an end hook throws, with the other hooks' fields", async () => {
    const response = await streamResponse(request(), options, async ({ send, atEnd }) => {
      atEnd(() => {
        throw new Error("broken hook");
      });
      atEnd(() => ({ kept: true }));
      send("a");
    });
    await response.text();
    await vi.waitFor(() => expect(logLines()).toMatchObject([{ outcome: "complete", kept: true }]));
  });
});
