import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWorker, upstream } from "../../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("a durable AI SDK answer", () => {
  it("ends a reader that joined before the first record when the stream fails: the AI SDK reader is not left streaming", async () => {
    const vars = upstream("stall");
    const chatId = `chat-${Date.now()}-early-reader`;
    const answer = callWorker("/api/ai/chat", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: chatId, messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] }] }) }, vars);
    let reader: Response | undefined;
    while (!reader) {
      const attempt = await callWorker(`/api/ai/chat/${chatId}/stream`, {}, vars);
      if (attempt.status === 200) reader = attempt;
      else await attempt.body?.cancel();
    }
    const text = await reader.text();
    expect(text).toContain('"type":"error"');
    expect((await answer).status).toBe(504);
  });
});
