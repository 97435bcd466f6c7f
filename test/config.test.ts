import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { settings } from "../src/settings";
import { callWorker } from "./support/callWorker";
import { firstRefusal } from "./support/firstRefusal";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("settings", () => {
  it("reads HEARTBEAT_MS, defaulting to 15 s", () => {
    expect(settings({ ...env, HEARTBEAT_MS: "250" }).heartbeatMs).toBe(250);
    expect(settings({ ...env, HEARTBEAT_MS: "" }).heartbeatMs).toBe(15_000);
  });

  it.each(["abc", "-5", "1.5", "100000"])("names HEARTBEAT_MS when its value is %j", (value) => {
    expect(() => settings({ ...env, HEARTBEAT_MS: value }).heartbeatMs).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining("HEARTBEAT_MS") }),
    );
  });
});

describe("settings().llm", () => {
  it("uses the offline model when no key is set, and OPENAI_MODEL alone as the allow-list", () => {
    const config = settings({ ...env, OPENAI_API_KEY: undefined, OPENAI_MODEL: "small", OPENAI_MODELS: "" }).llm;
    expect(config.apiKey).toBeUndefined();
    expect(config.models).toEqual(["small"]);
  });

  it("reads a comma-separated allow-list", () => {
    expect(settings({ ...env, OPENAI_MODELS: " a, b ,c" }).llm.models).toEqual(["a", "b", "c"]);
  });

  it.each([
    ["OPENAI_BASE_URL", "not a url"],
    ["OPENAI_BASE_URL", "file:///etc/passwd"],
    ["CHAT_MAX_TOKENS", "-1"],
    ["CHAT_IDLE_TIMEOUT_MS", "soon"],
  ])("names %s when it is %j, without echoing the value", (name, value) => {
    let error: unknown;
    try {
      void settings({ ...env, [name]: value }).llm;
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 500, code: "bad_config", message: expect.stringContaining(name) });
    expect((error as Error).message).not.toContain(value);
  });
});

describe("settings, read in one place", () => {
  it("reads each group once per env: a request after the first parses nothing", () => {
    const vars = { ...env, PROXY_ORIGINS: '{"a": "https://a.example"}' };
    expect(settings(vars)).toBe(settings(vars));
    expect(settings(vars).proxy).toBe(settings(vars).proxy);
    expect(settings(vars).llm).toBe(settings(vars).llm);
    expect(settings({ ...vars }).proxy).not.toBe(settings(vars).proxy);
  });

  it("reaches API_TOKEN one way, unset when empty", () => {
    expect(settings({ ...env, API_TOKEN: "t" }).apiToken).toBe("t");
    expect(settings({ ...env, API_TOKEN: "" }).apiToken).toBeUndefined();
  });

  it.each([
    ["UPLOAD_MAX_BYTES", "lots", "upload"],
    ["UPLOAD_MEMORY_BYTES", "1", "upload"],
    ["DURABLE_MAX_EVENTS", "0", "durable"],
    ["PROXY_TIMEOUT_MS", "soon", "proxy"],
    ["CORS_ORIGINS", "*", "corsOrigins"],
  ] as const)("names %s when it is %j", (name, value, group) => {
    expect(() => settings({ ...env, [name]: value })[group]).toThrow(
      expect.objectContaining({ code: "bad_config", message: expect.stringContaining(name) }),
    );
  });

  it("fails only the routes that use a bad group: a bad PROXY_ORIGINS leaves chat working", async () => {
    const vars = { PROXY_ORIGINS: "{not json", OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" };
    const proxied = await callWorker("/proxy/self/api/chunks?count=1", {}, vars);
    expect(proxied.status).toBe(500);
    expect(await proxied.json()).toMatchObject({ error: { code: "bad_config", message: expect.stringContaining("PROXY_ORIGINS") } });
    expect((await callWorker("/api/chat?q=hi", {}, vars)).status).toBe(200);
  });

  it("reads and cancels a durable stream with a bad OPENAI_BASE_URL: reading needs no model settings", async () => {
    const started = await callWorker("/api/chat?resume=1&q=read+me", {}, { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" });
    await started.text();
    const location = started.headers.get("content-location")!;
    const broken = { OPENAI_BASE_URL: "not a url" };
    expect((await callWorker(`${location}?after=0`, {}, broken)).status).toBe(200);
    expect((await callWorker(location, { method: "DELETE" }, broken)).status).toBe(204);
  });
});

describe("settings the platform would refuse at run time", () => {
  it.each([
    ["DURABLE_MAX_BYTES", "3000000", "durable", "a batch of records must fit one SQLite row (2 MB)"],
    ["TUS_EXPIRE_SECONDS", String(8 * 86_400), "tus", "R2 aborts a multipart upload left 7 days"],
    ["TUS_MIN_PATCH_BYTES", String(9 * 1024 * 1024), "tus", "a part is 8 MiB"],
    ["ALLOW_ANONYMOUS", "yes", "allowAnonymous", "true or false"],
  ] as const)("refuses %s=%s when the group is read, naming the variable (%s: %s)", (name, value, group, _why) => {
    expect(() => settings({ ...env, [name]: value })[group]).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining(name) }),
    );
  });
});

describe("names from before", () => {
  it("reads a CHAT_RESUME_* setting when its DURABLE_* name is not set, and the new name when both are", () => {
    expect(settings({ ...env, DURABLE_MAX_EVENTS: "", CHAT_RESUME_MAX_EVENTS: "77" }).durable.maxEvents).toBe(77);
    expect(settings({ ...env, DURABLE_MAX_EVENTS: "88", CHAT_RESUME_MAX_EVENTS: "77" }).durable.maxEvents).toBe(88);
    expect(() => settings({ ...env, DURABLE_MAX_EVENTS: "", CHAT_RESUME_MAX_EVENTS: "x" }).durable).toThrow(
      expect.objectContaining({ message: expect.stringContaining("CHAT_RESUME_MAX_EVENTS") }),
    );
  });

  it("rate limits through a binding still named CHAT_LIMITER", async () => {
    const vars: Partial<Env> = { RATE_LIMITER: undefined, CHAT_LIMITER: env.RATE_LIMITER };
    const client = { headers: { "cf-connecting-ip": "203.0.113.90" } };
    const { refusedAt } = await firstRefusal(() => callWorker("/v1/models", client, vars));
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
  });
});
