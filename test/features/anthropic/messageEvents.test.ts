import { describe, expect, it } from "vitest";
import { named } from "../../../src/streams/named";
import { emptyMessage, messageEvents, type MessageEvent } from "../../../src/features/anthropic/messageEvents";

describe("messageEvents", () => {
  it("keeps a tool call's input on its own block when text arrives before the call is finished", () => {
    const events: MessageEvent[] = [];
    const message = messageEvents((event) => events.push(event), emptyMessage("claude-sonnet-4-5", 3));
    message.record(named("tool-call-start", { index: 0, id: "call_1", name: "get_weather" }));
    message.record(named("tool-call-delta", { index: 0, arguments: '{"city":"Oslo"}' }));
    message.record("Checking.");
    message.record(named("tool-call", { index: 0, id: "call_1", name: "get_weather", arguments: { city: "Oslo" } }));
    const finished = message.end({ finish_reason: "tool_calls", usage: null });
    expect(events.map((e) => [e.type, e.index ?? null])).toEqual([
      ["message_start", null],
      ["content_block_start", 0],
      ["content_block_delta", 0],
      ["content_block_stop", 0],
      ["content_block_start", 1],
      ["content_block_delta", 1],
      ["content_block_stop", 1],
    ]);
    expect(finished.content).toEqual([
      { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
      { type: "text", text: "Checking." },
    ]);
    expect(finished.stop_reason).toBe("tool_use");
  });
});
