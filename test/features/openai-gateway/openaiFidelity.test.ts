import OpenAI, { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { upstream } from "../../support/callWorker";
import { fakeToolArguments, weatherTool } from "../../support/fakeToolCall";
import { workerSDK } from "../../support/workerSDK";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const ask = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "weather?" }], tools: [weatherTool] };

/** Every chunk the SDK reads from the Worker for a streamed request against the fake upstream in `mode`. */
async function chunksFor(mode: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}): Promise<ChatCompletionChunk[]> {
  const stream = await workerSDK(upstream(mode)).chat.completions.create({ ...ask, ...extra, stream: true });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("/v1/chat/completions relays tool calls", () => {
  it("gives the SDK's finalChatCompletion() the tool call with the upstream's arguments, from 20 fragments", async () => {
    const stream = workerSDK(upstream("tools-1-20")).chat.completions.stream(ask);
    const fragments: string[] = [];
    stream.on("tool_calls.function.arguments.delta", ({ arguments_delta }) => fragments.push(arguments_delta));
    const completion = await stream.finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls).toEqual([
      { id: "call_0", type: "function", function: { name: "get_weather", arguments: fakeToolArguments(20).join("") } },
    ]);
    expect(fragments.filter(Boolean)).toEqual(fakeToolArguments(20));
  });

  it("relays parallel calls each under its own index", async () => {
    const completion = await workerSDK(upstream("parallel-1-4")).chat.completions.stream(ask).finalChatCompletion();
    expect(completion.choices[0]!.message.tool_calls!.map((call) => call.type === "function" && [call.id, call.function.arguments])).toEqual([
      ["call_0", fakeToolArguments(4, 0).join("")],
      ["call_1", fakeToolArguments(4, 1).join("")],
    ]);
  });

  it("gathers the tool calls into the message of a stream: false answer", async () => {
    const completion = await workerSDK(upstream("tools-1-5")).chat.completions.create(ask);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]!.message).toMatchObject({
      content: null,
      tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: fakeToolArguments(5).join("") } }],
    });
  });

  it("ends a stream cut mid-arguments with the error chunk, which the SDK throws, never a clean end", async () => {
    const stream = workerSDK(upstream("cuttool-1-10")).chat.completions.stream(ask);
    const error = await stream.finalChatCompletion().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toMatch(/cut off/);
  });
});

describe("/v1/chat/completions mends upstream quirks", () => {
  it("numbers index-less calls (Ollama, Gemini) 0, 1… by their ids", async () => {
    const chunks = await chunksFor("noindex-1-3");
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(fragments.map((f) => [f.index, f.id])).toEqual([[0, "call_0"], [1, "call_1"]]);
    const completion = await workerSDK(upstream("noindex-1-3")).chat.completions.create(ask);
    expect(completion.choices[0]!.message.tool_calls).toHaveLength(2);
  });

  it("drops `tool_calls: []` from text deltas, so clients see no phantom call", async () => {
    const chunks = await chunksFor("emptytools-1-3");
    expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("t1 t2 t3 ");
  });

  it("turns content sent as numbers (Workers AI) into text", async () => {
    const chunks = await chunksFor("numcontent-1-3");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "")).toEqual(["1", "2", "3", ""]);
  });

  it("reads past keep-alive comments (OpenRouter) without relaying them", async () => {
    const completion = await workerSDK(upstream("comments-1-3")).chat.completions.create(ask);
    expect(completion.choices[0]!.message.content).toBe("t1 t2 t3 ");
  });

  it("takes usage from a last chunk with no choices", async () => {
    const chunks = await chunksFor("ok-1-3", { stream_options: { include_usage: true } });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3, total_tokens: 4 } });
  });

  it("turns an error object sent as a data event mid-stream into the error chunk", async () => {
    const error = await chunksFor("midstream-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
  });
});

describe("/v1/chat/completions relays reasoning, refusals, logprobs and finish reasons", () => {
  it.each(["reasoning", "reasoning_content"])("relays reasoning spelled %s as the upstream spelled it, before the text", async (field) => {
    const chunks = await chunksFor(`${field.replace("_", "")}-1-3`);
    const deltas = chunks.map((c) => c.choices[0]?.delta as Record<string, unknown>);
    expect(deltas.map((d) => d[field] ?? "").join("")).toBe("r1 r2 r3 ");
    expect(deltas.findIndex((d) => d[field])).toBeLessThan(deltas.findIndex((d) => d.content));
    const completion = await workerSDK(upstream(`${field.replace("_", "")}-1-3`)).chat.completions.create(ask);
    expect(completion.choices[0]!.message).toMatchObject({ content: "t1 t2 ", [field]: "r1 r2 r3 " });
  });

  it("succeeds for a model that reasons longer than the first-token timeout before any text", async () => {
    const vars = { ...upstream("reasoning-40-8"), CHAT_FIRST_TOKEN_TIMEOUT_MS: "100" };
    const completion = await workerSDK(vars).chat.completions.create(ask);
    expect(completion.choices[0]!.message.content).toBe("t1 t2 ");
  });

  it("still times out an upstream that sends only keep-alive comments and never a delta", async () => {
    const error = await workerSDK(upstream("keepalive")).chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 504 });
  });

  it("relays refusal deltas, which the SDK emits as refusal.delta and gathers as message.refusal", async () => {
    const stream = workerSDK(upstream("refusal-1-3")).chat.completions.stream(ask);
    const deltas: string[] = [];
    stream.on("refusal.delta", ({ delta }) => deltas.push(delta));
    const completion = await stream.finalChatCompletion();
    expect(deltas).toEqual(["no1 ", "no2 ", "no3 "]);
    expect(completion.choices[0]!.message).toMatchObject({ refusal: "no1 no2 no3 ", content: null });
  });

  it("relays logprobs on each chunk, and gathers them for stream: false", async () => {
    const chunks = await chunksFor("logprobs-1-2");
    expect(chunks.map((c) => c.choices[0]?.logprobs?.content?.[0]?.token)).toEqual(["t1 ", "t2 ", undefined]);
    const completion = await workerSDK(upstream("logprobs-1-2")).chat.completions.create({ ...ask, logprobs: true });
    expect(completion.choices[0]!.logprobs!.content!.map((l) => l.logprob)).toEqual([-0.1, -0.2]);
  });

  it.each(["stop", "length", "content_filter", "tool_calls"])("relays finish reason %s, streamed and not", async (reason) => {
    const chunks = await chunksFor(`finish_${reason}-1-2`);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe(reason);
    const completion = await workerSDK(upstream(`finish_${reason}-1-2`)).chat.completions.create(ask);
    expect(completion.choices[0]!.finish_reason).toBe(reason);
  });
});
