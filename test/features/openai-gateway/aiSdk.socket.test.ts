import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useWranglerDev } from "../../e2e/wranglerDev";

// The offline model, as `npm start` serves it: no key, no network.
const worker = useWranglerDev(() => ({ OFFLINE_TOKEN_MS: "1" }));

describe("the AI SDK's OpenAI-compatible provider against /v1, over a socket", () => {
  it("streamText with a tool: the tool is called with the model's input, and the final text uses its result", async () => {
    const provider = createOpenAICompatible({ name: "edge-streams", baseURL: new URL("/v1", worker.url).href, includeUsage: true });
    const inputs: unknown[] = [];
    const result = streamText({
      model: provider.chatModel("gpt-4o-mini"),
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
    for await (const part of result.fullStream) if (part.type === "text-delta") deltas.push(part.text);
    expect(inputs).toEqual([{ city: "Oslo", days: 1 }]);
    expect(await result.text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
    expect(deltas.length).toBeGreaterThan(5);
    expect((await result.steps).map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
  });
});
