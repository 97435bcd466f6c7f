import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWorker, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { weatherTool } from "../../support/fakeToolCall";
import { workerSDK } from "../../support/workerSDK";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
const user = { role: "user", content: "hi" };

/** Every field the Worker forwards, each with a value OpenAI accepts. */
const everything = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "developer", content: [{ type: "text", text: "Use tools." }] },
    {
      role: "user",
      name: "ada",
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
      ],
    },
    { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
    { role: "assistant", content: [{ type: "refusal", refusal: "No." }] },
  ],
  tools: [weatherTool],
  tool_choice: { type: "function", function: { name: "get_weather" } },
  parallel_tool_calls: false,
  response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } },
  stop: ["\n\n"],
  seed: 7,
  temperature: 0.5,
  top_p: 0.9,
  frequency_penalty: 0.1,
  presence_penalty: -0.1,
  logit_bias: { "50256": -100 },
  logprobs: true,
  top_logprobs: 2,
  max_completion_tokens: 100,
  reasoning_effort: "low",
  user: "user-1",
  metadata: { team: "edge" },
};

describe("chat requests", () => {
  it("forwards every documented field as given, and drops the rest", async () => {
    const response = await callWorker("/v1/chat/completions", postJSON({ ...everything, store: true, service_tier: "flex" }), upstream("ok-1-1"));
    expect(response.status).toBe(200);
    const seen = (await upstreamRequests()).at(-1)!.body as Record<string, unknown>;
    expect(seen).toMatchObject(everything);
    expect(seen).not.toHaveProperty("store");
    expect(seen).not.toHaveProperty("service_tier");
    expect(seen).not.toHaveProperty("max_tokens");
  });

  it("sends max_completion_tokens when the caller set reasoning_effort and no cap, max_tokens otherwise", async () => {
    await (await callWorker("/v1/chat/completions", postJSON({ messages: [user], reasoning_effort: "high" }), upstream("ok-1-1"))).text();
    expect((await upstreamRequests()).at(-1)!.body).toMatchObject({ max_completion_tokens: 1024 });
    await (await callWorker("/v1/chat/completions", postJSON({ messages: [user] }), upstream("ok-1-1"))).text();
    expect((await upstreamRequests()).at(-1)!.body).toMatchObject({ max_tokens: 1024 });
  });

  it.each([
    ["a message role nobody knows", { messages: [{ role: "robot", content: "hi" }] }, /messages\[0\]\.role: must be system, developer, user, assistant or tool/],
    ["a tool message without tool_call_id", { messages: [{ role: "tool", content: "x" }] }, /messages\[0\]\.tool_call_id/],
    ["a content part of an unknown type", { messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] }, /messages\[0\]\.content/],
    ["an image URL that is not http(s) or data:image", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }] }, /messages\[0\]\.content\[0\]\.image_url\.url: must be an http\(s\) URL/],
    ["an image detail off the list", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png", detail: "ultra" } }] }] }, /image_url\.detail/],
    ["audio in a format off the list", { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "ogg" } }] }] }, /input_audio\.format/],
    ["a tool call with no id", { messages: [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] }, /tool_calls\[0\]\.id/],
    ["a tool with a bad name", { messages: [user], tools: [{ type: "function", function: { name: "no spaces" } }] }, /tools\[0\]\.function\.name: must be 1 to 64/],
    ["a tool whose parameters are not an object", { messages: [user], tools: [{ type: "function", function: { name: "f", parameters: "x" } }] }, /tools\[0\]\.function\.parameters/],
    ["129 tools", { messages: [user], tools: Array(129).fill(weatherTool) }, /^tools: /],
    ["a tool_choice off the list", { messages: [user], tool_choice: "always" }, /^tool_choice: /],
    ["parallel_tool_calls not a boolean", { messages: [user], parallel_tool_calls: "yes" }, /^parallel_tool_calls: /],
    ["a response_format type off the list", { messages: [user], response_format: { type: "xml" } }, /^response_format/],
    ["five stop sequences", { messages: [user], stop: ["a", "b", "c", "d", "e"] }, /^stop: /],
    ["a seed that is not an integer", { messages: [user], seed: 1.5 }, /^seed: /],
    ["temperature over 2", { messages: [user], temperature: 3 }, /^temperature: /],
    ["top_p over 1", { messages: [user], top_p: 1.5 }, /^top_p: /],
    ["frequency_penalty under -2", { messages: [user], frequency_penalty: -3 }, /^frequency_penalty: /],
    ["presence_penalty over 2", { messages: [user], presence_penalty: 3 }, /^presence_penalty: /],
    ["a logit_bias key that is not a token id", { messages: [user], logit_bias: { hello: 1 } }, /^logit_bias/],
    ["a logit_bias over 100", { messages: [user], logit_bias: { "1": 101 } }, /^logit_bias/],
    ["logprobs not a boolean", { messages: [user], logprobs: 1 }, /^logprobs: /],
    ["top_logprobs over 20", { messages: [user], top_logprobs: 21 }, /^top_logprobs: /],
    ["a reasoning_effort off the list", { messages: [user], reasoning_effort: "extreme" }, /^reasoning_effort: /],
    ["a user id over 256 characters", { messages: [user], user: "u".repeat(257) }, /^user: /],
    ["a metadata value that is not a string", { messages: [user], metadata: { a: 1 } }, /^metadata\.a: /],
    ["17 metadata pairs", { messages: [user], metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }, /^metadata: at most 16 pairs/],
    ["logit_bias for 301 tokens", { messages: [user], logit_bias: Object.fromEntries(Array.from({ length: 301 }, (_, i) => [String(i), 1])) }, /^logit_bias: at most 300/],
    ["n over 1", { messages: [user], n: 2 }, /^n: must be 1: answers are relayed one choice at a time/],
  ])("refuses %s with a 400 naming the field, and calls no model", async (_, body, message) => {
    const before = (await upstreamRequests()).length;
    const error = await workerSDK(upstream("ok")).chat.completions.create(body as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, error: { code: "bad_request", message: expect.stringMatching(message) } });
    expect((await upstreamRequests()).length).toBe(before);
  });

  it.each([
    ["tool call arguments", { messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "x".repeat(1000) } }] }] }],
    ["a tool's schema", { messages: [user], tools: [{ type: "function", function: { name: "f", parameters: { description: "x".repeat(1000) } } }] }],
    ["a data: image URL's bytes", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(1000)}` } }] }] }],
    ["a response_format schema", { messages: [user], response_format: { type: "json_schema", json_schema: { name: "a", schema: { description: "x".repeat(1000) } } } }],
  ])("counts %s toward the prompt cap: 413", async (_, body) => {
    const response = await callWorker("/v1/chat/completions", postJSON(body), { ...offline, CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "prompt_too_large" } });
  });

  it("takes a prompt of exactly the cap, counted over its text parts", async () => {
    const body = { messages: [{ role: "user", content: [{ type: "text", text: "x".repeat(600) }, { type: "text", text: "y".repeat(400) }] }] };
    const response = await callWorker("/v1/chat/completions", postJSON(body), { ...offline, CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(response.status).toBe(200);
  });
});
