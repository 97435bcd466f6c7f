import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uploadSettings } from "../../../src/features/uploads/uploadSettings";

describe("uploadSettings", () => {
  it("names UPLOAD_MAX_BYTES when it is not a number", () => {
    expect(() => uploadSettings({ ...env, UPLOAD_MAX_BYTES: "lots" })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining("UPLOAD_MAX_BYTES") }),
    );
  });
});
