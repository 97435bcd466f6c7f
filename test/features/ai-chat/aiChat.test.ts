import { DefaultChatTransport, parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema, type UIMessage, type UIMessageChunk } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { callWorker, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { weatherTool } from "../../support/fakeToolCall";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
let chats = 0;
const newChatId = () => `chat-${Date.now()}-${++chats}-abcdefgh`;
const user = (text: string): UIMessage => ({ id: `u-${++chats}`, role: "user", parts: [{ type: "text", text }] });

/** The AI SDK's own transport, its requests sent to the Worker with these vars and this request body. */
function transport(vars: Partial<Env> = offline, body: object = {}) {
  return new DefaultChatTransport<UIMessage>({
    api: "http://worker/api/ai/chat",
    body,
    fetch: (input, init) => {
      const request = new Request(input, init);
      return callWorker(new URL(request.url).pathname, { method: request.method, headers: request.headers, body: request.body, signal: request.signal }, vars);
    },
  });
}

/** Sends the chat's messages and reads the answer with `readUIMessageStream`, as useChat does: the last message it assembles. */
async function ask(chatId: string, messages: UIMessage[], vars?: Partial<Env>, body?: object) {
  const stream = await transport(vars, body).sendMessages({ chatId, messages, trigger: "submit-message", messageId: undefined, abortSignal: undefined });
  return lastMessage(stream, messages.at(-1)!.role === "assistant" ? messages.at(-1) : undefined);
}

async function lastMessage(stream: ReadableStream<UIMessageChunk>, message?: UIMessage) {
  let last: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream, message, terminateOnError: true })) last = snapshot;
  return last!;
}

describe("/api/ai/chat through the AI SDK's transport", () => {
  it("answers with a UI message stream that assembles into the offline model's text", async () => {
    const message = await ask(newChatId(), [user("hello")]);
    expect(message.role).toBe("assistant");
    const text = message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
    expect(text).toBe(answer("hello").join(""));
    expect(message.metadata).toMatchObject({ finishReason: "stop", usage: { completion_tokens: answer("hello").length } });
  });

  it("sends the protocol's header, start/step/text parts in order, finish and [DONE]", async () => {
    const response = await callWorker("/api/ai/chat", postJSON({ id: newChatId(), messages: [user("hi")] }), offline);
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const datas = (await response.text()).split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
    expect(datas.at(-1)).toBe("[DONE]");
    const types = datas.slice(0, -1).map((d) => (JSON.parse(d) as { type: string }).type);
    expect(types.slice(0, 3)).toEqual(["start", "start-step", "text-start"]);
    expect(types.slice(-3)).toEqual(["text-end", "finish-step", "finish"]);
  });

  it("streams reasoning as a reasoning part before the text, with a transient status data part", async () => {
    const chatId = newChatId();
    const response = await callWorker("/api/ai/chat", postJSON({ id: chatId, messages: [user("hi")], reasoning_effort: "low" }), offline);
    const wire = await response.text();
    expect(wire).toContain('{"type":"data-status","id":"status","data":{"text":"thinking…"},"transient":true}');
    const message = await ask(newChatId(), [user("hi")], offline, { reasoning_effort: "low" });
    expect(message.parts.map((p) => p.type)).toEqual(["step-start", "reasoning", "text"]);
    expect(message.parts.some((p) => p.type === "data-status")).toBe(false);
  });

  it("runs a two-step tool call: the call's input arrives, its output goes back, the answer uses it", async () => {
    const chatId = newChatId();
    const first = await ask(chatId, [user("Weather in Oslo")], offline, { tools: [weatherTool] });
    const call = first.parts.find((p) => p.type === "tool-get_weather") as { toolCallId: string; state: string; input: unknown } | undefined;
    expect(call).toMatchObject({ state: "input-available", input: { city: "Oslo", days: 1, note: "Oslo" } });
    expect(first.metadata).toMatchObject({ finishReason: "tool-calls" });
    // What useChat sends next, once the client's tool ran (addToolOutput): the same assistant message, with its output.
    const withOutput = { ...first, parts: first.parts.map((p) => (p === (call as unknown) ? { ...call, state: "output-available", output: { temp: 21 } } : p)) } as UIMessage;
    const second = await ask(chatId, [user("Weather in Oslo"), withOutput], offline, { tools: [weatherTool] });
    expect(second.id).toBe(first.id);
    const text = second.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
    expect(text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
  });

  it("turns an upstream failure mid-answer into an error part, after the text before it", async () => {
    const stream = await transport(upstream("midstream-1")).sendMessages({ chatId: newChatId(), messages: [user("x")], trigger: "submit-message", messageId: undefined, abortSignal: undefined });
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.filter((c) => c.type === "text-delta").map((c) => (c as { delta: string }).delta)).toEqual(["t1 ", "t2 "]);
    expect(chunks.at(-1)).toEqual({ type: "error", errorText: "the model provider failed mid-answer" });
  });

  it("answers an upstream that refuses before any delta with its status, as a thrown error", async () => {
    const error = await transport(upstream("429")).sendMessages({ chatId: newChatId(), messages: [user("x")], trigger: "submit-message", messageId: undefined, abortSignal: undefined }).catch((e: unknown) => e);
    expect(String(error)).toContain("upstream_rate_limited");
  });

  it.each([
    ["a chat id too short to be unguessable", { id: "short", messages: [{ id: "1", role: "user", parts: [{ type: "text", text: "hi" }] }] }, /^id: must be 16 to 128/],
    ["no messages", { id: "a".repeat(16), messages: [] }, /^messages: /],
    ["a role UIMessages do not have", { id: "a".repeat(16), messages: [{ id: "1", role: "tool", parts: [] }] }, /^messages\[0\]\.role/],
    ["a text part with no text", { id: "a".repeat(16), messages: [{ id: "1", role: "user", parts: [{ type: "text" }] }] }, /^messages\[0\]\.parts\[0\]\.text: /],
    ["messages with nothing the model can read", { id: "a".repeat(16), messages: [{ id: "1", role: "user", parts: [{ type: "data-x", data: 1 }] }] }, /none has a part/],
    ["a caller's field the chat routes refuse", { id: "a".repeat(16), messages: [{ id: "1", role: "user", parts: [{ type: "text", text: "hi" }] }], temperature: 9 }, /^temperature: /],
  ])("refuses %s with a 400", async (_, body, message) => {
    const response = await callWorker("/api/ai/chat", postJSON(body), offline);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
  });
});

describe("resuming and stopping a chat's answer", () => {
  const slow = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" };

  it("replays the running answer from its start after a dropped connection: the same message, no part twice", async () => {
    const chatId = newChatId();
    const messages = [user("resume me")];
    const first = await transport(slow).sendMessages({ chatId, messages, trigger: "submit-message", messageId: undefined, abortSignal: undefined });
    const reader = first.getReader();
    for (let i = 0; i < 6; i++) await reader.read();
    await reader.cancel(); // the connection drops; the answer goes on
    const resumed = await transport(slow).reconnectToStream({ chatId });
    expect(resumed).not.toBeNull();
    const message = await lastMessage(resumed!);
    const texts = message.parts.filter((p) => p.type === "text");
    expect(texts).toHaveLength(1);
    expect(texts[0]!.text).toBe(answer("resume me").join(""));
  });

  it("answers 204 (null from the transport) when the chat has no answer running", async () => {
    const chatId = newChatId();
    expect(await transport().reconnectToStream({ chatId })).toBeNull();
    await ask(chatId, [user("done already")]);
    expect(await transport().reconnectToStream({ chatId })).toBeNull();
  });

  it("stops the model with DELETE: readers get abort, the upstream's socket closes within a second", async () => {
    const chatId = newChatId();
    const q = `stop me ${chatId}`;
    const stream = await transport(upstream("ok-50-100")).sendMessages({ chatId, messages: [user(q)], trigger: "submit-message", messageId: undefined, abortSignal: undefined });
    const chunks: UIMessageChunk[] = [];
    const reading = (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })();
    await vi.waitFor(() => expect(chunks.some((c) => c.type === "text-delta")).toBe(true));
    const stoppedAt = Date.now();
    expect((await callWorker(`/api/ai/chat/${chatId}/stream`, { method: "DELETE" })).status).toBe(204);
    await reading;
    expect(chunks.at(-1)).toMatchObject({ type: "abort" });
    const seen = await vi.waitFor(async () => {
      const request = (await upstreamRequests()).find((r) => JSON.stringify(r.body).includes(q))!;
      expect(request.abortedAt).not.toBeNull();
      return request;
    });
    expect(seen.abortedAt! - stoppedAt).toBeLessThan(1000);
    expect(seen.tokensSent).toBeLessThan(100);
    expect(await transport().reconnectToStream({ chatId })).toBeNull();
  });

  it("cancels a running answer when the chat sends its next message", async () => {
    const chatId = newChatId();
    const first = await transport(slow).sendMessages({ chatId, messages: [user("first")], trigger: "submit-message", messageId: undefined, abortSignal: undefined });
    const second = await ask(chatId, [user("second")], slow);
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of first) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ type: "abort" });
    expect(second.parts.filter((p) => p.type === "text").map((p) => p.text).join("")).toBe(answer("second").join(""));
  });
});

describe("resuming a chat's answer from a chunk index (?startIndex=, as WorkflowChatTransport asks)", () => {
  /** GET the chat's stream from `startIndex`: the chunks as the `ai` package parses them, and the tail index header. */
  async function readFrom(chatId: string, startIndex: number | string) {
    const response = await callWorker(`/api/ai/chat/${chatId}/stream?startIndex=${startIndex}`, {}, offline);
    const chunks: UIMessageChunk[] = [];
    if (response.body) {
      for await (const parsed of parseJsonEventStream({ stream: response.body, schema: uiMessageChunkSchema })) {
        if (!parsed.success) throw parsed.error;
        chunks.push(parsed.value as UIMessageChunk);
      }
    }
    return { status: response.status, chunks, tail: Number(response.headers.get("x-workflow-stream-tail-index")) };
  }

  /** A finished answer of many text deltas, and every chunk it sent, `finish` included. */
  async function finishedAnswer(q: string) {
    const chatId = newChatId();
    const response = await callWorker("/api/ai/chat", postJSON({ id: chatId, messages: [user(q)] }), offline);
    expect(response.headers.get("x-workflow-run-id")).toBe(chatId);
    const { chunks } = await readFrom(chatId, 0);
    await response.body?.cancel();
    return { chatId, chunks };
  }

  it("starts at chunk N: exactly the chunks from N on, and the index of the last chunk in x-workflow-stream-tail-index", async () => {
    const { chatId, chunks } = await finishedAnswer("from the middle");
    expect(chunks.at(-1)).toMatchObject({ type: "finish" });
    const { chunks: rest, tail } = await readFrom(chatId, 5);
    expect(rest).toEqual(chunks.slice(5));
    expect(tail).toBe(chunks.length - 1);
  });

  it("joins a running answer at the index the client reached: what it had and what it gets assemble into the whole answer", async () => {
    const chatId = newChatId();
    const messages = [user("drop and rejoin")];
    const first = await transport({ OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" }).sendMessages({ chatId, messages, trigger: "submit-message", messageId: undefined, abortSignal: undefined });
    const reader = first.getReader();
    const had: UIMessageChunk[] = [];
    for (let i = 0; i < 6; i++) had.push((await reader.read()).value!);
    await reader.cancel();
    const { chunks: rest } = await readFrom(chatId, had.length);
    const stream = new ReadableStream<UIMessageChunk>({ start: (c) => (had.concat(rest).forEach((chunk) => c.enqueue(chunk)), c.close()) });
    const message = await lastMessage(stream);
    expect(message.parts.filter((p) => p.type === "text").map((p) => p.text)).toEqual([answer("drop and rejoin").join("")]);
  });

  it("starts |N| chunks from the end for a negative N, moved back to the start of the text part open there", async () => {
    const { chatId, chunks } = await finishedAnswer("only the tail");
    // The last four: a text delta, text-end, finish-step, finish. The delta's part began at text-start.
    const { chunks: tailChunks, tail } = await readFrom(chatId, -4);
    const textStart = chunks.findIndex((c) => c.type === "text-start");
    expect(tailChunks).toEqual(chunks.slice(textStart));
    // WorkflowChatTransport counts its position as tail + 1 + N: lowered by the move back, that is the first chunk sent.
    expect(tail + 1 - 4).toBe(textStart);
    const message = await lastMessage(new ReadableStream({ start: (c) => (tailChunks.forEach((chunk) => c.enqueue(chunk)), c.close()) }));
    expect(message.parts.filter((p) => p.type === "text").map((p) => p.text)).toEqual([answer("only the tail").join("")]);
  });

  it("does not move a negative start that falls between parts, and reports the true tail", async () => {
    const { chatId, chunks } = await finishedAnswer("between parts");
    const { chunks: tailChunks, tail } = await readFrom(chatId, -2);
    expect(tailChunks.map((c) => c.type)).toEqual(["finish-step", "finish"]);
    expect(tail).toBe(chunks.length - 1);
  });

  it("refuses a startIndex that is not an integer with 400, and answers 204 for a chat with no answer", async () => {
    expect((await readFrom(newChatId(), "soon")).status).toBe(400);
    expect((await readFrom(newChatId(), 0)).status).toBe(204);
  });
});
