import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settings } from "../src/settings";

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
