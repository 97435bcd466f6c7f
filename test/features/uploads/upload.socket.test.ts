import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { bytesOf, sha256Of } from "../../node/originServer";
import { useWorker } from "../../e2e/harness";

const worker = useWorker();

/** The part of the Worker's env these tests read: its R2 bucket's listing. */
interface UploadsEnv {
  UPLOADS: { list(options: { prefix: string }): Promise<{ objects: { key: string }[] }> };
}

const MiB = 1024 * 1024;

async function storedFiles(): Promise<string[]> {
  const env = await worker.server.getWorker<UploadsEnv>().getEnv();
  return (await env.UPLOADS.list({ prefix: "files/" })).objects.map((o) => o.key);
}

function uploadLogs(): { outcome: string; bytes: number }[] {
  return worker.server
    .getLogs()
    .filter((log) => log.message.includes('"upload ended"'))
    .map((log) => JSON.parse(log.message.slice(log.message.indexOf("{"))));
}

describe("/api/upload over a real socket", () => {
  it("hashes 100 MiB to what node:crypto computes, and stores exactly those bytes", async () => {
    const size = 100 * 1024 * 1024;
    const body = bytesOf(size) as Uint8Array<ArrayBuffer>;
    const response = await fetch(new URL("/api/upload", worker.url), { method: "POST", body });
    expect(response.status).toBe(201);
    const result = (await response.json()) as { key: string };
    expect(result).toMatchObject({ bytes: size, sha256: sha256Of(size), stored: true });
    // What was stored, read back, is the same bytes: one read buffer serves the whole body, so this proves no chunk
    // was overwritten while the store still held it.
    const stored = await fetch(new URL(`/api/upload/${result.key}`, worker.url));
    expect(createHash("sha256").update(new Uint8Array(await stored.arrayBuffer())).digest("hex")).toBe(sha256Of(size));
  });

  it.each([
    // A streamed put under way: 15 of the 40 MiB declared sent.
    ["a declared length", { "content-length": String(40 * MiB) }, 15, 1],
    // A multipart upload under way: at least one 8 MiB part stored, then the cut.
    ["a chunked body", { "transfer-encoding": "chunked" }, 20, 8 * MiB],
  ])("keeps nothing when the client disconnects mid-body (%s)", async (_kind, headers, sent, taken) => {
    const before = await storedFiles();
    worker.server.clearLogs();
    const request = httpRequest(new URL("/api/upload?name=cut", worker.url), { method: "POST", headers });
    request.on("error", () => {});
    // The write completes once the bytes are in the kernel's socket buffers (a few MiB on loopback): by then the
    // Worker has read the rest, so the cut lands mid-put, not before the upload began.
    await new Promise<void>((resolve) => request.write(bytesOf(sent * MiB), () => resolve()));
    request.destroy();
    // The Worker says how the upload ended, and how far it got; only then is "nothing stored" a finding, not a race.
    await vi.waitFor(() => expect(uploadLogs()).toHaveLength(1), { timeout: 5_000 });
    expect(uploadLogs()[0]).toMatchObject({ outcome: "failed", bytes: expect.any(Number) });
    expect(uploadLogs()[0]!.bytes).toBeGreaterThanOrEqual(taken);
    expect(await storedFiles()).toEqual(before);
  });
});
