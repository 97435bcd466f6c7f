import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readJSONL } from "../../../src/client/readJSONL";
import { readSSE } from "../../../src/client/readSSE";
import { chatRecords, type ChatRecord } from "../../../src/model/chatRecords";
import { ToolCalls } from "../../../src/model/ToolCalls";
import { callWorker, postJSON, upstream } from "../../support/callWorker";
import { drain } from "../../support/chunked";
import { fakeToolArguments, weatherTool } from "../../support/fakeToolCall";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const body = { messages: [{ role: "user", content: "weather?" }], tools: [weatherTool] };
const events = (records: unknown[]) => records.map((r) => (typeof r === "string" ? "text" : (r as { event: string }).event));

/** The tool-call records of the fake's call `index` in `fragments` pieces. */
function toolCallRecords(index: number, fragments: number): ChatRecord[] {
  const pieces = fakeToolArguments(fragments, index);
  return [
    { event: "tool-call-start", data: { index, id: `call_${index}`, name: "get_weather" } },
    ...pieces.map((piece) => ({ event: "tool-call-delta" as const, data: { index, arguments: piece } })),
    { event: "tool-call", data: { index, id: `call_${index}`, name: "get_weather", arguments: JSON.parse(pieces.join("")) as unknown } },
  ];
}

describe("/api/chat with tools, reasoning and refusals", () => {
  it("streams a tool call as start, argument deltas and the finished call with parsed arguments; done carries the calls", async () => {
    const { values, result } = await drain(readSSE(await callWorker("/api/chat", postJSON(body), upstream("tools-1-6"))));
    expect(values).toEqual(toolCallRecords(0, 6));
    expect(result).toMatchObject({
      finish_reason: "tool_calls",
      tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: fakeToolArguments(6).join("") } }],
    });
  });

  it("finishes each of parallel calls before the next starts", async () => {
    const { values } = await drain(readSSE(await callWorker("/api/chat", postJSON(body), upstream("parallel-1-3"))));
    expect(values).toEqual([...toolCallRecords(0, 3), ...toolCallRecords(1, 3)]);
  });

  it("sends the same records as JSON Lines, named ones as { event, data } lines", async () => {
    const response = await callWorker("/api/chat", postJSON(body, { accept: "application/jsonl" }), upstream("tools-1-4"));
    const { values, result } = await drain(readJSONL(response));
    expect(values).toEqual(toolCallRecords(0, 4));
    expect(result).toMatchObject({ finish_reason: "tool_calls" });
  });

  it("keeps text deltas as default events, so EventSource.onmessage sees only text", async () => {
    const wire = await (await callWorker("/api/chat", postJSON(body), upstream("reasoning-1-2"))).text();
    expect(wire).toMatch(/^event: reasoning\nid: 1\ndata: "r1 "\n\n/);
    expect(wire).toContain('id: 3\ndata: "t1 "\n\n');
    expect(wire).not.toContain("event: message");
  });

  it.each(["reasoning", "reasoningcontent"])("sends reasoning (upstream mode %s) as reasoning events before the text", async (mode) => {
    const { values } = await drain(readSSE(await callWorker("/api/chat", postJSON(body), upstream(`${mode}-1-3`))));
    expect(values).toEqual([
      { event: "reasoning", data: "r1 " },
      { event: "reasoning", data: "r2 " },
      { event: "reasoning", data: "r3 " },
      "t1 ",
      "t2 ",
    ]);
  });

  it("keeps the connection alive with heartbeats while a model reasons past the first-token timeout", async () => {
    const vars = { ...upstream("reasoning-150-3"), CHAT_FIRST_TOKEN_TIMEOUT_MS: "100", HEARTBEAT_MS: "50" };
    const wire = await (await callWorker("/api/chat", postJSON(body), vars)).text();
    const reasoning = wire.indexOf("event: reasoning");
    expect(wire.indexOf(": ping")).toBeGreaterThan(reasoning);
    expect(wire.indexOf(": ping")).toBeLessThan(wire.indexOf('data: "t1 "'));
    expect(wire).toContain("event: done");
  });

  it("sends a refusal as refusal events", async () => {
    const { values } = await drain(readSSE(await callWorker("/api/chat", postJSON(body), upstream("refusal-1-2"))));
    expect(values).toEqual([{ event: "refusal", data: "no1 " }, { event: "refusal", data: "no2 " }]);
  });

  it("ends a call cut mid-arguments with the error event, and never a finished call", async () => {
    const seen: unknown[] = [];
    const reader = readSSE(await callWorker("/api/chat", postJSON(body), upstream("cuttool-1-10")), { onRecord: (r) => seen.push(r) });
    await expect(reader.all()).rejects.toMatchObject({ code: "upstream_cut" });
    expect(events(seen)).toEqual(["tool-call-start", "tool-call-delta", "tool-call-delta"]);
  });

  it("replays named records to a durable stream's later reader, in order", async () => {
    const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
    const first = await callWorker("/api/chat", postJSON({ ...body, resume: true, reasoning_effort: "low" }), offline);
    const live = await readSSE(first).all();
    const again = await readSSE(await callWorker(`/api/chat/${first.headers.get("stream-id")}`, {}, offline)).all();
    expect(again).toEqual(live);
    expect(new Set(events(live))).toEqual(new Set(["reasoning", "tool-call-start", "tool-call-delta", "tool-call"]));
  });
});

describe("chatRecords", () => {
  it("passes arguments that are not JSON as sent, marked invalid", () => {
    const records: ChatRecord[] = [];
    const calls = new ToolCalls();
    const translate = chatRecords((r) => records.push(r), calls);
    const delta = { tool_calls: [{ index: 0, id: "c", type: "function" as const, function: { name: "f", arguments: '{"a":' } }] };
    calls.push(delta.tool_calls);
    translate.delta(delta);
    translate.end();
    expect(records.at(-1)).toEqual({ event: "tool-call", data: { index: 0, id: "c", name: "f", arguments: '{"a":', invalid: true } });
  });
});
