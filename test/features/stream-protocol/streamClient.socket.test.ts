import { DurableStream, IdempotentProducer } from "@durable-streams/client";
import { durableStreamConnection, toDurableStreamResponse } from "@durable-streams/tanstack-ai-transport";
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { useWranglerDev } from "../../e2e/wranglerDev";

// `npm start`, with the offline model fast and a short long-poll.
const worker = useWranglerDev(() => ({ OFFLINE_TOKEN_MS: "5", STREAM_LONG_POLL_SECONDS: "2" }));

const streamUrl = (name: string) => new URL(`/v1/stream/${name}-${crypto.randomUUID()}`, worker.url).href;

/** Takes `n` items of a live iterator, then leaves it. */
async function take<T>(items: AsyncIterable<T>, n: number): Promise<T[]> {
  const got: T[] = [];
  if (n === 0) return got;
  for await (const item of items) {
    got.push(item);
    if (got.length === n) break;
  }
  return got;
}

describe("@durable-streams/client against the Worker", () => {
  it("an IdempotentProducer's close whose answer was lost is sent again and kept once; a restarted producer's batch too", async () => {
    const url = streamUrl("producer");
    let lose = false;
    let lost = 0;
    // While `lose` is set, the network drops the answer to a POST after the Worker took it.
    const flaky: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== "POST" || !lose) return response;
      lost++;
      await response.body?.cancel();
      throw new TypeError("fetch failed: the connection was reset");
    };
    const stream = await DurableStream.create({ url, contentType: "application/json" });
    const producer = new IdempotentProducer(stream, "writer-1", { fetch: flaky, lingerMs: 0 });
    producer.append(JSON.stringify({ n: 1 }));
    producer.append(JSON.stringify({ n: 2 }));
    await producer.flush();
    // The same producer, restarted without its state: its first batch again, in the same epoch.
    const restarted = new IdempotentProducer(stream, "writer-1", { lingerMs: 0 });
    restarted.append(JSON.stringify({ n: 1 }));
    await restarted.flush();
    lose = true;
    await expect(producer.close(JSON.stringify({ n: 3 }))).rejects.toThrow(/connection was reset/);
    lose = false;
    // The client's retry of the close: the same producer, epoch and seq, so the Worker answers it as done.
    await expect(producer.close()).resolves.toMatchObject({ finalOffset: expect.any(String) });
    expect(lost).toBe(1);
    const read = await stream.stream({ live: false });
    expect(await read.json()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(read.streamClosed).toBe(true);
  });

  for (const live of ["sse", "long-poll"] as const) {
    it(`follows appends live over ${live}, and a reader that drops resumes from its saved offset missing nothing`, async () => {
      const url = streamUrl(live);
      const stream = await DurableStream.create({ url, contentType: "application/json" });
      await stream.append(JSON.stringify({ n: 1 }));
      const first = await stream.stream<{ n: number }>({ live });
      const reading = take(first.jsonStream(), 3);
      await stream.append(JSON.stringify({ n: 2 }));
      await stream.append(JSON.stringify({ n: 3 }));
      expect(await reading).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const saved = first.offset;
      first.cancel();
      // Written while nobody reads.
      await stream.append(JSON.stringify({ n: 4 }));
      await stream.append(JSON.stringify({ n: 5 }));
      const again = await stream.stream<{ n: number }>({ live, offset: saved });
      const rest = take(again.jsonStream(), 3);
      await stream.close({ body: JSON.stringify({ n: 6 }) });
      expect(await rest).toEqual([{ n: 4 }, { n: 5 }, { n: 6 }]);
      again.cancel();
    });
  }

  // The chat feature's durable answer, over SSE (the feature's framing is in the Worker's stream object); left out
  // when the chat feature is removed.
  it.skipIf(!existsSync("src/features/chat"))("reads a chat answer started with ?resume=1 through the protocol over SSE: one message per record, then the end, then closed", async () => {
    const chat = await fetch(new URL("/api/chat?q=protocol&resume=1", worker.url));
    const streamId = chat.headers.get("stream-id")!;
    expect(streamId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const url = new URL(`/v1/stream/${encodeURIComponent(streamId)}`, worker.url).href;
    const read = await new DurableStream({ url, contentType: "application/json" }).stream<Record<string, unknown>>({ live: "sse" });
    // The iterator ends when the stream is closed.
    const messages: Record<string, unknown>[] = [];
    for await (const message of read.jsonStream()) messages.push(message);
    expect(read.streamClosed).toBe(true);
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.at(-1)).toHaveProperty("$done");
    // The same records the SSE reader of the chat got, in order.
    const sse = (await chat.text()).split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)));
    expect(messages.slice(0, -1)).toEqual(sse.slice(0, messages.length - 1));
    // Its producer writes it: the client's append is refused.
    await expect(new DurableStream({ url, contentType: "application/json" }).append(JSON.stringify({ forged: true }))).rejects.toMatchObject({ status: 405 });
  });

  it("carries a TanStack AI run through TanStack's durable stream adapter: its connection follows what its server helper writes", async () => {
    const url = streamUrl("tanstack");
    const chunks = [
      { type: "RUN_STARTED", runId: "r1", threadId: "t1" },
      { type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" },
      ...["Hel", "lo ", "there"].map((delta) => ({ type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta })),
      { type: "TEXT_MESSAGE_END", messageId: "m1" },
      { type: "RUN_FINISHED", runId: "r1", threadId: "t1" },
    ];
    await DurableStream.create({ url, contentType: "application/json" });
    // The browser side: its connection follows the stream over SSE (a snapshot of the messages so far, then each
    // chunk) until the stream is closed.
    const read: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of durableStreamConnection({ sendUrl: url }).subscribe()) read.push(chunk);
    })();
    async function* run() {
      for (const chunk of chunks) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield chunk;
      }
    }
    // The server side: the adapter appends each chunk as the run makes it, then closes the stream.
    const written = await toDurableStreamResponse(run(), { stream: { writeUrl: url }, mode: "await" });
    expect(written.status).toBe(200);
    await reading;
    expect(read).toEqual([{ type: "MESSAGES_SNAPSHOT", messages: [] }, ...chunks]);
  });
});
