import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DurableJob, DurableLimits, RangeResult, ReadResult, StreamSnapshot } from "../../src/streams/durable/DurableStream";
import type { CountInput } from "../support/testWorker";

// The durable core alone: TestStreams (test/support/testWorker.ts) runs a counting producer that belongs to no feature.

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const limits: DurableLimits = { keepMs: 60_000, detachedMs: 60_000, maxEvents: 1000, maxBytes: 64 * 1024 };
let streams = 0;
const newId = () => `core-${Date.now()}-${++streams}`;
const stub = (id: string) => env.TEST_STREAMS.getByName(id);
// RPC types a result holding `unknown` fields as never: read it as what the object returns.
const snapshot = async (id: string) => (await stub(id).snapshot()) as StreamSnapshot | undefined;

function job(streamId: string, input: CountInput, over: Partial<DurableJob> = {}): DurableJob {
  return { streamId, producer: "count", input, route: "/test", format: "jsonl", heartbeatMs: 60_000, limits, ...over };
}

// What a refused read would be answered with, to assert on one number.
const STATUS = { not_found: 404, no_framing: 406, past_end: 416, has_end: 204, not_running: 204, busy: 503 } as const;

/** A reader of the stream from after `after`, as JSON Lines: its body as a Response, or a refusal as its status. */
async function read(id: string, after = 0): Promise<Response> {
  const result = (await stub(id).read({ after, format: "jsonl" })) as ReadResult;
  return result.ok ? new Response(result.body) : new Response(null, { status: STATUS[result.reason] });
}
const lines = async (response: Response) => (await response.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line) as unknown);
const counted = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, k) => ({ i: from + k }));

describe("the durable core (DurableStream) with a producer of its own", () => {
  it("records every record, replays from any position, ends with the producer's summary, and answers 204 past the end", async () => {
    const id = newId();
    expect(await stub(id).start(job(id, { n: 5, paceMs: 0 }))).toEqual({ ok: true });
    expect(await lines(await read(id))).toEqual([...counted(5), { $done: { counted: 5 } }]);
    expect(await lines(await read(id, 3))).toEqual([...counted(5, 4), { $done: { counted: 5 } }]);
    expect((await read(id, 6)).status).toBe(204);
    expect((await read(id, 7)).status).toBe(416);
  });

  it("frames a stream for its readers with what the framing needs of it (forStream), from each record's JSON as recorded (recordJSON)", async () => {
    const id = newId();
    expect(await stub(id).start(job(id, { n: 3, paceMs: 20 }, { keep: { tag: "k" } }))).toEqual({ ok: true });
    // Joined after the first record: record 1 from the log, 2 and 3 live; every line the same shape.
    const result = (await stub(id).read({ after: 0, format: "tagged" })) as ReadResult;
    expect(result.ok).toBe(true);
    const text = await new Response((result as { body: ReadableStream }).body).text();
    expect(text).toBe([1, 2, 3].map((i) => `${id} {"tag":"k"} ${i} {"i":${i}}\n`).join("") + "end 4\n");
  });

  it("gives a reader that joins mid-stream what it missed, then the live records: each once, in order", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 30, paceMs: 10 }));
    const first = await read(id);
    const reader = first.body!.getReader();
    let seen = "";
    while ((seen.match(/\n/g) ?? []).length < 5) seen += new TextDecoder().decode((await reader.read()).value);
    const late = await lines(await read(id));
    for (let step = await reader.read(); !step.done; step = await reader.read()) seen += new TextDecoder().decode(step.value);
    const early = seen.split("\n").filter(Boolean).map((line) => JSON.parse(line) as unknown);
    expect(early).toEqual([...counted(30), { $done: { counted: 30 } }]);
    expect(late).toEqual(early);
  });

  it("answers an error before the first record as the start's result, and keeps nothing", async () => {
    const id = newId();
    expect(await stub(id).start(job(id, { n: 3, paceMs: 0, failAt: 1 }))).toMatchObject({ ok: false, status: 502, code: "count_failed" });
    expect((await read(id)).status).toBe(404);
  });

  it("ends every reader with the error record when the producer fails after records", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 5, paceMs: 0, failAt: 3 }));
    expect(await lines(await read(id))).toEqual([...counted(2), { $error: { message: "failed at 3", code: "count_failed" } }]);
  });

  it("stops a stream past maxEvents with stream_too_large", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 10, paceMs: 0 }, { limits: { ...limits, maxEvents: 4 } }));
    const all = await lines(await read(id));
    expect(all.at(-1)).toMatchObject({ $error: { code: "stream_too_large" } });
    expect(all.length).toBeLessThanOrEqual(4);
  });

  it("stops a producer nobody reads after detachedMs (abandoned), but runs a readerless job to its end", async () => {
    const short = { ...limits, detachedMs: 100 };
    const [abandoned, polled] = [newId(), newId()];
    await stub(abandoned).start(job(abandoned, { n: 20, paceMs: 25 }, { limits: short }));
    await stub(polled).start(job(polled, { n: 20, paceMs: 25 }, { limits: short, readerless: true }));
    const ended = async (id: string) =>
      vi.waitFor(async () => {
        const now = await snapshot(id);
        expect(now?.state).toBe("finished");
        return now!;
      }, { timeout: 5000, interval: 50 });
    expect((await ended(abandoned)).end).toMatchObject({ kind: "error", value: { code: "abandoned" } });
    expect((await ended(polled)).end).toEqual({ kind: "done", value: { counted: 20 } });
  });

  it("gives a reader that asks part by part (range) the records after its position, at most about maxBytes, then waits for the next", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 6, paceMs: 150 }));
    const range = async (after: number, maxBytes: number, waitMs = 0) => (await stub(id).range({ after, maxBytes, waitMs })) as unknown as RangeResult & { ok: true };
    // Each record's JSON is {"i":N}, 7 bytes: 15 bytes hold two.
    const first = await range(0, 15);
    expect(first.records.map(([seq, json]) => [seq, JSON.parse(json)])).toEqual([[1, { i: 1 }]]);
    expect(first.end).toBeUndefined();
    // Caught up: it waits for the next record, which comes ~150 ms later, well inside the wait.
    const started = Date.now();
    const next = await range(first.last, 1000, 5000);
    expect(next.records[0]![0]).toBe(first.last + 1);
    expect(Date.now() - started).toBeLessThan(2000);
    let at = next.records.at(-1)![0];
    let last: RangeResult & { ok: true };
    do {
      last = await range(at, 15, 5000);
      at = last.records.at(-1)?.[0] ?? at;
    } while (!last.end);
    expect(last.end).toMatchObject({ kind: "done", seq: 7 });
    expect(last.last).toBe(7);
    // Once all are recorded, a part holds as many as fit.
    expect((await range(0, 15)).records.map(([seq]) => seq)).toEqual([1, 2]);
    expect(await stub(id).range({ after: 8, maxBytes: 10 })).toEqual({ ok: false, reason: "past_end" });
    expect(await stub(newId()).range({ after: 0, maxBytes: 10 })).toEqual({ ok: false, reason: "not_found" });
  });

  it("cancels: readers get cancelled, and the stream is gone", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 100, paceMs: 20 }));
    const reading = read(id).then(lines);
    expect(await stub(id).cancel()).toBe(true);
    expect((await reading).at(-1)).toMatchObject({ $error: { code: "cancelled" } });
    expect((await read(id)).status).toBe(404);
  });

  it("reports running, then finished, with its first record and what the job kept (never its input)", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 3, paceMs: 20 }, { keep: { note: "kept" } }));
    expect(await snapshot(id)).toMatchObject({ state: "running", kept: { note: "kept" }, first: { i: 1 } });
    await lines(await read(id));
    expect(await snapshot(id)).toEqual({ state: "finished", kept: { note: "kept" }, first: { i: 1 }, end: { kind: "done", value: { counted: 3 } } });
    const row = await runInDurableObject(stub(id), (_, state) => state.storage.sql.exec<{ input: string }>("SELECT input FROM stream").one().input);
    expect(row).not.toContain("paceMs");
  });

  it("ends a stream whose object restarted mid-stream with interrupted, after what was written", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 200, paceMs: 10 }));
    await runInDurableObject(stub(id), (_, state) => {
      try {
        state.abort("restarted on purpose");
      } catch {
        // abort() throws in the call that made it: this one.
      }
    }).catch(() => {});
    const all = await vi.waitFor(async () => lines(await read(id)));
    expect(all.at(-1)).toMatchObject({ $error: { code: "interrupted" } });
  });

  it("refuses a reader past maxReaders with 503, and ends one that joined before the first record when the start fails", async () => {
    const id = newId();
    await stub(id).start(job(id, { n: 50, paceMs: 10 }, { limits: { ...limits, maxReaders: 1 } }));
    const one = await read(id);
    expect((await read(id)).status).toBe(503);
    await one.body!.cancel();

    const failing = newId();
    const started = stub(failing).start(job(failing, { n: 3, paceMs: 300, failAt: 1 }));
    let early: Response | undefined;
    while (!early) {
      const attempt = await read(failing);
      if (attempt.status === 200) early = attempt;
    }
    expect(await lines(early)).toEqual([{ $error: { message: "failed at 1", code: "count_failed" } }]);
    expect(await started).toMatchObject({ ok: false, code: "count_failed" });
  });
});
