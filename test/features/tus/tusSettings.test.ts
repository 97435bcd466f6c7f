import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tusSettings } from "../../../src/features/tus/tusSettings";

describe("tusSettings", () => {
  it.each([
    ["TUS_EXPIRE_SECONDS", String(8 * 86_400), "R2 aborts a multipart upload left 7 days"],
    ["TUS_MIN_PATCH_BYTES", String(9 * 1024 * 1024), "a part is 8 MiB"],
    ["TUS_MAX_BYTES", "lots", "a number"],
  ])("refuses %s=%s when read, naming the variable (%s)", (name, value) => {
    expect(() => tusSettings({ ...env, [name]: value })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining(name) }),
    );
  });
});
