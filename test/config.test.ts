import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";

describe("readConfig", () => {
  it("reads HEARTBEAT_MS, defaulting to 15 s", () => {
    expect(readConfig({ HEARTBEAT_MS: "250" }).heartbeatMs).toBe(250);
    expect(readConfig({ HEARTBEAT_MS: "" }).heartbeatMs).toBe(15_000);
  });

  it.each(["abc", "-5", "1.5", "100000"])("names HEARTBEAT_MS when its value is %j", (value) => {
    expect(() => readConfig({ HEARTBEAT_MS: value })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining("HEARTBEAT_MS") }),
    );
  });
});
