import { describe, expect, it } from "vitest";
import { readSSE } from "../../../src/client/readSSE";
import { useFakeUpstream } from "../../e2e/fakeUpstream";
import { useWranglerDev } from "../../e2e/wranglerDev";

const { upstream, closedAfter } = useFakeUpstream();

// A long, slow answer: 200 tokens 50 ms apart, so the client always leaves mid-answer. `wrangler dev`, not the
// test harness: only there does a cancelled subrequest close its socket, as on the edge.
const worker = useWranglerDev(() => ({ OPENAI_BASE_URL: `${upstream().url}/ok-50-200/v1`, OPENAI_API_KEY: "sk-test-secret" }));

describe("a chat whose client leaves, over real sockets", () => {
  it("aborts the upstream request within a second when the browser-style client disconnects", async () => {
    upstream().requests.length = 0;
    const response = await fetch(new URL("/api/chat?q=leave", worker.url));
    let read = 0;
    for await (const _token of readSSE(response)) if (++read === 3) break; // cancels the body: the socket closes
    const leftAt = Date.now();
    expect(await closedAfter(leftAt, "/chat/completions")).toBeLessThan(1_000);
    expect(upstream().requests[0]!.tokensSent).toBeLessThan(200);
  });
});
