import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { progressive } from "../../../src/client/progressive";
import { readJSONL } from "../../../src/client/readJSONL";
import type { ProgressiveRecord } from "../../../src/features/progressive/progressive";
import { readAll } from "../../support/chunked";

const worker = exports.default;

beforeEach(() => void vi.spyOn(console, "log").mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

describe("GET /api/progressive", () => {
  it("sends each part the moment it resolves: the faster one first", async () => {
    const tasksFirst = await readAll(readJSONL<ProgressiveRecord>(await worker.fetch("http://worker/api/progressive?users=60&tasks=0")));
    expect(tasksFirst.values.map((r) => Object.keys(r)[0])).toEqual(["tasks", "users"]);
    const usersFirst = await readAll(readJSONL<ProgressiveRecord>(await worker.fetch("http://worker/api/progressive?users=0&tasks=60")));
    expect(usersFirst.values.map((r) => Object.keys(r)[0])).toEqual(["users", "tasks"]);
    expect(usersFirst.result).toEqual({ parts: 2 });
  });

  it("resolves progressive() parts with the records' values", async () => {
    const data = progressive<ProgressiveRecord>(await worker.fetch("http://worker/api/progressive?users=20&tasks=0"));
    expect((await data.tasks).map((t) => t.title)).toContain("Stream the first record");
    expect((await data.users).map((u) => u.name)).toEqual(["Ada", "Grace", "Linus"]);
  });

  it("rejects the pending part with the error record when a part fails after another was sent", async () => {
    const data = progressive<ProgressiveRecord>(await worker.fetch("http://worker/api/progressive?users=0&tasks=30&fail=tasks"));
    expect(await data.users).toHaveLength(3);
    await expect(data.tasks).rejects.toMatchObject({ code: "part_failed", message: "the tasks could not be loaded" });
  });

  it("answers with the part's error status when it fails before anything was sent", async () => {
    const response = await worker.fetch("http://worker/api/progressive?users=0&tasks=30&fail=users");
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { message: "the users could not be loaded", code: "part_failed" } });
  });

  it.each([
    ["application/jsonl", "application/jsonl"],
    ["application/x-ndjson", "application/x-ndjson"],
    ["*/*", "text/plain; charset=utf-8"],
    [undefined, "text/plain; charset=utf-8"],
    ["text/html,application/xhtml+xml,*/*;q=0.8", "text/plain; charset=utf-8"],
  ])("answers Accept %s with %s, the same records in it", async (accept, type) => {
    const response = await worker.fetch("http://worker/api/progressive?users=0&tasks=0", { headers: accept ? { accept } : {} });
    expect(response.headers.get("content-type")).toBe(type);
    expect((await readAll(readJSONL(response))).values).toHaveLength(2);
  });

  it.each(["users=-1", "tasks=10001", "fail=everything"])("refuses %s with a 400", async (query) => {
    const response = await worker.fetch(`http://worker/api/progressive?${query}`);
    expect(response.status).toBe(400);
  });
});

describe("progressive() over this route's records", () => {
  it("types each part from the producer's record schema", () => {
    expectTypeOf<ReturnType<typeof progressive<ProgressiveRecord>>["users"]>().toEqualTypeOf<
      Promise<{ id: number; name: string }[]>
    >();
    expectTypeOf<ReturnType<typeof progressive<ProgressiveRecord>>["tasks"]>().toEqualTypeOf<
      Promise<{ id: number; title: string; done: boolean }[]>
    >();
  });
});
