import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { progressive } from "../../../src/client/progressive";
import { readJSONL } from "../../../src/client/readJSONL";
import type { ProgressiveRecord } from "../../../src/features/progressive/progressive";
import { callWorker } from "../../support/callWorker";
import { flakyFetch } from "../../support/flakyFetch";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const jsonlAccept = { headers: { accept: "application/jsonl" } };

describe("a durable JSON Lines stream: /api/progressive?resume=1", () => {
  it("names its stream, sends its parts, and replays from any ?after= position", async () => {
    const response = await callWorker("/api/progressive?resume=1&users=60&tasks=10", jsonlAccept);
    const id = response.headers.get("stream-id")!;
    expect(response.headers.get("content-location")).toBe(`/api/streams/${id}`);
    expect(response.headers.get("content-type")).toBe("application/jsonl");
    const whole = readJSONL<ProgressiveRecord>(response);
    const records = await whole.all();
    expect(records).toEqual([{ tasks: expect.any(Array) }, { users: expect.any(Array) }]);
    expect(await whole.summary).toEqual({ parts: 2 });
    expect(whole.position).toBe(2);

    const rest = await callWorker(`/api/streams/${id}?after=1`, jsonlAccept);
    expect(await rest.text()).toBe(`${JSON.stringify(records[1])}\n{"$done":{"parts":2}}\n`);
    const again = readJSONL(await callWorker(`/api/streams/${id}?after=0`, jsonlAccept));
    expect(await again.all()).toEqual(records);
    // Asking for no framing gets the route's own: JSON Lines, as text/plain so a browser shows it.
    const plain = await callWorker(`/api/streams/${id}?after=1`);
    expect(plain.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await plain.text()).toBe(`${JSON.stringify(records[1])}\n{"$done":{"parts":2}}\n`);
  });

  it("is read as SSE too, with <stream>:<seq> event ids, when SSE is asked for", async () => {
    const response = await callWorker("/api/progressive?resume=1&users=20&tasks=10", jsonlAccept);
    const id = response.headers.get("stream-id")!;
    await response.text();
    const asSSE = await callWorker(`/api/streams/${id}`, { headers: { accept: "text/event-stream" } });
    const text = await asSSE.text();
    expect(text).toContain(`id: ${id}:1\n`);
    expect(text).toContain(`event: done\nid: ${id}:3\n`);
  });

  it("progressive() survives a dropped connection: the reader reconnects with ?after= and every part arrives once", async () => {
    const { fetch, connections } = flakyFetch({}, { drops: 1, chunks: 1 });
    const response = await fetch("/api/progressive?resume=1&users=300&tasks=10", jsonlAccept);
    const urls: string[] = [];
    const counting: typeof fetch = (url, init) => (urls.push(String(url)), fetch(url, init));
    const data = progressive<ProgressiveRecord>(response, { resume: { fetch: counting, retryMs: 1 } });
    expect(await data.tasks).toHaveLength(2);
    expect(await data.users).toHaveLength(3);
    expect(connections).toHaveLength(2);
    expect(urls).toEqual([`${response.headers.get("content-location")}?after=1`]);
  });
});
