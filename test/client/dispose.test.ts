import { describe, expect, it } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { streamResponse } from "../../src/streams/streamResponse";
import { jsonl } from "../../src/streams/framing";

describe("disposing a JSON Lines reader", () => {
  it("aborts the request: the producer on the other end sees its signal fire", async () => {
    const aborted = Promise.withResolvers<void>();
    const request = new Request("http://worker/", { headers: { accept: "application/jsonl" } });
    const response = await streamResponse(request, { route: "/test", format: jsonl, heartbeatMs: 15_000 }, async function* ({ signal }) {
      signal.addEventListener("abort", () => aborted.resolve());
      for (let n = 0; ; n++) {
        yield { n };
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    {
      await using records = readJSONL<{ n: number }>(response);
      const iterator = records[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual({ n: 0 });
      // No break, no return: leaving the block is what closes it.
    }
    await aborted.promise;
  });
});
