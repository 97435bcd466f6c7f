import OpenAI, { APIError } from "openai";
import { Stream } from "openai/streaming";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { callWorker, newClientIp, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { firstRefusal } from "../../support/firstRefusal";
import { expectGuessesLimited } from "../../support/tokenGuesses";
import { workerSDK } from "../../support/workerSDK";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const sdk = workerSDK;

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "1" };
const hi = [{ role: "user" as const, content: "hi" }];

describe("/v1/chat/completions through the openai SDK", () => {
  it("streams chunks that `for await` reads, the role on the first and a finish reason at the end", async () => {
    const stream = await sdk(offline).chat.completions.create({ model: "gpt-4o-mini", messages: hi, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: "assistant" });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(answer("hi").join(""));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("sends a usage chunk when stream_options asks for one", async () => {
    const stream = await sdk(offline).chat.completions.create({
      model: "gpt-4o-mini",
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: answer("hi").length } });
  });

  it("answers stream: false with one chat.completion", async () => {
    const completion = await sdk(offline).chat.completions.create({ model: "gpt-4o-mini", messages: hi });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]!.message.content).toBe(answer("hi").join(""));
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage?.completion_tokens).toBe(answer("hi").length);
  });

  it("stops mid-stream when the caller aborts, and the stream ends without an error", async () => {
    const stream = await sdk(offline).chat.completions.create({ model: "gpt-4o-mini", messages: hi, stream: true });
    let read = 0;
    for await (const _chunk of stream) if (++read === 3) stream.controller.abort();
    expect(read).toBe(3);
  });

  it("gives toReadableStream() JSON lines that Stream.fromReadableStream reads back", async () => {
    const stream = await sdk(offline).chat.completions.create({ model: "gpt-4o-mini", messages: hi, stream: true });
    const copy = Stream.fromReadableStream<OpenAI.ChatCompletionChunk>(stream.toReadableStream(), new AbortController());
    let text = "";
    for await (const chunk of copy) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(answer("hi").join(""));
  });

  it("relays an upstream, sending the Worker's key and never the caller's bearer", async () => {
    const client = sdk({ ...upstream("ok"), API_TOKEN: "caller-token" }, "caller-token");
    const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages: hi });
    expect(completion.choices[0]!.message.content).toBe("t1 t2 t3 t4 t5 ");
    const seen = (await upstreamRequests()).at(-1)!;
    expect(seen.authorization).toBe("Bearer sk-test-secret");
  });

  it("forwards only the message fields it checked, so nothing uncounted reaches the paid upstream", async () => {
    const padded = { role: "user", content: "hi", refusal: "y".repeat(50_000), tool_call_id: "x".repeat(50_000), function_call: { name: "f", arguments: "{}" } };
    const response = await callWorker("/v1/chat/completions", postJSON({ messages: [padded], unchecked: "z".repeat(50_000) }), upstream("ok"));
    expect(response.status).toBe(200);
    const seen = (await upstreamRequests()).at(-1)!.body as { messages: unknown[]; unchecked?: unknown };
    expect(seen.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(seen).not.toHaveProperty("unchecked");
  });

  it.each([
    ["401", 502],
    ["429", 429],
    ["500", 503],
    ["stall", 504],
  ])("throws the SDK's APIError with status %s → %i before the first token", async (mode, status) => {
    const request = sdk(upstream(mode)).chat.completions.create({ model: "gpt-4o-mini", messages: hi, stream: true });
    const error = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(status);
    expect(String((error as APIError).message)).not.toContain("sk-test");
  });

  it.each([
    ["midstream", "t1 t2 "],
    ["malformed", "t1 t2 "],
    ["stallmid", "t1 t2 "],
    ["nodone", "t1 t2 t3 t4 t5 "],
  ])(
    "makes the SDK throw mid-stream when the upstream fails (%s), after the tokens before it",
    async (mode, before) => {
      const stream = await sdk(upstream(mode)).chat.completions.create({ model: "gpt-4o-mini", messages: hi, stream: true });
      let text = "";
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      })().catch((e: unknown) => e);
      expect(text).toBe(before);
      expect(error).toBeInstanceOf(APIError);
    },
  );

  it("refuses a model off the allow-list with 400", async () => {
    const error = await sdk(offline)
      .chat.completions.create({ model: "gpt-huge", messages: hi })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
  });
});

describe("/v1/chat/completions refusals", () => {
  it.each([
    ["the JSON body null", postJSON(null)],
    ["a JSON array body", postJSON([{ role: "user", content: "hi" }])],
  ] as const)("refuses %s with 400", async (_name, init) => {
    const response = await callWorker("/v1/chat/completions", init as RequestInit, offline);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_request" } });
  });
});

describe("/v1/models", () => {
  it("lists the allow-list", async () => {
    const page = await sdk({ ...offline, OPENAI_MODELS: "small,large" }).models.list();
    expect(page.data.map((m) => m.id)).toEqual(["small", "large"]);
  });
});

describe("API_TOKEN", () => {
  const guarded = { ...offline, API_TOKEN: "s3cret" };

  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { authorization: "Bearer s3cre" }],
    ["another scheme", { authorization: "Basic s3cret" }],
  ])("answers %s with 401 and WWW-Authenticate: Bearer", async (_name, headers) => {
    const response = await callWorker("/v1/models", { headers }, guarded);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("lets the right token through", async () => {
    const response = await callWorker("/v1/models", { headers: { authorization: "Bearer s3cret" } }, guarded);
    expect(response.status).toBe(200);
  });

  it("refuses before reading a byte of the body", async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode('{"messages":[{"role":"user","content":"hi"}]}'));
          controller.close();
        },
      },
      { highWaterMark: 0 }, // pulled only when something reads it
    );
    const response = await callWorker(
      "/v1/chat/completions",
      { method: "POST", headers: { "content-type": "application/json" }, body },
      guarded,
    );
    expect(response.status).toBe(401);
    expect(pulled).toBe(false);
  });
});

describe("the rate limit", () => {
  it("answers a client over its budget (60 a minute) with 429 and Retry-After, while others go on", async () => {
    const client = newClientIp();
    const { refusedAt, passed, refusal: over } = await firstRefusal(() => callWorker("/v1/models", { headers: { "cf-connecting-ip": client } }, offline));
    expect(passed.every((s) => s === 200)).toBe(true);
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
    expect(over.headers.get("retry-after")).toBe("60");
    expect((await callWorker("/v1/models", { headers: { "cf-connecting-ip": newClientIp() } }, offline)).status).toBe(200);
  });

  it.each([
    ["/v1/models", {}],
    ["/v1/chat/completions", { method: "POST", body: "{}" }],
  ])("counts wrong token guesses on %s: past 60 in a minute, a 429, not another try", async (path, init) => {
    await expectGuessesLimited(path, init, offline);
  });
});
