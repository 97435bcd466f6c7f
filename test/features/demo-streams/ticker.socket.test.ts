import { EventSource } from "eventsource";
import { describe, expect, it, vi } from "vitest";
import { readSSE } from "../../../src/client/readSSE";
import { streamLogs, useWorker } from "../../e2e/harness";

const worker = useWorker();

describe("/api/ticker over a real socket", () => {
  it("stops ticking when the client disconnects, and logs the cancel", async () => {
    worker.server.clearLogs();
    const response = await fetch(new URL("/api/ticker", worker.url));
    let read = 0;
    for await (const _tick of readSSE(response)) if (++read === 3) break; // closes the connection

    await vi.waitFor(() => expect(streamLogs(worker.server)).toHaveLength(1), { timeout: 5_000 });
    const [line] = streamLogs(worker.server);
    expect(line).toMatchObject({ route: "/api/ticker", outcome: "cancelled" });
    // The producer stopped with the connection: it wrote at most the few ticks that were in flight.
    expect(line!.records).toBeGreaterThanOrEqual(3);
    expect(line!.records).toBeLessThan(10);
  });
});

describe("/api/ticker and the eventsource client", () => {
  it("the Worker's ticker is read event by event, with increasing ids", async () => {
    const source = new EventSource(new URL("/api/ticker", worker.url).href);
    const ticks = await new Promise<MessageEvent[]>((resolve, reject) => {
      const seen: MessageEvent[] = [];
      source.onmessage = (event) => seen.push(event) === 5 && resolve(seen);
      source.onerror = reject;
    });
    source.close();
    expect(ticks.map((t) => t.lastEventId)).toEqual(["1", "2", "3", "4", "5"]);
    expect(ticks.map((t) => JSON.parse(t.data).tick)).toEqual([1, 2, 3, 4, 5]);
  });
});
