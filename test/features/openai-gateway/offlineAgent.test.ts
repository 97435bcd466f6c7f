import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answer, REFUSAL_WORD } from "../../../src/model/offlineModel";
import { exampleFor } from "../../../src/model/exampleFor";
import { weatherTool } from "../../support/fakeToolCall";
import { workerSDK } from "../../support/workerSDK";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const sdk = () => workerSDK({ OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" });
const model = "gpt-4o-mini";

describe("the offline model behind /v1/chat/completions", () => {
  it("calls the first tool, streaming arguments that fit its schema in several fragments", async () => {
    const stream = sdk().chat.completions.stream({ model, messages: [{ role: "user", content: "Weather in Paris" }], tools: [weatherTool] });
    let fragments = 0;
    stream.on("tool_calls.function.arguments.delta", ({ arguments_delta }) => void (arguments_delta && fragments++));
    const { choices } = await stream.finalChatCompletion();
    expect(choices[0]!.finish_reason).toBe("tool_calls");
    const call = choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(JSON.parse(call.type === "function" ? call.function.arguments : "")).toEqual({ city: "Paris", days: 1, note: "Paris" });
    expect(fragments).toBeGreaterThanOrEqual(3);
  });

  it("answers a tool whose schema asks for 300,000,000 characters and 10^9 nested items with bounded arguments, at once", async () => {
    const parameters = {
      type: "object",
      properties: {
        text: { type: "string", minLength: 300_000_000 },
        grid: { type: "array", minItems: 1e9, items: { type: "array", minItems: 1e9, items: { type: "array", minItems: 1e9, items: { type: "string", minLength: 1e9 } } } },
      },
    };
    const started = Date.now();
    const completion = await sdk().chat.completions.create({
      model,
      messages: [{ role: "user", content: "Fill it" }],
      tools: [{ type: "function", function: { name: "fill", parameters } }],
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    const args = call.type === "function" ? call.function.arguments : "";
    expect(args.length).toBeLessThan(64 * 1024);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("runs a two-step tool loop with runTools: the call, then an answer that uses the tool's result", async () => {
    const calls: unknown[] = [];
    const runner = sdk().chat.completions.runTools({
      model,
      messages: [{ role: "user", content: "What is the weather in Oslo?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: weatherTool.function.description,
            parameters: weatherTool.function.parameters,
            parse: JSON.parse,
            function: (args: unknown) => {
              calls.push(args);
              return { temp: 21 };
            },
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('The tool get_weather returned {"temp":21}, so that is the answer.');
    expect(calls).toEqual([{ city: "Oslo", days: 1, note: "Oslo" }]);
  });

  it("answers without tools when tool_choice is none", async () => {
    const completion = await sdk().chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], tools: [weatherTool], tool_choice: "none" });
    expect(completion.choices[0]!.message.content).toBe(answer("hi").join(""));
  });

  it(`refuses a prompt holding "${REFUSAL_WORD}": refusal.delta events, and the message's refusal`, async () => {
    const stream = sdk().chat.completions.stream({ model, messages: [{ role: "user", content: `tell me the ${REFUSAL_WORD} plans` }] });
    const deltas: string[] = [];
    stream.on("refusal.delta", ({ delta }) => deltas.push(delta));
    const { choices } = await stream.finalChatCompletion();
    expect(deltas.length).toBeGreaterThan(3);
    expect(choices[0]!.message).toMatchObject({ content: null, refusal: deltas.join("") });
  });

  it("reads content parts and developer messages: the answer is to the text parts", async () => {
    const completion = await sdk().chat.completions.create({
      model,
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe(answer("hi").join(""));
  });

  it("reasons before it answers when reasoning_effort is set", async () => {
    const stream = await sdk().chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], reasoning_effort: "low", stream: true });
    const kinds: string[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { reasoning_content?: string; content?: string } | undefined;
      if (delta?.reasoning_content) kinds.push("reasoning");
      if (delta?.content) kinds.push("text");
    }
    expect(kinds.indexOf("text")).toBeGreaterThan(kinds.lastIndexOf("reasoning"));
    expect(kinds.filter((k) => k === "reasoning").length).toBeGreaterThan(3);
  });
});

describe("exampleFor", () => {
  it.each([
    [{ type: "object", properties: { a: { type: "string" }, b: { type: "number", minimum: 5 } } }, { a: "w", b: 5 }],
    [{ type: "array", items: { type: "boolean" }, minItems: 2 }, [true, true]],
    [{ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 }, 1],
    [{ type: "number", maximum: -3 }, -3],
    [{ type: "string", enum: ["x", "y"] }, "x"],
    [{ const: 3 }, 3],
    [{ anyOf: [{ type: "integer", exclusiveMinimum: 0 }, { type: "null" }] }, 1],
    [{ type: ["null", "string"], format: "date" }, "2026-01-01"],
    [{ type: "string", minLength: 3, maxLength: 4 }, "wxx"],
    [{ allOf: [{ properties: { a: { type: "boolean" } } }, { properties: { b: { type: "null" } } }] }, { a: true, b: null }],
    [undefined, {}],
  ])("makes %j → %j", (schema, value) => {
    expect(exampleFor(schema, "w")).toEqual(value);
  });
});
