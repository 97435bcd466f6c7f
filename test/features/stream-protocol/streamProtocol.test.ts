import { DurableStream, FetchError } from "@durable-streams/client";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { newStreamId } from "../../../src/streams/durable/streamId";
import { callWorker, workerFetch } from "../../support/callWorker";

const url = (name: string) => `http://worker/v1/stream/${name}-${crypto.randomUUID()}`;
const nameOf = (at: string) => decodeURIComponent(new URL(at).pathname.slice("/v1/stream/".length));

/** Gives the stream's object other settings: it reads its limits from its own env, as deployed. */
async function objectVars(at: string, vars: Partial<Env>): Promise<void> {
  await runInDurableObject(env.PROTOCOL_STREAMS.getByName(nameOf(at)), (instance) => {
    const object = instance as unknown as { env: Env };
    object.env = { ...object.env, ...vars };
  });
}

/**
 * Sends 400 KiB of bytes to the stream (three parts in its log), restarts its object while the rest is awaited, then
 * lets the rest go: the answer, if the request got one.
 */
async function restartedWhileSending(at: string, method: "PUT" | "POST", more: Record<string, string> = {}): Promise<Response | undefined> {
  const { body, sent, release } = heldBody(new Uint8Array(400 * 1024).fill(9), new Uint8Array(10));
  const headers = { "content-type": "application/octet-stream", ...more };
  const answer = callWorker(new URL(at).pathname, { method, headers, body, duplex: "half" } as RequestInit).catch(() => undefined);
  await sent;
  // The object is recording (its log exists: a creation has checked its fork's source and copied from it).
  const object = env.PROTOCOL_STREAMS.getByName(nameOf(at));
  const hasLog = (state: DurableObjectState) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'records'").toArray().length;
  await vi.waitFor(async () => expect(await runInDurableObject(object, (_, state) => hasLog(state))).toBe(1));
  // abort() ends the object's every request, this one's too.
  await runInDurableObject(object, (_, state) => state.abort("restarted on purpose")).catch(() => {});
  release();
  return answer;
}

/** A body that sends `first`, then waits for `release()` to send `rest`: an append held in flight. */
function heldBody(first: Uint8Array, rest: Uint8Array) {
  const released = Promise.withResolvers<void>();
  const sent = Promise.withResolvers<void>();
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (step++ === 0) {
        controller.enqueue(first);
        return sent.resolve();
      }
      await released.promise;
      controller.enqueue(rest);
      controller.close();
    },
  });
  return { body, sent: sent.promise, release: released.resolve };
}

describe("/v1/stream/* refusals, as @durable-streams/client sees them", () => {
  it("with API_TOKEN set, reads and writes need its bearer: 401 without it, 201 with it", async () => {
    const vars = { API_TOKEN: "s3cret" };
    const at = url("token");
    await expect(DurableStream.create({ url: at, contentType: "text/plain", fetch: workerFetch(vars) })).rejects.toMatchObject({ status: 401 });
    const stream = await DurableStream.create({ url: at, contentType: "text/plain", fetch: workerFetch(vars), headers: { authorization: "Bearer s3cret" } });
    await stream.append("kept");
    const anonymous = new DurableStream({ url: at, fetch: workerFetch(vars) });
    await expect(anonymous.stream({ live: false })).rejects.toMatchObject({ status: 401 });
    expect(await (await stream.stream({ live: false })).text()).toBe("kept");
  });

  it("as committed (no API_TOKEN, ALLOW_ANONYMOUS false) nobody may create a stream", async () => {
    const create = DurableStream.create({ url: url("closed"), contentType: "text/plain", fetch: workerFetch({ ALLOW_ANONYMOUS: "false" }) });
    await expect(create).rejects.toMatchObject({ status: 401 });
  });

  it("a client over STREAM_CREATE_LIMITER's budget gets 429 with Retry-After", async () => {
    const STREAM_CREATE_LIMITER = { limit: async () => ({ success: false }) } as unknown as RateLimit;
    const response = await callWorker(new URL(url("limited")).pathname, { method: "PUT" }, { STREAM_CREATE_LIMITER });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("10");
  });

  it("a JSON append past STREAM_MAX_JSON_APPEND_BYTES (1 MiB) is a 413 and keeps nothing of itself", async () => {
    const stream = await DurableStream.create({ url: url("full"), contentType: "application/json", fetch: workerFetch() });
    await stream.append(JSON.stringify({ n: 1 }));
    const refused = await stream.append(JSON.stringify({ big: "x".repeat(1024 * 1024) })).catch((error: FetchError) => error);
    expect(refused).toMatchObject({ status: 413 });
    expect(await stream.head()).toMatchObject({ offset: "0000000000000000_0000000000000001" });
    expect(await (await stream.stream({ live: false })).json()).toEqual([{ n: 1 }]);
  });

  it("an append past STREAM_MAX_BYTES is a 413 and keeps nothing of itself", async () => {
    const stream = await DurableStream.create({ url: url("full"), contentType: "application/octet-stream", fetch: workerFetch() });
    await objectVars(stream.url, { STREAM_MAX_BYTES: "1024" });
    await stream.append(new Uint8Array(1000));
    const refused = await stream.append(new Uint8Array(100)).catch((error: FetchError) => error);
    expect(refused).toMatchObject({ status: 413 });
    expect(await stream.head()).toMatchObject({ offset: "0000000000000000_0000000000000001" });
    expect((await (await stream.stream({ live: false })).body()).byteLength).toBe(1000);
  });

  it("a long-poll past STREAM_MAX_WAITERS is a 503 with Retry-After; the ones waiting get the next append", async () => {
    const stream = await DurableStream.create({ url: url("waiters"), contentType: "application/json", fetch: workerFetch() });
    await objectVars(stream.url, { STREAM_MAX_WAITERS: "2" });
    const tail = (await stream.head()) as { offset: string };
    const poll = () => callWorker(`${new URL(stream.url).pathname}?offset=${tail.offset}&live=long-poll`);
    const polls = [poll(), poll(), poll()];
    // The first to answer is the one refused: it can be only once the other two wait.
    const refused = await Promise.race(polls);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    await stream.append(JSON.stringify({ n: 1 }));
    const answers = await Promise.all(polls);
    expect(answers.filter((response) => response !== refused).map((response) => response.status)).toEqual([200, 200]);
    for (const response of answers) if (response !== refused) expect(await response.json()).toEqual([{ n: 1 }]);
  });

  it("an object restarted in the middle of an append keeps the appends before it whole, and none of that one", async () => {
    const at = url("restart");
    const stream = await DurableStream.create({ url: at, contentType: "application/octet-stream", fetch: workerFetch() });
    await stream.append(new Uint8Array([1, 2, 3]));
    const cut = await restartedWhileSending(at, "POST");
    expect(cut === undefined || cut.status >= 500).toBe(true);
    expect(await stream.head()).toMatchObject({ offset: "0000000000000000_0000000000000001" });
    await stream.append(new Uint8Array([4]));
    expect([...(await (await stream.stream({ live: false })).body())]).toEqual([1, 2, 3, 4]);
  });

  it("a creation cut by a restart while its body arrives leaves no stream, and the name can be created again", async () => {
    const at = url("restart-create");
    const cut = await restartedWhileSending(at, "PUT");
    expect(cut === undefined || cut.status >= 500).toBe(true);
    expect((await callWorker(new URL(at).pathname, { method: "HEAD" })).status).toBe(404);
    const stream = await DurableStream.create({ url: at, contentType: "text/plain", body: "again", fetch: workerFetch() });
    expect(await (await stream.stream({ live: false })).text()).toBe("again");
  });

  it("a fork whose creation a restart cut is not counted by its source: the source, deleted, is gone (404), not kept (410)", async () => {
    const source = await DurableStream.create({ url: url("fork-source"), contentType: "application/octet-stream", body: new Uint8Array([1]), fetch: workerFetch() });
    const fork = url("fork-cut");
    const cut = await restartedWhileSending(fork, "PUT", { "stream-forked-from": new URL(source.url).pathname });
    expect(cut === undefined || cut.status >= 500).toBe(true);
    expect((await callWorker(new URL(fork).pathname, { method: "HEAD" })).status).toBe(404);
    await source.delete();
    expect((await callWorker(new URL(source.url).pathname, { method: "HEAD" })).status).toBe(404);
  });

  it("a bytes append whose body fails halfway keeps none of it, and the next append follows the last whole one", async () => {
    const at = url("cut");
    const stream = await DurableStream.create({ url: at, contentType: "application/octet-stream", fetch: workerFetch() });
    await stream.append(new Uint8Array([1, 2, 3]));
    let sent = 0;
    // 600 KiB (several records of the log), then the connection fails.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(new Uint8Array(64 * 1024).fill(7));
        else controller.error(new Error("the client went away"));
      },
    });
    const headers = { "content-type": "application/octet-stream", "content-length": String(1024 * 1024) };
    const cut = await callWorker(new URL(at).pathname, { method: "POST", headers, body, duplex: "half" } as RequestInit).catch(() => undefined);
    expect(cut === undefined || cut.status >= 400).toBe(true);
    await stream.append(new Uint8Array([4]));
    expect([...(await (await stream.stream({ live: false })).body())]).toEqual([1, 2, 3, 4]);
  });

  it("a text stream over SSE keeps a character whose bytes two appends split", async () => {
    const stream = await DurableStream.create({ url: url("utf8"), contentType: "text/plain", fetch: workerFetch() });
    // Following from the tail, so both appends arrive as SSE events (a catch-up read would send the bytes as they are).
    const following = await stream.stream({ live: "sse", offset: "now" });
    const texts: string[] = [];
    const reading = (async () => {
      for await (const chunk of following.textStream()) {
        texts.push(chunk);
        if (texts.join("").length >= 2) break;
      }
    })();
    const bytes = new TextEncoder().encode("né");
    await stream.append(bytes.subarray(0, 2));
    await stream.append(bytes.subarray(2));
    await reading;
    expect(texts.join("")).toBe("né");
  });

  it("a long bytes stream is read back in parts of about 1 MiB, each offset leading to the next", async () => {
    const stream = await DurableStream.create({ url: url("parts"), contentType: "application/octet-stream", fetch: workerFetch() });
    const whole = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    await stream.append(whole);
    const parts: number[] = [];
    let offset = "-1";
    for (;;) {
      const response = await callWorker(`${new URL(stream.url).pathname}?offset=${offset}`);
      const part = new Uint8Array(await response.arrayBuffer());
      if (part.byteLength === 0) break;
      parts.push(part.byteLength);
      offset = response.headers.get("stream-next-offset")!;
    }
    expect(parts.length).toBeGreaterThan(3);
    expect(Math.max(...parts)).toBeLessThanOrEqual(1024 * 1024);
    expect(parts.reduce((a, b) => a + b)).toBe(whole.byteLength);
    expect(new Uint8Array(await (await stream.stream({ live: false })).body()).every((b, i) => b === whole[i])).toBe(true);
  });
});

describe("the project's own durable streams through the protocol", () => {
  // The durable core's own counting producer (TestStreams, test/support/testWorker.ts), standing in for the features'
  // durable streams: the Worker reads it as it reads theirs, from STREAMS.
  const core = { STREAMS: env.TEST_STREAMS as unknown as Env["STREAMS"] };
  const limits = { keepMs: 60_000, detachedMs: 60_000, maxEvents: 1000, maxBytes: 64 * 1024 };
  async function counted(n: number, paceMs: number): Promise<string> {
    const streamId = newStreamId();
    const job = { streamId, producer: "count", input: { n, paceMs }, route: "/test", format: "jsonl", heartbeatMs: 60_000, limits };
    expect(await env.TEST_STREAMS.getByName(streamId).start(job)).toEqual({ ok: true });
    return streamId;
  }

  it("reads as JSON messages (each record, then the end), resumable from any offset, read-only", async () => {
    const streamId = await counted(5, 0);
    const own = new DurableStream({ url: `http://worker/v1/stream/${streamId}`, fetch: workerFetch(core) });
    const all = await own.stream<Record<string, unknown>>({ live: false });
    expect(await all.json()).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }, { $done: { counted: 5 } }]);
    expect(all.streamClosed).toBe(true);
    const head = (await own.head()) as { offset: string };
    expect(head).toMatchObject({ exists: true, contentType: "application/json", streamClosed: true, offset: "0000000000000000_0000000000000006" });
    // From the second record's offset: the rest, nothing before it.
    const rest = await own.stream<Record<string, unknown>>({ live: false, offset: "0000000000000000_0000000000000002" });
    expect(await rest.json()).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }, { $done: { counted: 5 } }]);
    // A reader at its end, over SSE: told it is closed at once.
    const atEnd = await callWorker(`/v1/stream/${streamId}?offset=${head.offset}&live=sse`, {}, core);
    expect(atEnd.headers.get("content-type")).toBe("text/event-stream");
    expect(await atEnd.text()).toBe(`event: control\ndata:{"streamNextOffset":"${head.offset}","streamClosed":true,"upToDate":true}\n\n`);
    for (const method of ["POST", "PUT", "DELETE"]) {
      const refused = await callWorker(`/v1/stream/${streamId}`, { method, headers: { "content-type": "application/json" }, body: method === "DELETE" ? null : "[1]" }, core);
      expect(refused.status).toBe(405);
    }
  });

  it("is followed by long-poll while it is produced, until it ends", async () => {
    const streamId = await counted(4, 100);
    const own = new DurableStream({ url: `http://worker/v1/stream/${streamId}`, fetch: workerFetch(core) });
    const messages: unknown[] = [];
    for await (const message of (await own.stream({ live: "long-poll" })).jsonStream()) messages.push(message);
    expect(messages).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { $done: { counted: 4 } }]);
  });

  it("a name shaped like one of the project's stream ids that is none of them is a protocol stream's", async () => {
    const name = "abcdefghijklmnopqrstuv";
    const stream = await DurableStream.create({ url: `http://worker/v1/stream/${name}`, contentType: "text/plain", fetch: workerFetch() });
    await stream.append("mine");
    expect(await (await stream.stream({ live: false })).text()).toBe("mine");
    await stream.delete();
  });
});
