import Anthropic, { APIError } from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { readSSE } from "../../../src/client/readSSE";
import { answer } from "../../../src/model/offlineModel";
import { anthropicSDK } from "../../support/anthropicSDK";
import { callWorker, newClientIp, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { firstRefusal } from "../../support/firstRefusal";
import { weatherTool } from "../../support/fakeToolCall";

let logged: MockInstance;
beforeEach(() => {
  logged = vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
const MODEL = "claude-sonnet-4-5";
const ask = (text: string): Anthropic.MessageParam[] => [{ role: "user", content: text }];
const weather: Anthropic.Tool = { name: "get_weather", description: weatherTool.function.description, input_schema: weatherTool.function.parameters as Anthropic.Tool.InputSchema };

/** The SDK's raw events of a streamed answer, by type, and the Message it assembled. */
async function streamed(client: Anthropic, params: Omit<Anthropic.MessageStreamParams, "model" | "max_tokens"> & { max_tokens?: number }) {
  const stream = client.messages.stream({ model: MODEL, max_tokens: 256, ...params });
  const types: string[] = [];
  for await (const event of stream) types.push(event.type === "content_block_delta" ? event.delta.type : event.type);
  return { types, message: await stream.finalMessage() };
}

/** What the SDK throws for a request, as its typed error. */
async function refused(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

describe("/v1/messages through the Anthropic SDK, translated (the offline model)", () => {
  it("streams the answer event for event as the SDK reads it, and finalMessage() is the whole answer", async () => {
    const { types, message } = await streamed(anthropicSDK(offline), { messages: ask("hello there") });
    expect(types[0]).toBe("message_start");
    expect(types.slice(1, 3)).toEqual(["content_block_start", "text_delta"]);
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types.filter((t) => t === "text_delta")).toHaveLength(answer("hello there").length);
    expect(message).toMatchObject({ role: "assistant", model: MODEL, stop_reason: "end_turn", content: [{ type: "text", text: answer("hello there").join("") }] });
    expect(message.usage.output_tokens).toBe(answer("hello there").length);
  });

  it("answers stream: false with the same Message", async () => {
    const message = await anthropicSDK(offline).messages.create({ model: MODEL, max_tokens: 256, messages: ask("hello there") });
    expect(message.content).toEqual([{ type: "text", text: answer("hello there").join("") }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.id).toMatch(/^msg_/);
  });

  it("runs a two-step tool loop: tool_use with its input streamed as input_json_delta, then the answer that uses the tool_result", async () => {
    const client = anthropicSDK(offline);
    const first = await streamed(client, { messages: ask("Weather in Oslo"), tools: [weather] });
    expect(first.types).toContain("input_json_delta");
    expect(first.message.stop_reason).toBe("tool_use");
    const call = first.message.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
    expect(call).toMatchObject({ name: "get_weather", input: { city: "Oslo", days: 1 } });
    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [weather],
      messages: [
        ...ask("Weather in Oslo"),
        { role: "assistant", content: first.message.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: [{ type: "text", text: '{"temp":21}' }] }] },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: 'The tool get_weather returned {"temp":21}, so that is the answer.' }]);
  });

  it("streams the model's reasoning as a thinking block with a signature, before the text", async () => {
    const { types, message } = await streamed(anthropicSDK(offline), { messages: ask("think first"), thinking: { type: "enabled", budget_tokens: 2048 } });
    expect(types).toContain("thinking_delta");
    expect(types).toContain("signature_delta");
    expect(message.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect((message.content[0] as Anthropic.ThinkingBlock).signature).not.toBe("");
  });

  it("counts tokens the same way every time: the characters the prompt cap counts, 4 to a token", async () => {
    const client = anthropicSDK(offline);
    const params = { model: MODEL, system: "be brief", messages: ask("how many tokens is this"), tools: [weather] };
    const { input_tokens } = await client.messages.countTokens(params);
    const chars = "be brief".length + "how many tokens is this".length + JSON.stringify(weather).length;
    expect(input_tokens).toBe(Math.ceil(chars / 4));
    expect((await client.messages.countTokens(params)).input_tokens).toBe(input_tokens);
  });

  it("logs one line per answer with its usage", async () => {
    await anthropicSDK(offline).messages.create({ model: MODEL, max_tokens: 256, messages: ask("count me") });
    const lines = logged.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"route":"/v1/messages"'));
    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ outcome: "complete", format: "json", upstream: "offline", usage: expect.objectContaining({ completion_tokens: answer("count me").length }) })]);
  });

  it("is durable with ?resume=1: read again at /api/streams/<id>, the same events", async () => {
    const body = { model: MODEL, max_tokens: 256, stream: true, messages: ask("keep it") };
    const response = await callWorker("/v1/messages?resume=1", postJSON(body), offline);
    const live = await response.text();
    const again = await callWorker(`/api/streams/${response.headers.get("stream-id")}`, {}, offline);
    expect(again.headers.get("content-type")).toBe("text/event-stream");
    expect(await again.text()).toBe(live);
  });
});

describe("/v1/messages translated over an OpenAI-compatible upstream", () => {
  it("sends the upstream only what it carries, mapped: system first, tool results as tool messages, unknown fields and blocks dropped", async () => {
    const before = (await upstreamRequests()).length;
    await anthropicSDK(upstream("ok")).messages.stream({
      model: MODEL,
      max_tokens: 100_000,
      system: [{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }],
      top_k: 5,
      metadata: { user_id: "user-7" },
      tools: [weather, { type: "web_search_20250305", name: "web_search" } as unknown as Anthropic.Tool],
      messages: [
        { role: "user", content: "Weather in Oslo" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "rain" }, { type: "search_result", source: "x", title: "t", content: [] } as unknown as Anthropic.TextBlockParam], is_error: true },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "dropped" } } as unknown as Anthropic.TextBlockParam,
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
          ],
        },
      ],
      ...({ unknown_field: "dropped" } as object),
    }).finalMessage();
    const [sent] = (await upstreamRequests()).slice(before);
    expect(sent!.body).toEqual({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 1024,
      user: "user-7",
      tools: [{ type: "function", function: { name: "get_weather", description: weather.description, parameters: weather.input_schema } }],
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "Weather in Oslo" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "Error: rain" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
      ],
    });
  });

  it("takes Claude Code's request as it sends it: ?beta=true, a system message mid-conversation, adaptive thinking, fields it does not carry", async () => {
    const before = (await upstreamRequests()).length;
    const body = {
      model: "claude-opus-4-8",
      max_tokens: 64000,
      stream: true,
      system: "You are Claude Code.",
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      context_management: { edits: [] },
      metadata: { user_id: "session-1" },
      messages: [
        { role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "say hello" }] },
        { role: "system", content: "Available agent types: claude" },
      ],
    };
    const headers = { "x-api-key": "anything", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14" };
    const response = await callWorker("/v1/messages?beta=true", postJSON(body, headers), upstream("ok"));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("event: message_stop");
    const [sent] = (await upstreamRequests()).slice(before);
    expect((sent!.body as { messages: unknown[] }).messages).toEqual([
      { role: "system", content: "You are Claude Code." },
      { role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "say hello" }] },
      { role: "system", content: "Available agent types: claude" },
    ]);
    expect(Object.keys(sent!.body as object).sort()).toEqual(["max_tokens", "messages", "model", "stream", "stream_options", "user"]);
  });

  it("maps Claude model names with ANTHROPIC_MODEL_MAP, the longest prefix first, any other name to OPENAI_MODEL", async () => {
    const vars = { ...upstream("ok"), OPENAI_MODELS: "gpt-4o-mini,small,tiny", ANTHROPIC_MODEL_MAP: '{"claude-haiku*": "small", "claude-haiku-4-5-20251001": "tiny"}' };
    const before = (await upstreamRequests()).length;
    for (const model of ["claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-opus-4-1"]) {
      const message = await anthropicSDK(vars).messages.create({ model, max_tokens: 10, messages: ask("hi") });
      expect(message.model).toBe(model);
    }
    expect((await upstreamRequests()).slice(before).map((r) => (r.body as { model: string }).model)).toEqual(["small", "tiny", "gpt-4o-mini"]);
  });

  it.each([
    ["emptytools", "tool_calls: [] on every delta", ["text"]],
    ["noindex", "whole tool calls with no index", ["tool_use", "tool_use"]],
    ["reasoning", "reasoning as `reasoning`", ["thinking", "text"]],
    ["reasoningcontent", "reasoning as `reasoning_content`", ["thinking", "text"]],
  ])("mends an upstream that sends %s (%s)", async (mode, _, blocks) => {
    const { message } = await streamed(anthropicSDK(upstream(mode)), { messages: ask("x"), tools: [weather] });
    expect(message.content.map((b) => b.type)).toEqual(blocks);
    for (const block of message.content) if (block.type === "tool_use") expect(block.input).toMatchObject({ city: expect.any(String) });
  });

  it("ends with an error event the SDK throws when the upstream fails mid-answer, after the text before it", async () => {
    const stream = anthropicSDK(upstream("midstream")).messages.stream({ model: MODEL, max_tokens: 100, messages: ask("x") });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const error = await refused(stream.finalMessage());
    expect(texts).toEqual(["t1 ", "t2 "]);
    expect(error.error).toMatchObject({ type: "error", error: { type: "api_error", message: "the model provider failed mid-answer" } });
  });

  it.each([
    ["429", 429, "rate_limit_error", Anthropic.RateLimitError],
    ["500", 529, "overloaded_error", Anthropic.InternalServerError],
    ["stall", 529, "overloaded_error", Anthropic.InternalServerError],
    ["400", 500, "api_error", Anthropic.InternalServerError],
    ["401", 500, "api_error", Anthropic.InternalServerError],
  ])("answers an upstream that fails with %s before the first delta as %i %s, never its text", async (mode, status, type, kind) => {
    const error = await refused(anthropicSDK(upstream(mode)).messages.create({ model: MODEL, max_tokens: 10, messages: ask("x") }));
    expect(error).toBeInstanceOf(kind);
    expect(error.status).toBe(status);
    expect(error.error).toMatchObject({ type: "error", error: { type } });
    expect(JSON.stringify(error.error)).not.toContain("sk-test-secret");
  });
});

describe("/v1/messages refusals, in Anthropic's shapes", () => {
  it.each([
    ["no max_tokens", { model: MODEL, messages: ask("x") }, /^max_tokens: /],
    ["no messages", { model: MODEL, max_tokens: 10, messages: [] }, /^messages: /],
    ["a role Anthropic does not have", { model: MODEL, max_tokens: 10, messages: [{ role: "tool", content: "x" }] }, /^messages\[0\]\.role: must be user, assistant or system$/],
    ["an image URL that is not http(s)", { model: MODEL, max_tokens: 10, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "file:///etc/passwd" } }] }] }, /^messages\[0\]\.content\[0\]\.source\.url: /],
    ["a temperature over 1", { model: MODEL, max_tokens: 10, temperature: 1.5, messages: ask("x") }, /^temperature: /],
    ["more than 4 stop sequences for an OpenAI-compatible model", { model: MODEL, max_tokens: 10, stop_sequences: ["a", "b", "c", "d", "e"], messages: ask("x") }, /^stop_sequences: /],
  ])("refuses %s with 400 invalid_request_error naming the field", async (_, body, message) => {
    const error = await refused(anthropicSDK(offline).messages.create(body as never));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(message) } });
  });

  it("refuses a prompt over CHAT_MAX_PROMPT_CHARS with 413 request_too_large", async () => {
    const error = await refused(anthropicSDK({ ...offline, CHAT_MAX_PROMPT_CHARS: "10" }).messages.create({ model: MODEL, max_tokens: 10, messages: ask("far more than ten characters") }));
    expect(error.status).toBe(413);
    expect(error.error).toMatchObject({ error: { type: "request_too_large" } });
  });

  it("takes API_TOKEN as x-api-key (apiKey) or as a bearer (authToken), and refuses anything else with 401 authentication_error", async () => {
    const vars = { ...offline, API_TOKEN: "t0ken" };
    const error = await refused(anthropicSDK(vars, "wrong").messages.create({ model: MODEL, max_tokens: 10, messages: ask("x") }));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect((await anthropicSDK(vars, "t0ken").messages.create({ model: MODEL, max_tokens: 10, messages: ask("x") })).content).toHaveLength(1);
    const bearer = await callWorker("/v1/messages", postJSON({ model: MODEL, max_tokens: 10, messages: ask("x") }, { authorization: "Bearer t0ken" }), vars);
    expect(bearer.status).toBe(200);
  });

  it("counts every request against the rate limit: past it, 429 rate_limit_error with Retry-After, which the SDK throws typed", async () => {
    const ip = { "cf-connecting-ip": newClientIp() };
    const body = { model: MODEL, messages: ask("x") };
    const { refusedAt, refusal } = await firstRefusal(() => callWorker("/v1/messages/count_tokens", postJSON(body, ip), offline));
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusal.headers.get("retry-after")).toBe("60");
    expect(await refusal.json()).toEqual({ type: "error", error: { type: "rate_limit_error", message: expect.any(String) } });
    const client = new Anthropic({ apiKey: "x", baseURL: "http://worker", maxRetries: 0, fetch: (input, init) => callWorker(new URL(String(input)).pathname, { ...init, headers: { ...(init?.headers as object), ...ip } } as RequestInit, offline) });
    expect(await refused(client.messages.countTokens(body))).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it("is closed on a deployment with a real key and no API_TOKEN, as the other model routes are", async () => {
    const error = await refused(anthropicSDK({ ...upstream("ok"), ALLOW_ANONYMOUS: "false" }).messages.create({ model: MODEL, max_tokens: 10, messages: ask("x") }));
    expect(error.status).toBe(401);
  });

  it("answers a mapping to a model OPENAI_MODELS does not list with 500 api_error: the owner's to fix, not the client's", async () => {
    const error = await refused(anthropicSDK({ ...offline, ANTHROPIC_MODEL_MAP: '{"claude*": "unlisted"}' }).messages.create({ model: MODEL, max_tokens: 10, messages: ask("x") }));
    expect(error.status).toBe(500);
    expect(error.error).toMatchObject({ error: { type: "api_error", message: expect.stringContaining("ANTHROPIC_MODEL_MAP") } });
  });
});

describe("/v1/messages relayed to an Anthropic upstream (native)", () => {
  const native = (mode: string) => ({ ...upstream("ok"), ANTHROPIC_API_KEY: "sk-ant-worker", ANTHROPIC_BASE_URL: upstream(mode).OPENAI_BASE_URL!.replace(/\/v1$/, "") });

  it("relays the upstream's events with the Worker's key and the client's version and betas, model and fields as checked", async () => {
    const before = (await upstreamRequests()).length;
    const client = anthropicSDK(native("ok"));
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100_000, top_k: 3, messages: ask("x") }, { headers: { "anthropic-version": "2023-06-01", "anthropic-beta": "fine-grained-tool-streaming-2025-05-14" } });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "t1 t2 t3 t4 t5 " }]);
    expect(message.usage).toMatchObject({ input_tokens: 7, output_tokens: 5 });
    const [sent] = (await upstreamRequests()).slice(before);
    expect(sent!.path).toMatch(/\/v1\/messages$/);
    expect(sent!.anthropic).toEqual({ apiKey: "sk-ant-worker", version: "2023-06-01", beta: "fine-grained-tool-streaming-2025-05-14" });
    expect(sent!.body).toEqual({ model: MODEL, max_tokens: 1024, top_k: 3, stream: true, messages: ask("x") });
  });

  it("keeps a thinking block's signature and a tool call's input as the upstream sent them", async () => {
    const thinking = await anthropicSDK(native("thinking")).messages.stream({ model: MODEL, max_tokens: 100, messages: ask("x") }).finalMessage();
    expect(thinking.content[0]).toEqual({ type: "thinking", thinking: "r1 r2 r3 r4 r5 ", signature: "sig-fake" });
    const tools = await anthropicSDK(native("tools")).messages.create({ model: MODEL, max_tokens: 100, tools: [weather], messages: ask("x") });
    expect(tools.stop_reason).toBe("tool_use");
    expect(tools.content[0]).toMatchObject({ type: "tool_use", id: "toolu_fake", input: { city: expect.any(String) } });
  });

  it("passes an upstream's mid-stream overloaded_error on as an error event, and its 529 as 529", async () => {
    const midstream = await refused(anthropicSDK(native("midstream")).messages.stream({ model: MODEL, max_tokens: 100, messages: ask("x") }).finalMessage());
    expect(midstream.error).toMatchObject({ error: { type: "overloaded_error" } });
    const down = await refused(anthropicSDK(native("529")).messages.create({ model: MODEL, max_tokens: 100, messages: ask("x") }));
    expect(down.status).toBe(529);
  });

  it("fails an upstream stream cut before message_stop instead of finishing it as whole", async () => {
    const cut = await refused(anthropicSDK(native("nodone")).messages.stream({ model: MODEL, max_tokens: 100, messages: ask("x") }).finalMessage());
    expect(cut.error).toMatchObject({ error: { type: "overloaded_error" } });
  });
});
