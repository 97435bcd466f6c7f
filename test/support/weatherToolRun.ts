import { stepCountIs, streamText, tool, type LanguageModel } from "ai";
import { z } from "zod";

/**
 * The AI SDK's `streamText` with one tool, as an app would run it against the offline model: asks the weather in Oslo,
 * runs the tool on the model's input, and lets the model answer with its result (three steps at most).
 */
export async function weatherToolRun(model: LanguageModel) {
  const inputs: unknown[] = [];
  const result = streamText({
    model,
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
  return { inputs, deltas, text: await result.text, finishReasons: (await result.steps).map((step) => step.finishReason), usage: await result.totalUsage };
}
