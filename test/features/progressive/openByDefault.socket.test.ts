import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";

// The committed wrangler.toml as deployed: ALLOW_ANONYMOUS false, no API_TOKEN, and a real model key set.
const worker = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, secrets: { OPENAI_API_KEY: "sk-owner" } });
const url = (path: string) => new URL(path, worker.url).href;

describe("the committed configuration, deployed with no API_TOKEN", () => {
  it("keeps the demo streams open: a progressive response streams with no token", async () => {
    const response = await fetch(url("/api/progressive?users=0&tasks=0"));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"$done"');
  });
});
