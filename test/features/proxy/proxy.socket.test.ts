import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startOrigin } from "../../node/originServer";
import { chunkTimes } from "../../support/chunkTimes";
import { useWranglerDev } from "../../e2e/wranglerDev";

let origin: Awaited<ReturnType<typeof startOrigin>>;
beforeAll(async () => (origin = await startOrigin()));
afterAll(() => origin?.close());

// wrangler dev, not the test harness: only there does a cancelled subrequest close its socket, as on the edge.
const worker = useWranglerDev(() => ({ PROXY_ORIGINS: JSON.stringify({ origin: origin.url }) }));

describe("/proxy over real sockets", () => {
  it("fails the client's transfer when the upstream dies mid-body, never ending it cleanly", async () => {
    const response = await fetch(new URL("/proxy/origin/die", worker.url));
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it("streams a chunked text/plain upstream as it arrives, to a client that accepts gzip", async () => {
    const response = await fetch(new URL("/proxy/origin/chunks?count=5&interval=150", worker.url), { headers: { "accept-encoding": "gzip, br" } });
    const { first, rest, firstReadAt, lastMadeAt } = await chunkTimes(response.body!);
    expect(first).toMatch(/^chunk 1\/5 /);
    expect(rest).toHaveLength(4);
    expect(firstReadAt).toBeLessThan(lastMadeAt);
  });

  it("closes a chunked text/plain upstream within a second when the client leaves mid-transfer", async () => {
    const path = "/chunks?count=1000&interval=20";
    const response = await fetch(new URL(`/proxy/origin${path}`, worker.url), { headers: { "accept-encoding": "gzip, br" } });
    const reader = response.body!.getReader();
    await reader.read(); // a chunk has arrived: the transfer is under way
    await reader.cancel();
    const leftAt = Date.now();
    const closedAfter = await vi.waitFor(
      () => {
        const seen = origin.requests.find((r) => r.path === "/chunks" && r.abortedAt !== null);
        if (!seen) throw new Error("the upstream connection is still open");
        return seen.abortedAt! - leftAt;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(closedAfter).toBeLessThan(1_000);
  });

  it("closes the upstream connection within a second when the client leaves mid-body", async () => {
    const size = 4 * 1024 ** 3; // far more than is read: the transfer is always mid-way
    const response = await fetch(new URL(`/proxy/origin/bytes/${size}`, worker.url));
    const reader = response.body!.getReader();
    let read = 0;
    while (read < 1024 * 1024) read += (await reader.read()).value!.byteLength;
    await reader.cancel();
    const leftAt = Date.now();
    const closedAfter = await vi.waitFor(
      () => {
        const seen = origin.requests.find((r) => r.path === `/bytes/${size}` && r.abortedAt !== null);
        if (!seen) throw new Error("the upstream connection is still open");
        return seen.abortedAt! - leftAt;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(closedAfter).toBeLessThan(1_000);
  });
});
