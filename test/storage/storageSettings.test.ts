import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storageSettings } from "../../src/storage/storageSettings";

describe("storageSettings", () => {
  it.each([
    ["UPLOAD_MEMORY_BYTES", "1"],
    ["UPLOAD_IDLE_TIMEOUT_MS", "soon"],
    ["UPLOAD_KEEP_DAYS", "0"],
  ])("names %s when it is %j", (name, value) => {
    expect(() => storageSettings({ ...env, [name]: value })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining(name) }),
    );
  });
});
