import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { progressive } from "../../src/client/progressive";
import { readJSONL } from "../../src/client/readJSONL";
import { readSSE } from "../../src/client/readSSE";
import { answer } from "../../src/llm/offlineModel";
import type { ProgressiveRecord } from "../../src/routes/progressive";
import { callWorker, upstream } from "../support/callWorker";
import { flakyFetch } from "../support/flakyFetch";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" };
const jsonlAccept = { headers: { accept: "application/jsonl" } };

describe("a durable JSON Lines stream: /api/progressive?resume=1", () => {
  it("names its stream, sends its parts, and replays from any ?after= position", async () => {
    const response = await callWorker("/api/progressive?resume=1&users=60&tasks=10", jsonlAccept);
    const id = response.headers.get("stream-id")!;
    expect(response.headers.get("content-location")).toBe(`/api/streams/${id}`);
    expect(response.headers.get("content-type")).toBe("application/jsonl");
    const whole = readJSONL<ProgressiveRecord>(response);
    const records = await whole.all();
    expect(records).toEqual([{ tasks: expect.any(Array) }, { users: expect.any(Array) }]);
    expect(await whole.summary).toEqual({ parts: 2 });
    expect(whole.position).toBe(2);

    const rest = await callWorker(`/api/streams/${id}?after=1`, jsonlAccept);
    expect(await rest.text()).toBe(`${JSON.stringify(records[1])}\n{"$done":{"parts":2}}\n`);
    const again = readJSONL(await callWorker(`/api/streams/${id}?after=0`, jsonlAccept));
    expect(await again.all()).toEqual(records);
    // Asking for no framing gets the route's own: JSON Lines, as text/plain so a browser shows it.
    const plain = await callWorker(`/api/streams/${id}?after=1`);
    expect(plain.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await plain.text()).toBe(`${JSON.stringify(records[1])}\n{"$done":{"parts":2}}\n`);
  });

  it("is read as SSE too, with <stream>:<seq> event ids, when SSE is asked for", async () => {
    const response = await callWorker("/api/progressive?resume=1&users=20&tasks=10", jsonlAccept);
    const id = response.headers.get("stream-id")!;
    await response.text();
    const asSSE = await callWorker(`/api/streams/${id}`, { headers: { accept: "text/event-stream" } });
    const text = await asSSE.text();
    expect(text).toContain(`id: ${id}:1\n`);
    expect(text).toContain(`event: done\nid: ${id}:3\n`);
  });

  it("progressive() survives a dropped connection: the reader reconnects with ?after= and every part arrives once", async () => {
    const { fetch, connections } = flakyFetch({}, { drops: 1, chunks: 1 });
    const response = await fetch("/api/progressive?resume=1&users=300&tasks=10", jsonlAccept);
    const urls: string[] = [];
    const counting: typeof fetch = (url, init) => (urls.push(String(url)), fetch(url, init));
    const data = progressive<ProgressiveRecord>(response, { resume: { fetch: counting, retryMs: 1 } });
    expect(await data.tasks).toHaveLength(2);
    expect(await data.users).toHaveLength(3);
    expect(connections).toHaveLength(2);
    expect(urls).toEqual([`${response.headers.get("content-location")}?after=1`]);
  });
});

describe("a durable chat stream read as JSON Lines", () => {
  it("gives the same records as the SSE reader of the same stream", async () => {
    const response = await callWorker("/api/chat?resume=1&q=both+framings", jsonlAccept, offline);
    expect(response.status).toBe(200);
    const location = response.headers.get("content-location")!;
    const asJSONL = await readJSONL<string>(response).all();
    const asSSE = await readSSE<string>(await callWorker(location, { headers: { accept: "text/event-stream" } }, offline)).all();
    expect(asJSONL).toEqual(answer("both framings"));
    expect(asSSE).toEqual(asJSONL);
  });
});

describe("packed records", () => {
  it("stores a fast answer's records many to a row, and replays them all, in order, a read at a time", async () => {
    const response = await callWorker("/api/chat?resume=1&q=packed", {}, { ...upstream("ok-0-300"), CHAT_MAX_TOKENS: "1000" });
    const id = response.headers.get("stream-id")!;
    const live = await readSSE<string>(response).all();
    expect(live).toHaveLength(300);
    const rows = await runInDurableObject(env.STREAMS.getByName(id), (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM records").one().n,
    );
    expect(rows).toBeLessThan(30);

    const batches: string[][] = [];
    const replay = readSSE<string>(await callWorker(`/api/chat/${id}?after=0`, {}, offline), { onBatch: (batch) => batches.push(batch) });
    expect(await replay.all()).toEqual(live);
    // One call per network read, not per record: a replay of 300 is a handful of renders.
    expect(batches.length).toBeLessThan(live.length / 20);
  });
});

describe("memory a durable stream's readers may hold", () => {
  it("refuses a reader past DURABLE_MAX_READERS with 503 and Retry-After, and takes one again when a reader leaves", async () => {
    const vars = { ...offline, OFFLINE_TOKEN_MS: "20", DURABLE_MAX_READERS: "2" };
    const first = await callWorker("/api/chat?resume=1&q=many+readers+of+one+answer", {}, vars);
    const location = first.headers.get("content-location")!;
    const second = await callWorker(location, {}, vars);
    expect(second.status).toBe(200);
    const third = await callWorker(location, {}, vars);
    expect(third.status).toBe(503);
    expect(third.headers.get("retry-after")).toBe("5");
    expect(await third.json()).toMatchObject({ error: { code: "too_many_readers" } });
    await second.body!.cancel();
    await vi.waitFor(async () => expect((await callWorker(location, {}, vars)).status).toBe(200));
    await first.text();
  });

  it("drops a reader that leaves more than DURABLE_READER_BUFFER_BYTES unread; it resumes and gets every record once", async () => {
    const vars = { ...upstream("ok-1-2000"), CHAT_MAX_TOKENS: "4000", DURABLE_READER_BUFFER_BYTES: "1024" };
    const starter = await callWorker("/api/chat?resume=1&q=slow+reader", {}, vars);
    const location = starter.headers.get("content-location")!;
    // Joins at once and reads nothing while the answer is written.
    const stalled = await callWorker(location, {}, vars);
    const live = await readSSE<string>(starter).all();
    expect(live).toHaveLength(2000);
    // Dropped: what it has, it keeps; it reconnects from its last event id for the rest, and has each record once.
    const reconnects: string[] = [];
    const reconnect = (url: string | URL | Request, init?: RequestInit) => {
      reconnects.push(new Headers(init?.headers).get("last-event-id") ?? "");
      return callWorker(new URL(String(url), "http://worker").pathname, init, vars);
    };
    const resumed = readSSE<string>(stalled, { resume: { fetch: reconnect, retryMs: 1 } });
    expect(await resumed.all()).toEqual(live);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
  });

  it("ends a reader that joined before the first record when the stream fails: the AI SDK reader is not left streaming", async () => {
    const vars = upstream("stall");
    const chatId = `chat-${Date.now()}-early-reader`;
    const answer = callWorker("/api/ai/chat", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: chatId, messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] }] }) }, vars);
    let reader: Response | undefined;
    while (!reader) {
      const attempt = await callWorker(`/api/ai/chat/${chatId}/stream`, {}, vars);
      if (attempt.status === 200) reader = attempt;
      else await attempt.body?.cancel();
    }
    const text = await reader.text();
    expect(text).toContain('"type":"error"');
    expect((await answer).status).toBe(504);
  });
});
