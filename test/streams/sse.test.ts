import { describe, expect, it } from "vitest";
import { encodeSSE, encodeSSEJSON } from "../../src/streams/sse";

describe("encodeSSE", () => {
  it("writes one data line per line of data and ends the event with a blank line", () => {
    expect(encodeSSE({ data: "a\nb\r\nc\rd" })).toBe("data: a\ndata: b\ndata: c\ndata: d\n\n");
  });

  it("writes event, id and retry fields before the data", () => {
    expect(encodeSSE({ event: "done", id: 7, retry: 3000, data: "{}" })).toBe(
      "event: done\nid: 7\nretry: 3000\ndata: {}\n\n",
    );
  });

  it("never lets a lone CR reach the wire", () => {
    expect(encodeSSE({ data: "x\ry" })).not.toContain("\r");
  });

  it("keeps leading spaces of the data, since parsers strip only the one after the colon", () => {
    expect(encodeSSE({ data: "  indented" })).toBe("data:   indented\n\n");
  });

  it("writes a comment as a line starting with a colon", () => {
    expect(encodeSSE({ comment: "ping" })).toBe(": ping\n\n");
  });

  it("writes an empty data field for empty data, so the event is still dispatched", () => {
    expect(encodeSSE({ data: "" })).toBe("data: \n\n");
  });

  it.each(["a\nevent: done", "a\rb", "a\r\nb", "a\0b"])("throws on CR, LF or NUL in the event name %j", (bad) => {
    expect(() => encodeSSE({ event: bad, data: "x" })).toThrow(TypeError);
  });

  it.each(["1\ndata: forged", "1\r", "1\0"])("throws on CR, LF or NUL in the id %j", (bad) => {
    expect(() => encodeSSE({ id: bad, data: "x" })).toThrow(TypeError);
  });

  it.each([-1, 1.5, Number.NaN, Infinity])("throws on a retry of %s", (retry) => {
    expect(() => encodeSSE({ retry })).toThrow(TypeError);
  });

  it("accepts a retry of zero", () => {
    expect(encodeSSE({ retry: 0 })).toBe("retry: 0\n\n");
  });

  it("writes no byte-order mark", () => {
    expect(encodeSSE({ data: "x" }).charCodeAt(0)).not.toBe(0xfeff);
  });
});

describe("encodeSSEJSON", () => {
  it("writes what encodeSSE writes for one line of JSON, event and id included", () => {
    const json = JSON.stringify({ text: "a\nb\r\u2028" });
    expect(encodeSSEJSON(json, "tool-call", "s:3")).toBe(encodeSSE({ event: "tool-call", id: "s:3", data: json }));
    expect(encodeSSEJSON(json)).toBe(encodeSSE({ data: json }));
  });

  it("still refuses an event name or id that would forge a field", () => {
    expect(() => encodeSSEJSON("1", "a\ndata: x")).toThrow(TypeError);
    expect(() => encodeSSEJSON("1", undefined, "1\r")).toThrow(TypeError);
  });
});
