import { Stream } from "openai/streaming";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { readJSONL } from "../../src/client/readJSONL";
import { HttpError } from "../../src/streams/HttpError";
import { pushStream } from "../../src/streams/pushStream";
import type { StreamOptions } from "../../src/streams/streamResponse";
import { readAll } from "../support/chunked";
import { jsonl } from "../../src/streams/framing";

const options: StreamOptions = { route: "/test", format: jsonl, heartbeatMs: 15_000 };
const request = () => new Request("http://worker/", { headers: { accept: "application/jsonl" } });

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("pushStream", () => {
  it("sends records in the order they are sent, which need not be the order their work started", async () => {
    const stream = pushStream(request(), options);
    // The slow part's work starts first and ends only once the fast part has been sent.
    const slowWork = Promise.withResolvers<void>();
    const slow = slowWork.promise.then(() => stream.send({ slow: true }));
    const fast = Promise.resolve().then(() => {
      stream.send({ fast: true });
      slowWork.resolve();
    });
    void Promise.all([slow, fast]).then(() => stream.close({ parts: 2 }));
    const { values, result } = await readAll(readJSONL(await stream.response));
    expect(values).toEqual([{ fast: true }, { slow: true }]);
    expect(result).toEqual({ parts: 2 });
  });

  it("turns throw() before any record into that error's status", async () => {
    const stream = pushStream(request(), options);
    stream.throw(new HttpError(502, "part_failed", "nothing loaded"));
    await expect(stream.response).rejects.toMatchObject({ status: 502, code: "part_failed" });
  });

  it("turns throw() after a record into the error record", async () => {
    const stream = pushStream(request(), options);
    stream.send({ users: [] });
    stream.throw(new HttpError(502, "part_failed", "tasks failed"));
    const text = await (await stream.response).text();
    expect(text).toBe('{"users":[]}\n{"$error":{"message":"tasks failed","code":"part_failed"}}\n');
  });

  it("makes a record that fails a zod schema the error record, never sending it", async () => {
    const schema = z.strictObject({ n: z.number() });
    const stream = pushStream(request(), { ...options, schema });
    stream.send({ n: 1 });
    stream.send({ n: "two" } as unknown as { n: number });
    const text = await (await stream.response).text();
    expect(text).not.toContain("two");
    expect(text.split("\n")[0]).toBe('{"n":1}');
    expect(JSON.parse(text.split("\n")[1]!)).toMatchObject({ $error: { code: "invalid_record", message: expect.stringContaining("at n") } });
  });

  it("refuses send() after close()", async () => {
    const stream = pushStream(request(), options);
    stream.close();
    expect(() => stream.send({})).toThrow(/after close/);
    await (await stream.response).text();
  });

  it("fires its signal when the client leaves", async () => {
    const stream = pushStream(request(), options);
    stream.send({ first: true });
    const aborted = new Promise((resolve) => stream.signal.addEventListener("abort", resolve));
    await (await stream.response).body!.cancel();
    await aborted;
  });

  it("writes JSON Lines that openai's Stream.fromReadableStream reads as the same records", async () => {
    const stream = pushStream(request(), options);
    stream.send({ text: "héllo\u2028👋" });
    stream.send([1, 2]);
    stream.close();
    const records: unknown[] = [];
    for await (const record of Stream.fromReadableStream((await stream.response).body!, new AbortController())) records.push(record);
    // The oracle knows nothing of our end record: it reads it as one more record.
    expect(records).toEqual([{ text: "héllo\u2028👋" }, [1, 2], { $done: {} }]);
  });
});
