import { describe, expect, it } from "vitest";
import { readLines } from "../../src/streams/readLines";

describe("readLines", () => {
  it("ends a loop waiting on a silent body when the signal aborts, and cancels the body", async () => {
    let cancelled = false;
    const silent = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode("first\n")),
      cancel: () => void (cancelled = true),
    });
    const abort = new AbortController();
    const lines: string[] = [];
    const loop = (async () => {
      for await (const line of readLines(silent, abort.signal)) {
        lines.push(line);
        abort.abort(); // the body sends nothing more: only the abort can end this loop
      }
    })();
    await loop;
    expect(lines).toEqual(["first"]);
    expect(cancelled).toBe(true);
  });
});
