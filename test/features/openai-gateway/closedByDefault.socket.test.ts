import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";

// The committed wrangler.toml as deployed: ALLOW_ANONYMOUS false, no API_TOKEN, and a real model key set.
const worker = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, secrets: { OPENAI_API_KEY: "sk-owner" } });
const url = (path: string) => new URL(path, worker.url).href;

describe("the committed configuration, deployed with no API_TOKEN", () => {
  it("refuses the owner's model key to an anonymous openai SDK: AuthenticationError, no upstream call", async () => {
    const client = new OpenAI({ apiKey: "anything", baseURL: url("/v1"), maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });
});
