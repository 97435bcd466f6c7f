import OpenAI from "openai";
import { describe, expect, it, vi } from "vitest";
import { useFakeUpstream } from "../../e2e/fakeUpstream";
import { useWranglerDev } from "../../e2e/wranglerDev";

const { upstream, closedAfter } = useFakeUpstream();

// A long, slow answer: 200 tokens 50 ms apart, so the client always leaves mid-answer. `wrangler dev`, not the
// test harness: only there does a cancelled subrequest close its socket, as on the edge.
const worker = useWranglerDev(() => ({ OPENAI_BASE_URL: `${upstream().url}/ok-50-200/v1`, OPENAI_API_KEY: "sk-test-secret" }));

describe("a gateway client that leaves, over real sockets", () => {
  it("aborts the upstream request within a second when an openai SDK client aborts its stream", async () => {
    upstream().requests.length = 0;
    const client = new OpenAI({ baseURL: new URL("/v1", worker.url).href, apiKey: "anything", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "leave" }],
      stream: true,
    });
    let read = 0;
    for await (const _chunk of stream) if (++read === 3) stream.controller.abort();
    const leftAt = Date.now();
    expect(await closedAfter(leftAt, "/chat/completions")).toBeLessThan(1_000);
    // The usage chunk never came, and the answer is still counted, once: estimated from what was sent and relayed.
    const ended = await vi.waitFor(() => {
      const lines = worker.output.split("\n").filter((line) => line.includes('"stream ended"'));
      if (lines.length === 0) throw new Error("no log line yet");
      return lines.map((line) => JSON.parse(line.slice(line.indexOf("{"))));
    });
    expect(ended).toEqual([expect.objectContaining({ outcome: "cancelled", usage: expect.objectContaining({ estimated: true }) })]);
    expect(ended[0].usage.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(ended[0].usage.completion_tokens).toBeLessThan(200);
  });
});
