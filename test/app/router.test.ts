import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const worker = exports.default;

describe("the route table", () => {
  it("answers an unknown route with a JSON 404", async () => {
    const response = await worker.fetch("http://worker/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message: "no route for /nope", code: "not_found" } });
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const response = await worker.fetch("http://worker/test/count", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("sends x-content-type-options: nosniff on streams and errors alike", async () => {
    const stream = await worker.fetch("http://worker/test/count?n=1");
    const error = await worker.fetch("http://worker/nope");
    expect(stream.headers.get("x-content-type-options")).toBe("nosniff");
    expect(error.headers.get("x-content-type-options")).toBe("nosniff");
    await stream.body?.cancel();
  });
});
