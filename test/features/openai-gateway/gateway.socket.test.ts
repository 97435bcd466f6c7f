import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../../node/fakeOpenAI";
import { useWranglerDev } from "../../e2e/wranglerDev";

let fake: FakeOpenAI;
beforeAll(async () => (fake = await startFakeOpenAI()));
afterAll(() => fake?.close());

// A long, slow answer: 200 tokens 50 ms apart, so the client always leaves mid-answer. `wrangler dev`, not the
// test harness: only there does a cancelled subrequest close its socket, as on the edge.
const worker = useWranglerDev(() => ({ OPENAI_BASE_URL: `${fake.url}/ok-50-200/v1`, OPENAI_API_KEY: "sk-test-secret" }));

/** Waits until the fake upstream saw the request to `path` closed early; returns how long after `since`. */
async function upstreamClosedAfter(since: number, path: string): Promise<number> {
  return vi.waitFor(
    () => {
      const seen = fake.requests.find((r) => r.path.includes(path) && r.abortedAt !== null);
      if (!seen) throw new Error("the upstream request is still open");
      return seen.abortedAt! - since;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe("a gateway client that leaves, over real sockets", () => {
  it("aborts the upstream request within a second when an openai SDK client aborts its stream", async () => {
    fake.requests.length = 0;
    const client = new OpenAI({ baseURL: new URL("/v1", worker.url).href, apiKey: "anything", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "leave" }],
      stream: true,
    });
    let read = 0;
    for await (const _chunk of stream) if (++read === 3) stream.controller.abort();
    const leftAt = Date.now();
    expect(await upstreamClosedAfter(leftAt, "/chat/completions")).toBeLessThan(1_000);
  });
});
