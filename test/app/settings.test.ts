import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { durableSettings } from "../../src/durable/durableSettings";
import { settings, settingsGroup } from "../../src/settings";
import { callWorker, newClientIp } from "../support/callWorker";
import { firstRefusal } from "../support/firstRefusal";

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

  it("reads each group once per env: a request after the first parses nothing", () => {
    let reads = 0;
    const group = settingsGroup((e) => ({ reads: ++reads, heartbeat: e.HEARTBEAT_MS }));
    const vars = { ...env };
    expect(group(vars)).toBe(group(vars));
    expect(settings(vars)).toBe(settings(vars));
    expect(durableSettings(vars)).toBe(durableSettings(vars));
    expect(group({ ...vars })).not.toBe(group(vars));
    expect(reads).toBe(2);
  });

  it("reaches API_TOKEN one way, unset when empty", () => {
    expect(settings({ ...env, API_TOKEN: "t" }).apiToken).toBe("t");
    expect(settings({ ...env, API_TOKEN: "" }).apiToken).toBeUndefined();
  });

  it.each([
    ["CORS_ORIGINS", "*", (e: Env) => settings(e).corsOrigins],
    ["ALLOW_ANONYMOUS", "yes", (e: Env) => settings(e).allowAnonymous],
    ["DURABLE_MAX_EVENTS", "0", durableSettings],
    // A batch of records must fit one SQLite row (2 MB): refused when read, not when the platform would refuse it.
    ["DURABLE_MAX_BYTES", "3000000", durableSettings],
  ] as const)("names %s when it is %j", (name, value, read) => {
    expect(() => read({ ...env, [name]: value })).toThrow(
      expect.objectContaining({ status: 500, code: "bad_config", message: expect.stringContaining(name) }),
    );
  });

  it("fails only the routes that use a bad group: a bad DURABLE_MAX_EVENTS leaves plain streams working", async () => {
    const vars = { DURABLE_MAX_EVENTS: "many" };
    const durable = await callWorker("/test/count?resume=1", {}, vars);
    expect(durable.status).toBe(500);
    expect(await durable.json()).toEqual({ error: { code: "bad_config", message: "DURABLE_MAX_EVENTS must be an integer from 2 to 1000000" } });
    const plain = await callWorker("/test/count?n=2", {}, vars);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('{"i":1}\n{"i":2}\n{"$done":{"counted":2}}\n');
  });
});

describe("names from before", () => {
  it("reads a CHAT_RESUME_* setting when its DURABLE_* name is not set, and the new name when both are", () => {
    expect(durableSettings({ ...env, DURABLE_MAX_EVENTS: "", CHAT_RESUME_MAX_EVENTS: "77" }).maxEvents).toBe(77);
    expect(durableSettings({ ...env, DURABLE_MAX_EVENTS: "88", CHAT_RESUME_MAX_EVENTS: "77" }).maxEvents).toBe(88);
    expect(() => durableSettings({ ...env, DURABLE_MAX_EVENTS: "", CHAT_RESUME_MAX_EVENTS: "x" })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("CHAT_RESUME_MAX_EVENTS") }),
    );
  });

  it("rate limits through a binding still named CHAT_LIMITER", async () => {
    const vars: Partial<Env> = { RATE_LIMITER: undefined, CHAT_LIMITER: env.RATE_LIMITER };
    const client = { headers: { "cf-connecting-ip": newClientIp() } };
    const { refusedAt } = await firstRefusal(() => callWorker("/test/count?n=0", client, vars));
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusedAt).toBeLessThanOrEqual(120);
  });
});
