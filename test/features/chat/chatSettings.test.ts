import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callWorker } from "../../support/callWorker";

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("a chat's durable stream and the model settings", () => {
  it("is read and cancelled with a bad OPENAI_BASE_URL: reading needs no model settings", async () => {
    const started = await callWorker("/api/chat?resume=1&q=read+me", {}, { OPENAI_API_KEY: "", OFFLINE_TOKEN_MS: "0" });
    await started.text();
    const location = started.headers.get("content-location")!;
    const broken = { OPENAI_BASE_URL: "not a url" };
    expect((await callWorker(`${location}?after=0`, {}, broken)).status).toBe(200);
    expect((await callWorker(location, { method: "DELETE" }, broken)).status).toBe(204);
  });
});
