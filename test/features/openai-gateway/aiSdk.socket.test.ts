import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";
import { weatherToolRun } from "../../support/weatherToolRun";

// The offline model, as `npm start` serves it: no key, no network.
const worker = useWorker({ vars: { OFFLINE_TOKEN_MS: "1" } });

describe("the AI SDK's OpenAI-compatible provider against /v1, over a socket", () => {
  it("streamText with a tool: the tool is called with the model's input, and the final text uses its result", async () => {
    const provider = createOpenAICompatible({ name: "edge-streams", baseURL: new URL("/v1", worker.url).href, includeUsage: true });
    const run = await weatherToolRun(provider.chatModel("gpt-4o-mini"));
    expect(run.inputs).toEqual([{ city: "Oslo", days: 1 }]);
    expect(run.text).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
    expect(run.deltas.length).toBeGreaterThan(5);
    expect(run.finishReasons).toEqual(["tool-calls", "stop"]);
  });
});
