import type { TestHarness } from "wrangler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLines } from "../../src/client/readLines";
import { startWorker } from "./harness";

let server: TestHarness;
let url: URL;

beforeAll(async () => ({ server, url } = await startWorker()));
afterAll(() => server?.close());

describe("/api/chunks over a real socket", () => {
  it("delivers the first chunk before the generator has made the last, even to a client that accepts gzip", async () => {
    // Node's fetch sends Accept-Encoding: gzip, as browsers do: a compressing hop would hold the chunks back.
    const response = await fetch(new URL("/api/chunks?count=4&interval=150", url));
    const lines = readLines(response.body!);
    const first = (await lines.next()).value!;
    const firstReadAt = Date.now();
    const rest: string[] = [];
    for await (const line of lines) rest.push(line);
    const lastMadeAt = Date.parse(rest.at(-1)!.split(" ")[2]!);
    expect(first).toMatch(/^chunk 1\/4 /);
    expect(rest).toHaveLength(3);
    expect(firstReadAt).toBeLessThan(lastMadeAt);
  });
});
