import { EventSource } from "eventsource";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readSSE } from "../../../src/client/readSSE";
import { answer } from "../../../src/model/offlineModel";
import { parseSSE, type ServerSentEvent } from "../../../src/streams/parseSSE";
import { readLines } from "../../../src/streams/readLines";
import { drain } from "../../support/chunked";
import { flakyFetch } from "../../support/flakyFetch";
import { callWorker, postJSON, upstream, upstreamRequests } from "../../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

// Slow enough that a reader can leave mid-answer: ~35 words, 15 ms apart.
const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" };

/** Starts a resumable answer to `q`. */
function start(q: string, vars: Partial<Env> = offline, init: RequestInit = {}): Promise<Response> {
  return callWorker(`/api/chat?resume=1&q=${encodeURIComponent(q)}`, init, vars);
}

/** Reads a stream's events; with `leaveAfter`, drops the connection after that many (the body is cancelled). */
async function readEvents(response: Response, leaveAfter = Infinity): Promise<ServerSentEvent[]> {
  expect(response.status).toBe(200);
  const events: ServerSentEvent[] = [];
  for await (const event of parseSSE(readLines(response.body!))) {
    events.push(event);
    if (events.length >= leaveAfter) break;
  }
  return events;
}

const text = (events: ServerSentEvent[]) =>
  events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data) as string).join("");
const seqs = (events: ServerSentEvent[]) => events.map((e) => Number(e.id.split(":")[1]));
const streamId = (response: Response) => response.headers.get("stream-id")!;
const stub = (id: string) => env.STREAMS.getByName(id);

/** The fake upstream's record of the request whose prompt was `q`. */
async function seenUpstream(q: string) {
  const seen = (await upstreamRequests()).filter((r) => JSON.stringify(r).includes(JSON.stringify(q)));
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe("a resumable chat stream", () => {
  it("names its stream in Stream-Id and Content-Location, and ids each event <stream id>:<seq>", async () => {
    const response = await start("ids");
    const id = streamId(response);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(response.headers.get("content-location")).toBe(`/api/chat/${id}`);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = await readEvents(response);
    expect(text(events)).toBe(answer("ids").join(""));
    expect(events.map((e) => e.id)).toEqual(events.map((_, k) => `${id}:${k + 1}`));
    expect(events.at(-1)).toMatchObject({ event: "done" });
  });

  it("reads with readSSE like a plain stream: the same tokens and summary", async () => {
    const resumable = await drain(readSSE<string>(await start("same")));
    const plain = await drain(readSSE<string>(await callWorker("/api/chat?q=same", {}, offline)));
    expect(resumable).toEqual(plain);
  });

  it("is started by POST with ?resume=1 or with \"resume\": true in the body", async () => {
    for (const [path, body] of [["/api/chat?resume=1", { message: "post" }], ["/api/chat", { message: "post", resume: true }]] as const) {
      const response = await callWorker(path, postJSON(body), offline);
      expect(streamId(response)).toBeTruthy();
      expect(text(await readEvents(response))).toBe(answer("post").join(""));
    }
  });

  it("after a drop mid-answer, a reconnect with Last-Event-ID gets the rest: joined, the text equals the uninterrupted answer", async () => {
    const first = await start("drop and come back");
    const id = streamId(first);
    const before = await readEvents(first, 5);
    const after = await readEvents(await callWorker(`/api/chat/${id}`, { headers: { "last-event-id": before.at(-1)!.id } }));
    expect(text(before) + text(after)).toBe(answer("drop and come back").join(""));
    // Every event once, in order, none skipped.
    expect([...seqs(before), ...seqs(after)]).toEqual([...before, ...after].map((_, k) => k + 1));
    expect(after.at(-1)).toMatchObject({ event: "done" });
  });

  it("resumes when EventSource reconnects to the URL that started it, carrying only Last-Event-ID", async () => {
    const first = await start("eventsource style");
    const before = await readEvents(first, 3);
    const again = await start("eventsource style", offline, { headers: { "last-event-id": before.at(-1)!.id } });
    expect(streamId(again)).toBe(streamId(first));
    const after = await readEvents(again);
    expect(text(before) + text(after)).toBe(answer("eventsource style").join(""));
  });

  it("replays from ?after=N, and Last-Event-ID wins over it", async () => {
    const response = await start("after");
    const id = streamId(response);
    const whole = await readEvents(response);
    const fromFive = await readEvents(await callWorker(`/api/chat/${id}?after=5`));
    expect(fromFive).toEqual(whole.slice(5));
    const fromTen = await readEvents(await callWorker(`/api/chat/${id}?after=5`, { headers: { "last-event-id": `${id}:10` } }));
    expect(fromTen).toEqual(whole.slice(10));
  });

  it("gives two readers at once each the whole stream", async () => {
    const first = await start("two readers");
    const firstEvents = readEvents(first);
    const second = await callWorker(`/api/chat/${streamId(first)}`);
    const [a, b] = await Promise.all([firstEvents, readEvents(second)]);
    expect(text(a)).toBe(answer("two readers").join(""));
    expect(b).toEqual(a);
  });

  it("keeps answering with nobody connected, and a reader who comes back gets all of it", async () => {
    const q = "nobody listening";
    const first = await start(q, upstream("ok-10-40"));
    const before = await readEvents(first, 1);
    // The upstream finishes its 40 tokens while no reader is connected.
    await vi.waitFor(async () => expect((await seenUpstream(q)).tokensSent).toBe(40), { timeout: 5000, interval: 50 });
    const after = await readEvents(await callWorker(`/api/chat/${streamId(first)}`, { headers: { "last-event-id": before[0]!.id } }));
    expect(text(before) + text(after)).toBe(Array.from({ length: 40 }, (_, k) => `t${k + 1} `).join(""));
    expect(after.at(-1)).toMatchObject({ event: "done" });
    expect((await seenUpstream(q)).abortedAt).toBeNull();
  });

  it("sends every reader a heartbeat while the model is silent, and the watchdog's error at the end", async () => {
    // Two tokens, then silence: heartbeats every 50 ms until the 400 ms idle watchdog ends the stream.
    const first = await start("silence", { ...upstream("stallmid"), HEARTBEAT_MS: "50" });
    const second = await callWorker(`/api/chat/${streamId(first)}`);
    for (const wire of await Promise.all([first.text(), second.text()])) {
      expect(wire.match(/^: ping$/gm)?.length).toBeGreaterThan(2);
      expect(wire).toMatch(/event: error\nid: \S+\ndata: .*"code":"upstream_timeout"/);
    }
  });

  it("answers 204 to a reader who already has the end, which stops EventSource reconnecting", async () => {
    const response = await start("the end");
    const events = await readEvents(response);
    const again = await callWorker(`/api/chat/${streamId(response)}`, { headers: { "last-event-id": events.at(-1)!.id } });
    expect(again.status).toBe(204);
  });
});

describe("the limits of a resumable chat stream", () => {
  it("stops the model once no reader was connected for DURABLE_DETACHED_SECONDS, and records why", async () => {
    const q = "abandoned";
    const first = await start(q, { ...upstream("ok-40-100"), DURABLE_DETACHED_SECONDS: "1" });
    const before = await readEvents(first, 1);
    await vi.waitFor(async () => expect((await seenUpstream(q)).abortedAt).not.toBeNull(), { timeout: 5000, interval: 50 });
    expect((await seenUpstream(q)).tokensSent).toBeLessThan(100);
    const after = await readEvents(await callWorker(`/api/chat/${streamId(first)}`, { headers: { "last-event-id": before[0]!.id } }));
    expect(after.at(-1)).toMatchObject({ event: "error", data: expect.stringContaining('"code":"abandoned"') });
  });

  it("ends with stream_too_large and stops the model when the answer passes DURABLE_MAX_EVENTS", async () => {
    const events = await readEvents(await start("too long", { ...offline, OFFLINE_TOKEN_MS: "0", DURABLE_MAX_EVENTS: "10" }));
    expect(events).toHaveLength(10);
    expect(events.at(-1)).toMatchObject({ event: "error", data: expect.stringContaining('"code":"stream_too_large"') });
  });

  it("ends with stream_too_large when the answer passes DURABLE_MAX_BYTES", async () => {
    const events = await readEvents(await start("too big", { ...upstream("ok-0-400"), DURABLE_MAX_BYTES: "1024" }));
    const recorded = events.slice(0, -1).reduce((sum, e) => sum + e.data.length, 0);
    expect(recorded).toBeLessThanOrEqual(1024);
    expect(events.at(-1)).toMatchObject({ event: "error", data: expect.stringContaining('"code":"stream_too_large"') });
  });

  it("counts DURABLE_MAX_BYTES in UTF-8 bytes, not characters", async () => {
    const events = await readEvents(await start("wide", { ...upstream("wide-0-400"), DURABLE_MAX_BYTES: "1024" }));
    const utf8 = new TextEncoder();
    const recorded = events.slice(0, -1).reduce((sum, e) => sum + utf8.encode(e.data).byteLength, 0);
    expect(recorded).toBeGreaterThan(900);
    expect(recorded).toBeLessThanOrEqual(1024);
    expect(events.at(-1)).toMatchObject({ event: "error", data: expect.stringContaining('"code":"stream_too_large"') });
  });

  it("refuses ?after= or Last-Event-ID past the last event recorded with 400, sending no event", async () => {
    const response = await start("past the end");
    const id = streamId(response);
    const whole = await readEvents(response);
    for (const init of [{}, { headers: { "last-event-id": `${id}:${whole.length + 1}` } }]) {
      const path = "headers" in init ? `/api/chat/${id}` : `/api/chat/${id}?after=${whole.length + 5}`;
      const past = await callWorker(path, init);
      expect(past.status).toBe(400);
      expect(await past.json()).toMatchObject({ error: { code: "bad_request" } });
    }
  });

  it("refuses ?after= past the live position of a stream still answering with 400", async () => {
    const response = await start("live", upstream("ok-40-100"));
    const id = streamId(response);
    const past = await callWorker(`/api/chat/${id}?after=500`);
    expect(past.status).toBe(400);
    await callWorker(`/api/chat/${id}`, { method: "DELETE" });
    await response.body?.cancel();
  });
});

describe("cancelling a resumable chat stream", () => {
  it("DELETE mid-answer aborts the upstream, ends every reader with error cancelled, and forgets the stream", async () => {
    const q = "cancel me";
    const response = await start(q, upstream("ok-40-100"));
    const id = streamId(response);
    const events = readEvents(response);
    const deleted = await callWorker(`/api/chat/${id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    const seen = await events;
    expect(seen.at(-1)).toMatchObject({ event: "error", data: expect.stringContaining('"code":"cancelled"') });
    await vi.waitFor(async () => expect((await seenUpstream(q)).abortedAt).not.toBeNull(), { timeout: 3000, interval: 50 });
    expect((await seenUpstream(q)).tokensSent).toBeLessThan(100);
    expect((await callWorker(`/api/chat/${id}`)).status).toBe(404);
    expect((await callWorker(`/api/chat/${id}`, { method: "DELETE" })).status).toBe(404);
  });
});

describe("what a resumable chat stream stores", () => {
  it("keeps the answer's records but never the model's API key, which the producer was handed", async () => {
    const response = await start("stored", upstream("ok"));
    const id = streamId(response);
    const [first] = (await readEvents(response)).filter((e) => e.event === "message");
    expect((await seenUpstream("stored")).authorization).toBe("Bearer sk-test-secret");
    const [stream, records] = await runInDurableObject(stub(id), (_, state) =>
      ["stream", "records"].map((table) => state.storage.sql.exec(`SELECT * FROM ${table}`).toArray()),
    );
    // The rows are there to search: the answer's first record among the stored lines.
    expect(records!.flatMap((row) => String(row.data).split("\n"))).toContain(first!.data);
    expect(JSON.stringify([stream, records])).not.toContain("sk-test-secret");
  });
});

describe("the alarm of a resumable chat stream", () => {
  it("deletes a finished stream once its keep time is up, leaving no storage behind", async () => {
    const response = await start("expire");
    const id = streamId(response);
    await readEvents(response);
    expect((await callWorker(`/api/chat/${id}?after=0`)).status).toBe(200);
    expect(await runDurableObjectAlarm(stub(id))).toBe(true);
    expect((await callWorker(`/api/chat/${id}?after=0`)).status).toBe(404);
    const tables = await runInDurableObject(stub(id), (_, state) => state.storage.sql.exec("SELECT name FROM sqlite_master").toArray());
    expect(tables).toEqual([]);
  });

  it("only watches a stream that is still answering: it runs to its end", async () => {
    const response = await start("watchdog");
    const events = readEvents(response);
    expect(await runDurableObjectAlarm(stub(streamId(response)))).toBe(true);
    expect(text(await events)).toBe(answer("watchdog").join(""));
  });

  it("ends a stream whose answer was lost to a restart with error interrupted, keeping what was recorded", async () => {
    const response = await start("restart");
    const id = streamId(response);
    const before = await readEvents(response, 4);
    await abortAllDurableObjects();
    const after = await readEvents(await callWorker(`/api/chat/${id}`, { headers: { "last-event-id": before.at(-1)!.id } }));
    const end = after.at(-1)!;
    expect(end).toMatchObject({ event: "error", data: expect.stringContaining('"code":"interrupted"') });
    // Records are written once a second, so a restart this early may lose what the reader saw: it is never sent a
    // record twice, and the end's id brings a reconnect to 204, not to the end again.
    const records = [...before, ...after.slice(0, -1)];
    expect(seqs(records)).toEqual(records.map((_, k) => k + 1));
    expect((await callWorker(`/api/chat/${id}`, { headers: { "last-event-id": end.id } })).status).toBe(204);
  });
});

describe("resumable chat stream refusals", () => {
  it("answers an error before the first token as a status, and keeps no stream", async () => {
    const response = await start("limited", upstream("429"));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("stream-id")).toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: "upstream_rate_limited" } });
  });

  it.each([
    ["an id that is not one", "/api/chat/nope", {}, 404, "stream_not_found"],
    ["an id of no stream", "/api/chat/AAAAAAAAAAAAAAAAAAAAAA", {}, 404, "stream_not_found"],
    ["DELETE of no stream", "/api/chat/AAAAAAAAAAAAAAAAAAAAAA", { method: "DELETE" }, 404, "stream_not_found"],
    ["after that is not a number", "/api/chat/AAAAAAAAAAAAAAAAAAAAAA?after=x", {}, 400, "bad_request"],
    ["a Last-Event-ID of another stream", "/api/chat/AAAAAAAAAAAAAAAAAAAAAA", { headers: { "last-event-id": "BBBBBBBBBBBBBBBBBBBBBB:3" } }, 400, "bad_request"],
  ] as const)("refuses %s", async (_name, path, init, status, code) => {
    const response = await callWorker(path, init as RequestInit, offline);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it("probing an unknown id creates no storage", async () => {
    await callWorker("/api/chat/CCCCCCCCCCCCCCCCCCCCCC");
    const tables = await runInDurableObject(stub("CCCCCCCCCCCCCCCCCCCCCC"), (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("wants the API token to read or cancel when one is set", async () => {
    const response = await start("token", { ...offline, API_TOKEN: "t0ken" }, { headers: { authorization: "Bearer t0ken" } });
    const id = streamId(response);
    await readEvents(response);
    const vars = { ...offline, API_TOKEN: "t0ken" };
    expect((await callWorker(`/api/chat/${id}`, {}, vars)).status).toBe(401);
    expect((await callWorker(`/api/chat/${id}`, { method: "DELETE" }, vars)).status).toBe(401);
    expect((await callWorker(`/api/chat?q=token`, { headers: { "last-event-id": `${id}:1` } }, vars)).status).toBe(401);
    expect((await callWorker(`/api/chat/${id}`, { headers: { authorization: "Bearer t0ken" } }, vars)).status).toBe(200);
  });
});

describe("the eventsource client and a resumable chat stream", () => {
  it("reconnects by itself after each drop and gets every event exactly once", async () => {
    const q = "eventsource reconnects";
    // 60 ms a word: the answer is still being written at the second reconnect, a second (`retry: 1000`) after the first.
    const { fetch, connections } = flakyFetch({ ...offline, OFFLINE_TOKEN_MS: "60" }, { drops: 2, chunks: 3 });
    const source = new EventSource(`http://worker/api/chat?resume=1&q=${encodeURIComponent(q)}`, { fetch });
    const messages = await new Promise<MessageEvent[]>((resolve, reject) => {
      const seen: MessageEvent[] = [];
      // addEventListener, not onmessage: workerd's EventTarget calls on<type> handlers itself, and eventsource does too.
      source.addEventListener("message", (event) => seen.push(event));
      source.addEventListener("done", () => resolve(seen));
      source.addEventListener("error", (event) => (event as { code?: number }).code !== undefined && reject(event));
    });
    source.close();
    expect(connections).toHaveLength(3);
    expect(connections[0]).toBeNull();
    expect(connections.slice(1).every((id) => id?.includes(":"))).toBe(true);
    expect(messages.map((m) => JSON.parse(m.data)).join("")).toBe(answer(q).join(""));
    expect(messages.map((m) => Number(m.lastEventId.split(":")[1]))).toEqual(messages.map((_, k) => k + 1));
  });
});
