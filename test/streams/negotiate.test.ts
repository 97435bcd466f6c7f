import { describe, expect, it } from "vitest";
import { jsonl, sse, text } from "../../src/streams/framing";
import { negotiate } from "../../src/streams/negotiate";

const framings = { sse, jsonl, text };

describe("negotiate", () => {
  it.each([
    ["text/event-stream", "jsonl", "sse", "text/event-stream"],
    ["application/jsonl", "sse", "jsonl", "application/jsonl"],
    ["application/x-ndjson", "sse", "jsonl", "application/x-ndjson"],
    ["*/*", "jsonl", "jsonl", "text/plain; charset=utf-8"],
    [null, "jsonl", "jsonl", "text/plain; charset=utf-8"],
    ["text/html,application/xhtml+xml,*/*;q=0.8", "jsonl", "jsonl", "text/plain; charset=utf-8"],
    ["*/*", "sse", "sse", "text/event-stream"],
    [null, "text", "text", "text/plain; charset=utf-8"],
    ["Application/JSONL; charset=utf-8", "sse", "jsonl", "application/jsonl"],
  ] as const)("Accept %j on a %s route gives %s as %s", (accept, fallback, format, contentType) => {
    const { framing, contentType: type } = negotiate(accept, framings[fallback]);
    expect({ format: framing.name, contentType: type }).toEqual({ format, contentType });
  });

  it("prefers the stream type with the higher q", () => {
    expect(negotiate("text/event-stream;q=0.5, application/jsonl;q=0.9", text).framing).toBe(jsonl);
  });

  it("ignores a type refused with q=0", () => {
    expect(negotiate("text/event-stream;q=0", jsonl).framing).toBe(jsonl);
  });
});
