import { describe, expect, it } from "vitest";
import { LineDecoder } from "../../src/streams/LineDecoder";

function decodeAll(pieces: string[]): string[] {
  const decoder = new LineDecoder();
  return [...pieces.flatMap((p) => decoder.push(p)), ...decoder.flush()];
}

describe("LineDecoder", () => {
  it("splits at LF, CRLF and CR alike", () => {
    expect(decodeAll(["a\nb\r\nc\rd\n"])).toEqual(["a", "b", "c", "d"]);
  });

  it("joins a line split across pieces", () => {
    expect(decodeAll(["{\"a\":", "1}\n{\"b\"", ":2}\n"])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("treats a CRLF split across pieces as one line break, not two", () => {
    expect(decodeAll(["a\r", "\nb\r", "\n"])).toEqual(["a", "b"]);
  });

  it("treats a CR at the end of a piece followed by text as a line break", () => {
    expect(decodeAll(["a\r", "b\n"])).toEqual(["a", "b"]);
  });

  it("keeps blank lines, which end SSE events", () => {
    expect(decodeAll(["data: x\n\n"])).toEqual(["data: x", ""]);
  });

  it("returns a last line without a line break on flush", () => {
    expect(decodeAll(["a\nb"])).toEqual(["a", "b"]);
    expect(decodeAll(["a\r"])).toEqual(["a"]);
  });

  it("returns nothing for empty input", () => {
    expect(decodeAll([])).toEqual([]);
    expect(decodeAll([""])).toEqual([]);
  });

  it("gives the same lines however the text is cut", () => {
    const text = "one\r\ntwo\nthree\rfour\r\n\r\nfive\n";
    const whole = decodeAll([text]);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(decodeAll([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });
});
