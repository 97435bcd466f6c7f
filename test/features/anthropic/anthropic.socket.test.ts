import { createAnthropic } from "@ai-sdk/anthropic";
import Anthropic from "@anthropic-ai/sdk";
import { stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { answer } from "../../../src/model/offlineModel";
import { useWorker } from "../../e2e/harness";

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
    const inputs: unknown[] = [];
    const result = streamText({
      model: anthropic("claude-haiku-4-5"),
      prompt: "What is the weather in Oslo",
      tools: {
        get_weather: tool({
          description: "The weather in a city",
          inputSchema: z.object({ city: z.string(), days: z.number().int().min(1) }),
          execute: async (input) => {
            inputs.push(input);
            return { temp: 21 };
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    const deltas: string[] = [];
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") deltas.push(part.text);
      if (part.type === "error") throw part.error;
    }
    expect(inputs).toEqual([{ city: "Oslo", days: 1 }]);
    expect(await result.text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
    expect(deltas.length).toBeGreaterThan(5);
    expect((await result.steps).map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect((await result.totalUsage).outputTokens).toBeGreaterThan(0);
  });
});
