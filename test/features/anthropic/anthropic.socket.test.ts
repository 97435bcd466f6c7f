import { createAnthropic } from "@ai-sdk/anthropic";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { useWorker } from "../../e2e/harness";
import { weatherToolRun } from "../../support/weatherToolRun";

// The offline model, as `npm start` serves it, with API_TOKEN set: the clients send it as their key.
const worker = useWorker({ vars: { OFFLINE_TOKEN_MS: "1" }, secrets: { API_TOKEN: "t0ken" } });

describe("Anthropic's clients against /v1/messages, over a socket", () => {
  it("the Anthropic SDK streams an answer, its key sent as x-api-key", async () => {
    const client = new Anthropic({ baseURL: worker.url.href.replace(/\/$/, ""), apiKey: "t0ken", maxRetries: 0 });
    const texts: string[] = [];
    const stream = client.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 200, messages: [{ role: "user", content: "over the wire" }] });
    stream.on("text", (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts).toEqual(answer("over the wire"));
    expect(message.content).toEqual([{ type: "text", text: answer("over the wire").join("") }]);
  });

  it("the AI SDK's Anthropic provider runs streamText with a tool: the tool gets the model's input, the answer its result", async () => {
    const anthropic = createAnthropic({ baseURL: new URL("/v1", worker.url).href, apiKey: "t0ken" });
    const run = await weatherToolRun(anthropic("claude-haiku-4-5"));
    expect(run.inputs).toEqual([{ city: "Oslo", days: 1 }]);
    expect(run.text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
    expect(run.deltas.length).toBeGreaterThan(5);
    expect(run.finishReasons).toEqual(["tool-calls", "stop"]);
    expect(run.usage.outputTokens).toBeGreaterThan(0);
  });
});
