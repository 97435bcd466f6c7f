/** The fake upstream's tool call: `get_weather`, its arguments JSON cut into `fragments` pieces. Shared by the fake and the tests. */
export function fakeToolArguments(fragments: number, call = 0): string[] {
  const json = JSON.stringify({ city: call === 0 ? "Paris" : "Oslo", days: 3, note: Array.from({ length: fragments }, (_, i) => `w${i}`).join(" ") });
  const size = Math.ceil(json.length / fragments);
  return Array.from({ length: Math.ceil(json.length / size) }, (_, i) => json.slice(i * size, (i + 1) * size));
}

/** The tool definition the tests send for the fake's call. */
export const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, days: { type: "integer", minimum: 1 }, note: { type: "string" } },
      required: ["city", "days", "note"],
      additionalProperties: false,
    },
  },
};
