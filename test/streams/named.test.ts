import { describe, expect, it } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { readSSE } from "../../src/client/readSSE";
import { jsonl, sse } from "../../src/streams/framing";
import { named } from "../../src/streams/named";

const wire = (framing: typeof sse, values: unknown[]) => values.map((v, i) => framing.record(v, i + 1)).join("") + framing.end({}, values.length + 1);

describe("named records", () => {
  it("are SSE named events, their data the JSON of data", () => {
    expect(sse.record(named("reasoning", "hmm"), 4)).toBe('event: reasoning\nid: 4\ndata: "hmm"\n\n');
  });

  it.each([
    ["a reserved name, which would forge the end", { event: "done", data: {} }],
    ["a name with a line break", { event: "a\nid: 9", data: 1 }],
    ["an object with more keys", { event: "x", data: 1, more: true }],
    ["an object with no data", { event: "x" }],
  ])("leave %s as a default event holding the whole value", (_, value) => {
    expect(sse.record(value, 1)).toBe(`id: 1\ndata: ${JSON.stringify(value)}\n\n`);
  });

  it("read back the same through readSSE and readJSONL", async () => {
    const values = ["a", named("tool-call", { index: 0 }), { event: "done", data: 1 }, "b"];
    const response = (framing: typeof sse) => new Response(wire(framing, values), { headers: { "content-type": framing.contentType } });
    expect(await readSSE(response(sse)).all()).toEqual(values);
    expect(await readJSONL(response(jsonl)).all()).toEqual(values);
  });
});
