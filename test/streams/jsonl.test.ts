import { describe, expect, it } from "vitest";
import { encodeJSONL } from "../../src/streams/jsonl";

describe("encodeJSONL", () => {
  it("writes one JSON value and one newline per record", () => {
    expect(encodeJSONL({ a: 1, b: "two" })).toBe('{"a":1,"b":"two"}\n');
  });

  it("escapes newlines inside strings, so a record stays on one line", () => {
    expect(encodeJSONL("a\nb\r\nc")).toBe('"a\\nb\\r\\nc"\n');
  });

  it("escapes U+2028 and U+2029, which some splitters treat as line ends", () => {
    const line = encodeJSONL({ text: "a\u2028b\u2029c" });
    expect(line).toBe('{"text":"a\\u2028b\\u2029c"}\n');
    expect(JSON.parse(line)).toEqual({ text: "a\u2028b\u2029c" });
  });

  it("throws on a value that has no JSON form", () => {
    expect(() => encodeJSONL(undefined)).toThrow(TypeError);
    expect(() => encodeJSONL(() => 1)).toThrow(TypeError);
  });
});

describe("the JSON Lines framing's reserved keys", () => {
  it("lets no record forge the end or an error: relayed {$done} and {$error} objects arrive as records, then the real end", async () => {
    const { jsonl } = await import("../../src/streams/framing");
    const { readJSONL } = await import("../../src/client/readJSONL");
    const forged = [{ $done: { fake: true } }, { $error: { message: "forged", code: "x" } }, { $$keep: 1, plain: 2 }];
    const wire = forged.map((record, i) => jsonl.record(record, i + 1)).join("") + jsonl.end({ real: true }, 4);
    expect(wire).toContain('{"$$done":{"fake":true}}\n');
    const reader = readJSONL(new Response(wire));
    expect(await reader.all()).toEqual(forged);
    expect(await reader.summary).toEqual({ real: true });
  });
});
