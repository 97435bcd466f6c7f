import { describe, expect, it } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { readResumable } from "../../src/client/readResumable";
import { readSSE } from "../../src/client/readSSE";
import { encodeJSONL } from "../../src/streams/jsonl";
import { encodeSSE } from "../../src/streams/sse";
import { piecesOf, responseOf } from "../support/chunked";

const sseWire = encodeSSE({ id: 1, data: '"a"' }) + encodeSSE({ id: 2, data: '"b"' }) + encodeSSE({ event: "done", data: '{"n":2}' });
const jsonlWire = encodeJSONL("a") + encodeJSONL("b") + encodeJSONL({ $done: { n: 2 } });
const sse = () => responseOf(piecesOf(sseWire, 1000), { headers: { "content-type": "text/event-stream" } }).response;
const jsonl = () => responseOf(piecesOf(jsonlWire, 1000), { headers: { "content-type": "application/jsonl" } }).response;

describe("every reader has one shape", () => {
  it.each([
    ["readSSE", () => readSSE<string>(sse())],
    ["readJSONL", () => readJSONL<string>(jsonl())],
    ["readResumable on SSE", () => readResumable<string>(sse())],
    ["readResumable on JSON Lines", () => readResumable<string>(jsonl())],
  ] as const)("%s: status, batches of one read, summary, position", async (_name, open) => {
    const reader = open();
    expect(reader.status).toBe(200);
    for (const method of ["abort", "close", "all", "batches", "next", Symbol.asyncDispose, Symbol.dispose, Symbol.asyncIterator] as const) {
      expect(typeof reader[method]).toBe("function");
    }
    const batches: string[][] = [];
    for await (const batch of reader.batches()) batches.push(batch);
    // The whole wire arrived in one read: one batch.
    expect(batches).toEqual([["a", "b"]]);
    expect(await reader.summary).toEqual({ n: 2 });
    expect(reader.position).toBe(2);
  });

  it("keeps the generator form: next() yields records and returns the summary", async () => {
    const reader = readSSE<string>(sse());
    expect(await reader.next()).toEqual({ done: false, value: "a" });
    expect(await reader.next()).toEqual({ done: false, value: "b" });
    expect(await reader.next()).toEqual({ done: true, value: { n: 2 } });
  });

  it("is read once: a second way of reading it throws", async () => {
    const reader = readJSONL(jsonl());
    await reader.all();
    expect(() => reader.batches()).toThrow(/read once/);
  });
});
