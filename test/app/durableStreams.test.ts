import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readSSE } from "../../src/client/readSSE";
import { callWorker } from "../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

// The Worker's durable streams through its routes (/api/streams/:id), made by the tests' own /test/count: what every
// feature's durable stream gets. The durable core alone is tested in test/streams/durableCore.test.ts.
describe("memory a durable stream's readers may hold", () => {
  it("refuses a reader past DURABLE_MAX_READERS with 503 and Retry-After, and takes one again when a reader leaves", async () => {
    const vars = { DURABLE_MAX_READERS: "2" };
    const first = await callWorker("/test/count?resume=1&n=100&pace=20", {}, vars);
    const location = first.headers.get("content-location")!;
    expect(location).toBe(`/api/streams/${first.headers.get("stream-id")}`);
    const second = await callWorker(location, {}, vars);
    expect(second.status).toBe(200);
    const third = await callWorker(location, {}, vars);
    expect(third.status).toBe(503);
    expect(third.headers.get("retry-after")).toBe("5");
    expect(await third.json()).toMatchObject({ error: { code: "too_many_readers" } });
    await second.body!.cancel();
    await vi.waitFor(async () => expect((await callWorker(location, {}, vars)).status).toBe(200));
    await callWorker(location, { method: "DELETE" });
    await first.body!.cancel();
  });

  it("drops a reader that leaves more than DURABLE_READER_BUFFER_BYTES unread; it resumes and gets every record once", async () => {
    const vars = { DURABLE_READER_BUFFER_BYTES: "1024" };
    const asSSE = { headers: { accept: "text/event-stream" } };
    const starter = await callWorker("/test/count?resume=1&n=1000&pace=1", asSSE, vars);
    const location = starter.headers.get("content-location")!;
    const reconnects: string[] = [];
    const reconnect = (reader: string) => (url: string | URL | Request, init?: RequestInit) => {
      reconnects.push(`${reader} ${new Headers(init?.headers).get("last-event-id") ?? ""}`);
      return callWorker(new URL(String(url), "http://worker").pathname, init, vars);
    };
    // The starter reads as the records come; another reader joins at once and reads nothing while they are written.
    const reading = readSSE<{ i: number }>(starter, { resume: { fetch: reconnect("starter"), retryMs: 1 } }).all();
    const stalled = await callWorker(location, asSSE, vars);
    const every = Array.from({ length: 1000 }, (_, k) => ({ i: k + 1 }));
    expect(await reading).toEqual(every);
    // Dropped: what it has, it keeps; it reconnects from its last event id for the rest, and has each record once.
    const resumed = readSSE<{ i: number }>(stalled, { resume: { fetch: reconnect("stalled"), retryMs: 1 } });
    expect(await resumed.all()).toEqual(every);
    expect(reconnects.filter((line) => line.startsWith("stalled")).length).toBeGreaterThanOrEqual(1);
  });
});
