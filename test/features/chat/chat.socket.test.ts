import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readSSE } from "../../../src/client/readSSE";
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

describe("a chat whose client leaves, over real sockets", () => {
  it("aborts the upstream request within a second when the browser-style client disconnects", async () => {
    fake.requests.length = 0;
    const response = await fetch(new URL("/api/chat?q=leave", worker.url));
    let read = 0;
    for await (const _token of readSSE(response)) if (++read === 3) break; // cancels the body: the socket closes
    const leftAt = Date.now();
    expect(await upstreamClosedAfter(leftAt, "/chat/completions")).toBeLessThan(1_000);
    expect(fake.requests[0]!.tokensSent).toBeLessThan(200);
  });
});
