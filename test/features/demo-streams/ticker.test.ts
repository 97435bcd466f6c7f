import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readSSE } from "../../../src/client/readSSE";

const worker = exports.default;

interface Tick {
  tick: number;
  delayMs: number;
  at: string;
}

describe("GET /api/ticker", () => {
  it("streams numbered ticks as server-sent events on a growing delay", async () => {
    const response = await worker.fetch("http://worker/api/ticker");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    const ticks: Tick[] = [];
    for await (const tick of readSSE<Tick>(response)) {
      ticks.push(tick);
      if (ticks.length === 12) break;
    }
    expect(ticks.map((t) => t.tick)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(ticks[0]!.delayMs).toBe(20);
    expect(ticks[11]!.delayMs).toBe(Math.round(20 * 1.03 ** 11));
  });

  it("answers with JSON Lines when Accept asks for them", async () => {
    const response = await worker.fetch("http://worker/api/ticker", { headers: { accept: "application/jsonl" } });
    expect(response.headers.get("content-type")).toBe("application/jsonl");
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    expect(JSON.parse(new TextDecoder().decode(value).split("\n")[0]!)).toMatchObject({ tick: 1, delayMs: 20 });
    await reader.cancel();
  });
});
