import { describe, expect, it } from "vitest";
import { chunkTimes } from "../../support/chunkTimes";
import { useWorker } from "../../e2e/harness";

const worker = useWorker();

describe("/api/chunks over a real socket", () => {
  it("delivers the first chunk before the generator has made the last, even to a client that accepts gzip", async () => {
    // Node's fetch sends Accept-Encoding: gzip, as browsers do: a compressing hop would hold the chunks back.
    const response = await fetch(new URL("/api/chunks?count=4&interval=150", worker.url));
    const { first, rest, firstReadAt, lastMadeAt } = await chunkTimes(response.body!);
    expect(first).toMatch(/^chunk 1\/4 /);
    expect(rest).toHaveLength(3);
    expect(firstReadAt).toBeLessThan(lastMadeAt);
  });
});
