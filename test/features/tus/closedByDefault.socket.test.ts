import { Upload } from "tus-js-client";
import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";

// The committed wrangler.toml as deployed: ALLOW_ANONYMOUS false, no API_TOKEN, and a real model key set.
const worker = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, secrets: { OPENAI_API_KEY: "sk-owner" } });
const url = (path: string) => new URL(path, worker.url).href;

describe("the committed configuration, deployed with no API_TOKEN", () => {
  it("refuses a tus upload: tus-js-client reports the 401", async () => {
    const failure = await new Promise<Error>((resolve, reject) => {
      const upload = new Upload(Buffer.from("hello"), { endpoint: url("/api/files/"), retryDelays: [], onError: resolve, onSuccess: () => reject(new Error("stored")) });
      upload.start();
    });
    expect(failure.message).toContain("response code: 401");
  });
});
