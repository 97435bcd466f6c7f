import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { proxySettings } from "../../../src/features/proxy/proxySettings";
import { callWorker } from "../../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("proxySettings", () => {
  it("names PROXY_TIMEOUT_MS when it is not a number", () => {
    expect(() => proxySettings({ ...env, PROXY_TIMEOUT_MS: "soon" })).toThrow(
      expect.objectContaining({ code: "bad_config", message: expect.stringContaining("PROXY_TIMEOUT_MS") }),
    );
  });

  it("fails only the proxy when PROXY_ORIGINS is bad: the Worker's other routes keep working", async () => {
    const vars = { PROXY_ORIGINS: "{not json" };
    const proxied = await callWorker("/proxy/self/test/count", {}, vars);
    expect(proxied.status).toBe(500);
    expect(await proxied.json()).toMatchObject({ error: { code: "bad_config", message: expect.stringContaining("PROXY_ORIGINS") } });
    expect((await callWorker("/test/count?n=1", {}, vars)).status).toBe(200);
  });
});
