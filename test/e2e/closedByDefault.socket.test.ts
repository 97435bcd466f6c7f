import { execFile } from "node:child_process";
import { promisify } from "node:util";
import OpenAI from "openai";
import { Upload } from "tus-js-client";
import { describe, expect, it } from "vitest";
import { useWorker } from "./harness";

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

  it("refuses a tus upload: tus-js-client reports the 401", async () => {
    const failure = await new Promise<Error>((resolve, reject) => {
      const upload = new Upload(Buffer.from("hello"), { endpoint: url("/api/files/"), retryDelays: [], onError: resolve, onSuccess: () => reject(new Error("stored")) });
      upload.start();
    });
    expect(failure.message).toContain("response code: 401");
  });

  it("refuses the owner's model key to an anonymous openai SDK: AuthenticationError, no upstream call", async () => {
    const client = new OpenAI({ apiKey: "anything", baseURL: url("/v1"), maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });

  it("keeps the demo streams open: a progressive response streams with no token", async () => {
    const response = await fetch(url("/api/progressive?users=0&tasks=0"));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"$done"');
  });
});

describe("the committed configuration with the offline model", () => {
  const offline = useWorker({ vars: { ALLOW_ANONYMOUS: "false", OFFLINE_TOKEN_MS: "0" } });

  it("answers chat with no token: the offline model spends nothing", async () => {
    const response = await fetch(new URL("/api/chat?q=hello", offline.url));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("event: done");
  });
});

describe("what is committed", () => {
  it("closes wrangler.toml, and opens only `npm start`", async () => {
    const { readFile } = await import("node:fs/promises");
    expect(await readFile("wrangler.toml", "utf8")).toMatch(/^ALLOW_ANONYMOUS = "false"$/m);
    const { scripts } = JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(scripts.start).toContain("--var ALLOW_ANONYMOUS:true");
    expect(scripts.deploy).not.toContain("ALLOW_ANONYMOUS");
  });
});
