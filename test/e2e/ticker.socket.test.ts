import type { TestHarness } from "wrangler";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readSSE } from "../../src/client/readSSE";
import { startWorker, streamLogs } from "./harness";

let server: TestHarness;
let url: URL;

beforeAll(async () => ({ server, url } = await startWorker()));
afterAll(() => server?.close());

describe("/api/ticker over a real socket", () => {
  it("stops ticking when the client disconnects, and logs the cancel", async () => {
    server.clearLogs();
    const response = await fetch(new URL("/api/ticker", url));
    let read = 0;
    for await (const _tick of readSSE(response)) if (++read === 3) break; // closes the connection

    await vi.waitFor(() => expect(streamLogs(server)).toHaveLength(1), { timeout: 5_000 });
    const [line] = streamLogs(server);
    expect(line).toMatchObject({ route: "/api/ticker", outcome: "cancelled" });
    // The producer stopped with the connection: it wrote at most the few ticks that were in flight.
    expect(line!.records).toBeGreaterThanOrEqual(3);
    expect(line!.records).toBeLessThan(10);
  });
});
