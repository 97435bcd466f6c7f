import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readLines } from "../../../src/streams/readLines";
import { chunkTimes } from "../../support/chunkTimes";

const worker = exports.default;

describe("GET /api/chunks", () => {
  it("streams count lines of plain text, each with its number and time", async () => {
    const response = await worker.fetch("http://worker/api/chunks?count=3&interval=1");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const lines: string[] = [];
    for await (const line of readLines(response.body!)) lines.push(line);
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^chunk ${i + 1}/3 \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`)));
  });

  it("sends the first chunk before the generator has made the last", async () => {
    const response = await worker.fetch("http://worker/api/chunks?count=4&interval=100");
    const { first, firstReadAt, lastMadeAt } = await chunkTimes(response.body!);
    expect(first).toMatch(/^chunk 1\/4 /);
    expect(firstReadAt).toBeLessThan(lastMadeAt);
  });

  it.each(["count=0", "count=10001", "count=abc", "count=1.5", "interval=-1", "interval=10001"])(
    "refuses %s with a 400 that says what is allowed",
    async (query) => {
      const response = await worker.fetch(`http://worker/api/chunks?${query}`);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { message: string; code: string } };
      expect(error.code).toBe("bad_request");
      expect(error.message).toMatch(/^(count|interval) must be an integer from \d+ to \d+$/);
    },
  );
});
