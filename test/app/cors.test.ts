import { describe, expect, it } from "vitest";
import { callWorker } from "../support/callWorker";

const app = "https://app.example";
const vars = { CORS_ORIGINS: `${app}, http://localhost:5173` };

describe("CORS", () => {
  it("is off when CORS_ORIGINS is unset: no CORS headers, and a preflight is not answered", async () => {
    const response = await callWorker("/test/count?n=1", { headers: { origin: app } }, { CORS_ORIGINS: "" });
    expect(response.headers.has("access-control-allow-origin")).toBe(false);
    await response.body?.cancel();
    const preflight = await callWorker("/test/count", { method: "OPTIONS", headers: { origin: app, "access-control-request-method": "POST" } }, { CORS_ORIGINS: "" });
    expect(preflight.headers.has("access-control-allow-origin")).toBe(false);
  });

  it("answers an allowed origin's preflight with its own origin, never *", async () => {
    const response = await callWorker(
      "/test/count",
      { method: "OPTIONS", headers: { origin: app, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } },
      vars,
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed origin read responses, errors included, with Vary: Origin", async () => {
    for (const path of ["/test/count?n=1", "/nope"]) {
      const response = await callWorker(path, { headers: { origin: app } }, vars);
      expect(response.headers.get("access-control-allow-origin")).toBe(app);
      expect(response.headers.get("vary")).toContain("Origin");
      await response.body?.cancel();
    }
  });

  it("gives another origin nothing", async () => {
    const response = await callWorker("/test/count?n=1", { headers: { origin: "https://evil.example" } }, vars);
    expect(response.headers.has("access-control-allow-origin")).toBe(false);
    await response.body?.cancel();
  });

  it("refuses a CORS_ORIGINS that is not a list of origins, naming it", async () => {
    const response = await callWorker("/test/count?n=1", { headers: { origin: app } }, { CORS_ORIGINS: "*" });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("CORS_ORIGINS");
  });
});
