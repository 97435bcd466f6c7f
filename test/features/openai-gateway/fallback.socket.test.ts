import OpenAI from "openai";
import { describe, expect, it, vi } from "vitest";
import { useFakeUpstream } from "../../e2e/fakeUpstream";
import { streamLogs, useWorker } from "../../e2e/harness";

const { upstream } = useFakeUpstream();

// The primary refuses connections (nothing listens on port 1); the first fallback is failing (503); the second answers
// under a model of its own.
const worker = useWorker(() => ({
  vars: {
    OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
    MODEL_FALLBACKS: JSON.stringify([
      { baseUrl: `${upstream().url}/503/v1`, keyVar: "BACKUP_KEY" },
      { baseUrl: `${upstream().url}/ok/v1`, model: "backup-model", keyVar: "BACKUP_KEY" },
    ]),
  },
  secrets: { OPENAI_API_KEY: "sk-primary-secret", BACKUP_KEY: "sk-backup-secret" },
}));

const client = () => new OpenAI({ baseURL: new URL("/v1", worker.url).href, apiKey: "anything", maxRetries: 0 });

/** The log line of the answer whose upstream request carried `content`. */
async function logOf(format: string) {
  return vi.waitFor(() => {
    const line = streamLogs(worker.server).find((log) => log.route === "/v1/chat/completions" && log.format === format);
    if (!line) throw new Error("no log line yet");
    return line;
  });
}

describe("an openai SDK client of a gateway whose primary is down, over real sockets", () => {
  it("streams the answer of the first fallback that answers, and sees no sign of the failures before it", async () => {
    const stream = await client().chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "fall back" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage ??= chunk.usage;
    }
    expect(text).toBe("t1 t2 t3 t4 t5 ");
    // The upstream's usage reaches the client unchanged; the log line counts the same, once.
    expect(usage).toEqual({ prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 });
    expect(await logOf("openai")).toMatchObject({ outcome: "complete", tried: 3, model: "backup-model", upstream: new URL(upstream().url).host, usage });
    // Each fallback was sent its own key, never the primary's.
    const asked = upstream().requests.filter((r) => r.path.endsWith("/chat/completions"));
    expect(asked.map((r) => [r.path.split("/")[1], r.authorization])).toEqual([
      ["503", "Bearer sk-backup-secret"],
      ["ok", "Bearer sk-backup-secret"],
    ]);
  });

  it("answers stream: false from the fallback too, its log line format json", async () => {
    const completion = await client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "whole" }] });
    expect(completion.choices[0]!.message.content).toBe("t1 t2 t3 t4 t5 ");
    expect(await logOf("json")).toMatchObject({ outcome: "complete", status: 200, tried: 3, usage: completion.usage });
  });
});
