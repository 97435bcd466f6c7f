import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { modelSettings } from "../../src/model/modelSettings";

describe("modelSettings", () => {
  it("uses the offline model when no key is set, and OPENAI_MODEL alone as the allow-list", () => {
    const config = modelSettings({ ...env, OPENAI_API_KEY: undefined, OPENAI_MODEL: "small", OPENAI_MODELS: "" });
    expect(config.apiKey).toBeUndefined();
    expect(config.models).toEqual(["small"]);
  });

  it("reads a comma-separated allow-list", () => {
    expect(modelSettings({ ...env, OPENAI_MODELS: " a, b ,c" }).models).toEqual(["a", "b", "c"]);
  });

  it.each([
    ["OPENAI_BASE_URL", "not a url"],
    ["OPENAI_BASE_URL", "file:///etc/passwd"],
    ["CHAT_MAX_TOKENS", "-1"],
    ["CHAT_IDLE_TIMEOUT_MS", "soon"],
  ])("names %s when it is %j, without echoing the value", (name, value) => {
    let error: unknown;
    try {
      modelSettings({ ...env, [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 500, code: "bad_config", message: expect.stringContaining(name) });
    expect((error as Error).message).not.toContain(value);
  });
});
