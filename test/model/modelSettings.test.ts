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

  it("reads MODEL_FALLBACKS with each upstream's key from the variable its keyVar names", () => {
    const fallbacks = '[{"baseUrl":"https://backup.example/v1","model":"small","keyVar":"BACKUP_KEY"},{"baseUrl":"http://127.0.0.1:11434/v1"}]';
    const config = modelSettings({ ...env, OPENAI_API_KEY: "sk-primary", MODEL_FALLBACKS: fallbacks, BACKUP_KEY: "sk-backup" } as Env);
    expect(config.fallbacks).toEqual([
      { baseURL: "https://backup.example/v1", model: "small", apiKey: "sk-backup" },
      { baseURL: "http://127.0.0.1:11434/v1", model: undefined },
    ]);
  });

  it.each([
    ["not JSON", "nope", "MODEL_FALLBACKS must be a JSON list"],
    ["an object", '{"baseUrl":"https://a.example"}', "MODEL_FALLBACKS must be a JSON list"],
    ["an entry with no baseUrl", '[{"model":"m"}]', "MODEL_FALLBACKS[0].baseUrl"],
    ["a baseUrl that is not http(s)", '[{"baseUrl":"file:///etc/passwd"}]', "MODEL_FALLBACKS[0].baseUrl"],
    ["a key pasted into the list", '[{"baseUrl":"https://a.example","apiKey":"sk-pasted-secret"}]', "MODEL_FALLBACKS[0] has a field"],
    ["a keyVar that is not set", '[{"baseUrl":"https://a.example","keyVar":"NOT_SET_ANYWHERE"}]', "names NOT_SET_ANYWHERE, which is not set"],
    ["an empty model", '[{"baseUrl":"https://a.example","model":""}]', "MODEL_FALLBACKS[0].model"],
  ])("refuses a MODEL_FALLBACKS that is %s with bad_config naming it, never echoing a key", (_, value, message) => {
    let error: unknown;
    try {
      modelSettings({ ...env, OPENAI_API_KEY: "sk-primary", MODEL_FALLBACKS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 500, code: "bad_config", message: expect.stringContaining(message) });
    expect((error as Error).message).not.toContain("sk-");
  });

  it("refuses MODEL_FALLBACKS without OPENAI_API_KEY: the offline model is never what a configured gateway serves", () => {
    expect(() => modelSettings({ ...env, OPENAI_API_KEY: "", MODEL_FALLBACKS: '[{"baseUrl":"https://a.example/v1"}]' })).toThrow(
      expect.objectContaining({ code: "bad_config", message: expect.stringContaining("OPENAI_API_KEY") }),
    );
  });
});
