import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useWorker } from "../../e2e/harness";

// The committed wrangler.toml as deployed: ALLOW_ANONYMOUS false, no API_TOKEN, and a real model key set.
const worker = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, secrets: { OPENAI_API_KEY: "sk-owner" } });
const url = (path: string) => new URL(path, worker.url).href;

describe("the committed configuration, deployed with no API_TOKEN", () => {
  it("refuses an anonymous upload: curl sees 401 and a message naming API_TOKEN and ALLOW_ANONYMOUS", async () => {
    const { stdout } = await promisify(execFile)("curl", ["-sS", "-w", "\n%{http_code}", "-X", "PUT", "--data-binary", "hello", url("/api/upload")]);
    const [body, status] = [stdout.slice(0, stdout.lastIndexOf("\n")), stdout.slice(stdout.lastIndexOf("\n") + 1)];
    expect(status).toBe("401");
    const { error } = JSON.parse(body) as { error: { code: string; message: string } };
    expect(error.code).toBe("token_not_configured");
    expect(error.message).toContain("API_TOKEN");
    expect(error.message).toContain("ALLOW_ANONYMOUS=true");
  });
});
