import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { APIError } from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { callWorker, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { fakeToolArguments, weatherTool } from "../../support/fakeToolCall";
import { workerSDK } from "../../support/workerSDK";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
const model = "gpt-4o-mini";
const tool = { type: "function" as const, name: "get_weather", description: "The weather", parameters: weatherTool.function.parameters, strict: true };

async function events(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const all: ResponseStreamEvent[] = [];
  for await (const event of stream) all.push(event);
  return all;
}

describe("/v1/responses through the openai SDK (translate mode)", () => {
  it("streams text as OpenAI's events, numbered from 0, ending with response.completed", async () => {
    const all = await events(await workerSDK(offline).responses.create({ model, input: "hello", stream: true }));
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.slice(0, 4).map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(all.slice(-4).map((e) => e.type)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    const text = all.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
    expect(text).toBe(answer("hello").join(""));
  });

  it("gives responses.stream()'s finalResponse() the same output as the non-streaming answer", async () => {
    const streamed = await workerSDK(offline).responses.stream({ model, input: "same answer", instructions: "Be brief." }).finalResponse();
    const whole = await workerSDK(offline).responses.create({ model, input: "same answer", instructions: "Be brief." });
    expect(streamed.output_text).toBe(answer("same answer").join(""));
    expect(whole.output_text).toBe(streamed.output_text);
    expect(whole.output.map((i) => i.type)).toEqual(streamed.output.map((i) => i.type));
    expect(whole).toMatchObject({ status: "completed", usage: { output_tokens: answer("same answer").length } });
  });

  it("streams reasoning as a reasoning item's summary before the message", async () => {
    const final = await workerSDK(offline).responses.stream({ model, input: "hi", reasoning: { effort: "low" } }).finalResponse();
    expect(final.output.map((i) => i.type)).toEqual(["reasoning", "message"]);
    const reasoning = final.output[0]!;
    expect(reasoning.type === "reasoning" && reasoning.summary[0]!.text).toMatch(/^Thinking about "hi"/);
  });

  it("streams a function call's arguments, and takes its output back for the answer", async () => {
    const sdk = workerSDK(offline);
    const first = await sdk.responses.stream({ model, input: "Weather in Oslo", tools: [tool] }).finalResponse();
    const call = first.output.find((i) => i.type === "function_call")!;
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(JSON.parse(call.type === "function_call" ? call.arguments : "")).toEqual({ city: "Oslo", days: 1, note: "Oslo" });
    const callId = call.type === "function_call" ? call.call_id : "";
    const second = await sdk.responses.create({
      model,
      tools: [tool],
      input: [
        { role: "user", content: "Weather in Oslo" },
        { type: "function_call", call_id: callId, name: "get_weather", arguments: call.type === "function_call" ? call.arguments : "" },
        { type: "function_call_output", call_id: callId, output: '{"temp":21}' },
      ],
    });
    expect(second.output_text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
  });

  it("relays an upstream's tool call from its fragments, and the refusal of another", async () => {
    const all = await events(await workerSDK(upstream("tools-1-6")).responses.create({ model, input: "x", tools: [tool], stream: true }));
    const done = all.find((e) => e.type === "response.function_call_arguments.done");
    expect(done).toMatchObject({ arguments: fakeToolArguments(6).join("") });
    expect(all.filter((e) => e.type === "response.function_call_arguments.delta")).toHaveLength(6);
    const refused = await workerSDK(upstream("refusal-1-2")).responses.create({ model, input: "x" });
    expect(refused.output[0]).toMatchObject({ type: "message", content: [{ type: "refusal", refusal: "no1 no2 " }] });
  });

  it("ends a response cut by its token cap as response.incomplete", async () => {
    const all = await events(await workerSDK(offline).responses.create({ model, input: "hi", max_output_tokens: 3, stream: true }));
    expect(all.at(-1)).toMatchObject({ type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } } });
  });
});

describe("/v1/responses faults, as the chat relay's", () => {
  it.each([
    ["401", 502, "upstream_auth"],
    ["400", 502, "upstream_rejected"],
    ["429", 429, "upstream_rate_limited"],
    ["500", 503, "upstream_unavailable"],
    ["stall", 504, "upstream_timeout"],
    ["unreachable", 502, "upstream_unreachable"],
  ])("answers upstream %s before the first event with status %i", async (mode, status, code) => {
    // A port nothing listens on stands for an upstream that cannot be reached.
    const vars = mode === "unreachable" ? { ...upstream("ok"), OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } : upstream(mode);
    const error = await workerSDK(vars).responses.create({ model, input: "x", stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status, error: { code } });
  });

  it.each([
    ["midstream-1", "upstream_error"],
    ["malformed-1", "upstream_malformed"],
    ["nodone-1-3", "upstream_cut"],
    ["stallmid-1", "upstream_timeout"],
  ])("ends %s after the first event with the error event, never response.completed", async (mode, code) => {
    const seen: string[] = [];
    const stream = await workerSDK(upstream(mode)).responses.create({ model, input: "x", stream: true });
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).error).toMatchObject({ type: "error", code });
    expect(seen).not.toContain("response.completed");
    expect(seen[0]).toBe("response.created");
  });

  it.each([
    ["an input item of an unknown type", { input: [{ type: "web_search_call" }] }, /^input/],
    ["a tool that is not a function", { input: "x", tools: [{ type: "web_search" }] }, /^tools\[0\]\.type/],
    ["an image URL that is not http(s)", { input: [{ role: "user", content: [{ type: "input_image", image_url: "file:///x" }] }] }, /image_url: must be/],
    ["a reasoning effort off the list", { input: "x", reasoning: { effort: "max" } }, /^reasoning\.effort/],
    ["max_output_tokens over the cap", { input: "x", max_output_tokens: 1_000_000 }, /max_tokens must be/],
  ])("refuses %s with a 400 naming the field", async (_, body, message) => {
    const error = await workerSDK(offline).responses.create({ model, ...body } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, error: { message: expect.stringMatching(message) } });
  });

  it("counts the whole input toward the prompt cap: 413", async () => {
    const response = await callWorker("/v1/responses", postJSON({ model, input: "x".repeat(2000) }), { ...offline, CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(response.status).toBe(413);
  });
});

describe("background responses", () => {
  const slow = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "15" };

  it("resumes with retrieve(id, { stream: true, starting_after }): every event once, in order", async () => {
    const sdk = workerSDK(slow);
    const stream = await sdk.responses.create({ model, input: "run in the background", background: true, stream: true });
    const seen: ResponseStreamEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === 8) break; // the connection drops; the response goes on
    }
    const id = (seen[0] as { response: { id: string } }).response.id;
    const rest = await events(await sdk.responses.retrieve(id, { stream: true, starting_after: seen.at(-1)!.sequence_number }));
    const all = [...seen, ...rest];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.at(-1)!.type).toBe("response.completed");
    expect(all.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("")).toBe(answer("run in the background").join(""));
    expect(await sdk.responses.retrieve(id)).toMatchObject({ id, status: "completed", output_text: answer("run in the background").join("") });
  });

  it("answers background: true without stream at once, in_progress, and runs on with no reader", async () => {
    const sdk = workerSDK(slow);
    const started = await sdk.responses.create({ model, input: "nobody reads", background: true });
    expect(started).toMatchObject({ status: "in_progress", background: true });
    await vi.waitFor(async () => expect((await sdk.responses.retrieve(started.id)).status).toBe("completed"), { timeout: 5000, interval: 50 });
  });

  it("runs a background response past DURABLE_DETACHED_SECONDS while its client only polls: completed, not abandoned", async () => {
    const sdk = workerSDK({ ...slow, OFFLINE_TOKEN_MS: "80", DURABLE_DETACHED_SECONDS: "1" });
    const started = await sdk.responses.create({ model, input: "a background answer that takes longer than a second", background: true });
    const done = await vi.waitFor(
      async () => {
        const now = await sdk.responses.retrieve(started.id);
        expect(now.status).not.toBe("in_progress");
        return now;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(done.status).toBe("completed");
    expect(Date.now() - started.created_at * 1000).toBeGreaterThan(1000);
  }, 15_000);

  it("cancels: the upstream's socket closes within a second and the response stays, cancelled", async () => {
    const q = `cancel me ${Date.now()}`;
    const sdk = workerSDK(upstream("ok-50-100"));
    const started = await sdk.responses.create({ model, input: q, background: true });
    const stoppedAt = Date.now();
    const cancelled = await sdk.responses.cancel(started.id);
    expect(cancelled.status).toBe("cancelled");
    const seen = await vi.waitFor(async () => {
      const request = (await upstreamRequests()).find((r) => JSON.stringify(r.body).includes(q))!;
      expect(request.abortedAt).not.toBeNull();
      return request;
    });
    expect(seen.abortedAt! - stoppedAt).toBeLessThan(1000);
    expect((await sdk.responses.retrieve(started.id)).status).toBe("cancelled");
  });

  it("continues a stored response with previous_response_id, and forgets it on DELETE", async () => {
    const sdk = workerSDK(offline);
    const first = await sdk.responses.create({ model, input: "Weather in Oslo", tools: [tool], store: true });
    expect(first.status).toBe("completed");
    expect(await sdk.responses.retrieve(first.id)).toEqual(first);
    const call = first.output.find((i) => i.type === "function_call")!;
    const next = await sdk.responses.create({
      model,
      tools: [tool],
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.type === "function_call" ? call.call_id : "", output: '{"temp":3}' }],
    });
    expect(next.output_text).toBe('The tool get_weather returned {"temp":3}, so that is the answer.');
    await sdk.responses.delete(first.id);
    await expect(sdk.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it("stores a kept response's request and answer, never the model's API key", async () => {
    const stored = await workerSDK(upstream("ok")).responses.create({ model, input: "keep me", store: true });
    expect((await upstreamRequests()).find((r) => JSON.stringify(r.body).includes("keep me"))?.authorization).toBe("Bearer sk-test-secret");
    const rows = await runInDurableObject(env.STREAMS.getByName(stored.id.slice("resp_".length)), (_, state) =>
      ["stream", "records"].map((table) => state.storage.sql.exec(`SELECT * FROM ${table}`).toArray()),
    );
    expect(JSON.stringify(rows)).toContain("keep me"); // what previous_response_id needs is there
    expect(JSON.stringify(rows)).not.toContain("sk-test-secret");
  });

  it.each(["resp_AAAAAAAAAAAAAAAAAAAAAA", "resp_upstream-style-0123456789abcdef", "anything"])(
    "refuses previous_response_id %s, which it never stored, with a 400",
    async (previous) => {
      const error = await workerSDK(offline).responses.create({ model, input: "x", previous_response_id: previous }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, error: { message: expect.stringMatching(/^previous_response_id/) } });
    },
  );
});

describe("/v1/responses in native mode: the upstream's own /responses, relayed", () => {
  const native = (mode: string) => ({ ...upstream(mode), OPENAI_RESPONSES: "native" });

  it("counts the conversation previous_response_id continues against CHAT_MAX_PROMPT_CHARS: 413 past it, 400 for an id the upstream lacks", async () => {
    const long = await callWorker("/v1/responses", postJSON({ model, input: "more", previous_response_id: "resp_long" }), { ...native("ok-1-500"), CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(long.status).toBe(413);
    const short = await callWorker("/v1/responses", postJSON({ model, input: "more", previous_response_id: "resp_short" }), { ...native("ok-1-20"), CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(short.status).toBe(200);
    await short.text();
    const unknown = await callWorker("/v1/responses", postJSON({ model, input: "more", previous_response_id: "not-an-id" }), native("ok-1-2"));
    expect(unknown.status).toBe(400);
  });

  it("relays only an id shaped as OpenAI's, and only the query keys the API reads: the rest never reaches the upstream", async () => {
    const vars = native("ok-1-2");
    const before = (await upstreamRequests()).length;
    expect((await callWorker("/v1/responses/..%2F..%2Fmodels", {}, vars)).status).toBe(404);
    expect((await callWorker("/v1/responses/not-ours", {}, vars)).status).toBe(404);
    expect((await upstreamRequests()).length).toBe(before);
    await callWorker("/v1/responses/resp_abc123?stream=true&starting_after=2&api-version=x&redirect=http://e", {}, vars);
    const seen = (await upstreamRequests()).at(-1)!;
    expect(seen.path).toMatch(/\/responses\/resp_abc123\?stream=true&starting_after=2$/);
  });

  it("relays the upstream's events, numbered afresh from 0, to its response.completed", async () => {
    const all = await events(await workerSDK(native("ok-1-3")).responses.create({ model, input: "x", stream: true }));
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.at(-1)).toMatchObject({ type: "response.completed", response: { id: "resp_fake" } });
    expect(all.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("")).toBe("t1 t2 t3 ");
    const seen = (await upstreamRequests()).at(-1)!;
    expect(seen.path).toMatch(/\/responses$/);
    expect(seen.body).toMatchObject({ model, input: "x", stream: true, max_output_tokens: 1024 });
  });

  it("relays a function call, and answers stream: false with the upstream's response", async () => {
    const final = await workerSDK(native("tools-1-4")).responses.stream({ model, input: "x", tools: [tool] }).finalResponse();
    expect(final.output[0]).toMatchObject({ type: "function_call", arguments: fakeToolArguments(4).join("") });
    const whole = await workerSDK(native("ok-1-2")).responses.create({ model, input: "x" });
    expect(whole).toMatchObject({ id: "resp_fake", status: "completed" });
  });

  it("ends an upstream stream cut before its last event with the error event", async () => {
    const stream = await workerSDK(native("nodone-1-3")).responses.create({ model, input: "x", stream: true });
    const error = await events(stream).catch((e: unknown) => e);
    expect((error as APIError).error).toMatchObject({ type: "error", code: "upstream_cut" });
  });

  it("still applies the chat caps before anything reaches the upstream", async () => {
    const before = (await upstreamRequests()).length;
    const error = await workerSDK(native("ok")).responses.create({ model: "gpt-huge", input: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, error: { code: "model_not_allowed" } });
    expect((await upstreamRequests()).length).toBe(before);
  });
});

describe("what /v1/responses/{id} reaches", () => {
  it("finds no response in another route's durable stream, so cannot read or stop it", async () => {
    const other = await callWorker("/test/count?resume=1&n=5&pace=20");
    const id = `resp_${other.headers.get("stream-id")}`;
    const sdk = workerSDK(offline);
    await expect(sdk.responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
    await expect(sdk.responses.cancel(id)).rejects.toMatchObject({ status: 404 });
    const text = await other.text();
    expect(text).toContain('{"$done":{"counted":5}}');
  });
});
