import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { readJSONL } from "../../../src/client/readJSONL";
import { readSSE } from "../../../src/client/readSSE";
import { answer } from "../../../src/model/offlineModel";
import { callWorker, upstream } from "../../support/callWorker";

let logged: MockInstance;
beforeEach(() => {
  logged = vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" };
const jsonlAccept = { headers: { accept: "application/jsonl" } };

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

describe("a chat's durable stream and the model settings", () => {
  it("is read and cancelled with a bad OPENAI_BASE_URL: reading needs no model settings", async () => {
    const started = await callWorker("/api/chat?resume=1&q=read+me", {}, { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" });
    await started.text();
    const location = started.headers.get("content-location")!;
    const broken = { OPENAI_BASE_URL: "not a url" };
    expect((await callWorker(`${location}?after=0`, {}, broken)).status).toBe(200);
    expect((await callWorker(location, { method: "DELETE" }, broken)).status).toBe(204);
  });
});

describe("a durable chat answer's usage", () => {
  /** The stream-end lines logged for the answer of `route` (records of that stream only). */
  const ends = (route: string) =>
    logged.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes('"stream ended"') && line.includes(`"route":"${route}"`))
      .map((line) => JSON.parse(line) as { usage?: Record<string, unknown>; readers?: number });

  it("is counted once, by the producer, however many readers replay the answer", async () => {
    const started = await callWorker("/api/chat?resume=1&q=count+me+once", {}, upstream("ok"));
    const location = started.headers.get("content-location")!;
    const live = await readSSE<string>(started).all();
    const replays = await Promise.all([1, 2, 3, 4].map(async () => readSSE<string>(await callWorker(`${location}?after=0`, {}, offline)).all()));
    expect(replays).toEqual([live, live, live, live]);
    const withUsage = ends("/api/chat").filter((end) => end.usage);
    expect(withUsage).toEqual([expect.objectContaining({ usage: { prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 }, tried: 1 })]);
  });
});
