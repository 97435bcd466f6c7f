import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from "@openai/agents";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startFakeOpenAI, type FakeOpenAI } from "../../node/fakeOpenAI";
import { useWranglerDev } from "../../e2e/wranglerDev";

// Traces would go to OpenAI: this network has none, and a test must not call out.
setTracingDisabled(true);

let fake: FakeOpenAI;
beforeAll(async () => (fake = await startFakeOpenAI()));
afterAll(() => fake?.close());

/** The Agents SDK's runner with its OpenAI client's base URL set to the Worker: the Responses API, its default. */
async function runAgent(base: URL): Promise<{ output: unknown; inputs: unknown[]; textDeltas: number }> {
  const inputs: unknown[] = [];
  const weather = tool({
    name: "get_weather",
    description: "The weather in a city",
    parameters: z.object({ city: z.string(), days: z.number().int(), note: z.string() }),
    execute: async (input) => {
      inputs.push(input);
      return '{"temp":21}';
    },
  });
  const agent = new Agent({ name: "Weather", instructions: "Answer with the weather.", tools: [weather], model: "gpt-4o-mini" });
  const client = new OpenAI({ baseURL: new URL("/v1", base).href, apiKey: "local", maxRetries: 0 });
  const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
  const result = await runner.run(agent, "What is the weather in Oslo", { stream: true });
  let textDeltas = 0;
  for await (const event of result) {
    if (event.type === "raw_model_stream_event" && event.data.type === "output_text_delta") textDeltas++;
  }
  await result.completed;
  return { output: result.finalOutput, inputs, textDeltas };
}

describe("the OpenAI Agents SDK against /v1/responses, over a socket", () => {
  describe("with the offline model (translate mode, no network)", () => {
    const worker = useWranglerDev(() => ({ OFFLINE_TOKEN_MS: "1" }));
    it("runs an agent with one function tool to completion, streaming", async () => {
      const { output, inputs, textDeltas } = await runAgent(worker.url);
      expect(inputs).toEqual([{ city: "Oslo", days: 1, note: "Oslo" }]);
      expect(output).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
      expect(textDeltas).toBeGreaterThan(5);
    });
  });

  for (const mode of ["translate", "native"]) {
    describe(`against the fake upstream in ${mode} mode`, () => {
      const worker = useWranglerDev(() => ({ OPENAI_BASE_URL: `${fake.url}/agent-1-4/v1`, OPENAI_API_KEY: "sk-test", OPENAI_RESPONSES: mode }));
      it("runs the tool the upstream called, then ends with the upstream's text", async () => {
        const before = fake.requests.length;
        const { output, inputs } = await runAgent(worker.url);
        expect(inputs).toEqual([{ city: "Paris", days: 3, note: "w0 w1 w2 w3" }]);
        expect(output).toBe("t1 t2 t3 t4 ");
        const paths = fake.requests.slice(before).map((r) => r.path.split("/v1/")[1]);
        expect(new Set(paths)).toEqual(new Set([mode === "native" ? "responses" : "chat/completions"]));
      });
    });
  }
});
