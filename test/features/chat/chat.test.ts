import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { readJSONL } from "../../../src/client/readJSONL";
import { readSSE } from "../../../src/client/readSSE";
import { answer } from "../../../src/model/offlineModel";
import { drain, readAll } from "../../support/chunked";
import { callWorker, postJSON, upstream, upstreamRequests } from "../../support/callWorker";
import { weatherTool } from "../../support/fakeToolCall";
import { expectGuessesLimited } from "../../support/tokenGuesses";

let logged: MockInstance[];
beforeEach(() => {
  logged = [vi.spyOn(console, "log").mockImplementation(() => {}), vi.spyOn(console, "error").mockImplementation(() => {})];
});
afterEach(() => vi.restoreAllMocks());

const offline = { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "1" };

describe("/api/chat with the offline model", () => {
  it("streams the answer word by word as SSE, then done with the finish reason and usage", async () => {
    const response = await callWorker("/api/chat?q=hello", {}, offline);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const { values, result } = await drain(readSSE<string>(response));
    expect(values).toEqual(answer("hello"));
    expect(result).toMatchObject({ finish_reason: "stop", usage: { completion_tokens: values.length } });
  });

  it("answers the same prompt with the same text, and another prompt with other text", async () => {
    const text = async (q: string) => (await drain(readSSE<string>(await callWorker(`/api/chat?q=${q}`, {}, offline)))).values.join("");
    expect(await text("same")).toBe(await text("same"));
    expect(await text("same")).not.toBe(await text("other"));
  });

  it("takes POST {message} and POST {messages}, and answers the last user message", async () => {
    const one = await callWorker("/api/chat", postJSON({ message: "hi" }), offline);
    const many = await callWorker(
      "/api/chat",
      postJSON({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }] }),
      offline,
    );
    expect((await drain(readSSE(one))).values).toEqual(answer("hi"));
    expect((await drain(readSSE(many))).values).toEqual(answer("hi"));
  });

  it("sends the same deltas as JSON Lines when Accept asks for them", async () => {
    const response = await callWorker("/api/chat?q=hi", { headers: { accept: "application/jsonl" } }, offline);
    expect(response.headers.get("content-type")).toBe("application/jsonl");
    const { values, result } = await readAll(readJSONL<string>(response));
    expect(values).toEqual(answer("hi"));
    expect(result).toMatchObject({ finish_reason: "stop" });
  });

  it("stops at max_tokens with finish reason length", async () => {
    const response = await callWorker("/api/chat", postJSON({ message: "hi", max_tokens: 3 }), offline);
    const { values, result } = await drain(readSSE(response));
    expect(values).toEqual(answer("hi").slice(0, 3));
    expect(result).toMatchObject({ finish_reason: "length" });
  });
});

describe("/api/chat relaying an upstream", () => {
  it("relays the upstream's tokens with increasing event ids", async () => {
    const response = await callWorker("/api/chat?q=hi", {}, upstream("ok"));
    const text = await response.text();
    expect(text).toMatch(/^id: 1\ndata: "t1 "\n\nid: 2\ndata: "t2 "\n\n/);
    expect(text).toMatch(/event: done\nid: 6\ndata: \{"finish_reason":"stop","usage":\{.*"completion_tokens":5/);
  });

  it("delivers the first token before the upstream has sent the last", async () => {
    const response = await callWorker("/api/chat?q=incremental", {}, upstream("ok-150-4"));
    const tokens = readSSE<string>(response);
    expect((await tokens.next()).value).toBe("t1 ");
    const [seen] = (await upstreamRequests()).filter((r) => r.path.includes("/ok-150-4/"));
    expect(seen!.tokensSent).toBeLessThan(4);
    await drain(tokens);
  });

  it.each([
    ["401", 502, "upstream_auth"],
    ["403", 502, "upstream_auth"],
    ["400", 502, "upstream_rejected"],
    ["429", 429, "upstream_rate_limited"],
    ["500", 503, "upstream_unavailable"],
    ["stall", 504, "upstream_timeout"],
    ["keepalive", 504, "upstream_timeout"],
  ])("answers an upstream %s before the first token with %i %s", async (mode, status, code) => {
    const response = await callWorker("/api/chat?q=hi", {}, upstream(mode));
    expect(response.status).toBe(status);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code } });
    expect(body).not.toContain("sk-test");
  });

  it("passes the upstream's Retry-After on with a 429", async () => {
    const response = await callWorker("/api/chat?q=hi", {}, upstream("429"));
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("never lets the key reach a response or a log line, even when the upstream quotes it", async () => {
    const response = await callWorker("/api/chat?q=hi", {}, upstream("401"));
    expect(await response.text()).not.toContain("sk-test-secret");
    const lines = logged.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(" ")));
    expect(lines.join("\n")).not.toContain("sk-test-secret");
  });

  it.each([
    ["midstream", "upstream_error"],
    ["malformed", "upstream_malformed"],
    ["nodone", "upstream_cut"],
    ["stallmid", "upstream_timeout"],
  ])("ends with an error event when the upstream fails mid-answer (%s)", async (mode, code) => {
    const response = await callWorker("/api/chat?q=hi", {}, upstream(mode));
    expect(response.status).toBe(200);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const token of readSSE<string>(response)) seen.push(token);
    })().catch((e: unknown) => e);
    expect(seen.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ name: "StreamError", code });
  });
});

describe("/api/chat and EventSource", () => {
  it("answers a reconnect (Last-Event-ID) with 204, which stops EventSource asking the model again", async () => {
    const response = await callWorker("/api/chat?q=hi", { headers: { "last-event-id": "12" } }, upstream("ok-5-7"));
    expect(response.status).toBe(204);
    // A path no other test uses: the upstream was never asked.
    expect((await upstreamRequests()).filter((r) => r.path.includes("/ok-5-7/"))).toEqual([]);
  });
});

describe("/api/chat refusals", () => {
  it.each([
    ["GET without q", "/api/chat", {}, 400, "bad_request"],
    ["messages that are not messages", "/api/chat", postJSON({ messages: [{ role: "robot", content: 1 }] }), 400, "bad_request"],
    ["a model off the allow-list", "/api/chat", postJSON({ message: "hi", model: "gpt-huge" }), 400, "model_not_allowed"],
    ["max_tokens over the cap", "/api/chat", postJSON({ message: "hi", max_tokens: 1_000_000 }), 400, "max_tokens_too_large"],
    ["a prompt over the cap", "/api/chat", postJSON({ message: "x".repeat(32_001) }), 413, "prompt_too_large"],
    ["a body that is not JSON", "/api/chat", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }, 400, "bad_json"],
    ["a body that is not declared JSON", "/api/chat", { method: "POST", body: "hi" }, 415, "unsupported_media_type"],
    ["the JSON body null", "/api/chat", postJSON(null), 400, "bad_request"],
  ] as const)("refuses %s", async (_name, path, init, status, code) => {
    const response = await callWorker(path, init as RequestInit, offline);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it("refuses a body over the size cap as it arrives, declared length or not", async () => {
    const huge = JSON.stringify({ message: "x".repeat(200_000) });
    const declared = await callWorker("/api/chat", postJSON(JSON.parse(huge)), { ...offline, CHAT_MAX_PROMPT_CHARS: "1000" });
    expect(declared.status).toBe(413);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(huge));
        controller.close();
      },
    });
    const chunked = await callWorker(
      "/api/chat",
      { method: "POST", headers: { "content-type": "application/json" }, body },
      { ...offline, CHAT_MAX_PROMPT_CHARS: "1000" },
    );
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ error: { code: "body_too_large" } });
  });
});

describe("/api/chat/:streamId and API_TOKEN", () => {
  it("counts wrong token guesses on a stream's URL: past 60 in a minute, a 429, not another try", async () => {
    await expectGuessesLimited("/api/chat/AAAAAAAAAAAAAAAAAAAAAA", {}, offline);
  });
});

describe("/api/chat requests", () => {
  it("forwards the documented fields to the upstream as given", async () => {
    const body = { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "weather?" }], tools: [weatherTool], temperature: 0.5 };
    const response = await callWorker("/api/chat", postJSON(body), upstream("ok-1-1"));
    await response.text();
    expect((await upstreamRequests()).at(-1)!.body).toMatchObject(body);
  });
});
