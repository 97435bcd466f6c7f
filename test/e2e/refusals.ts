import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevWorker } from "./wranglerDev";

const MiB = 1024 * 1024;

/** The token the refusal tests set as API_TOKEN. */
export const token = "s3cret";
export const auth = { authorization: `Bearer ${token}` };

/** An early refusal: where, with which headers, and the status and code the client must see. */
export interface Refusal {
  refusal: string;
  path: string;
  headers: Record<string, string>;
  status: number;
  code: string;
}

/**
 * The body sizes each refusal is tried with: 8 MiB (just past an upload part) and 32 MiB, both far over a 1 MiB limit
 * and past what the sockets between client and Worker buffer (a few MiB), so a refusal that left the body unread would
 * reset the connection while the client is still sending.
 */
export const refusalSizes = [8 * MiB + 4, 32 * MiB];

/**
 * Each refusal, with each size, sent declared and chunked by curl and by undici's fetch over a real socket: the client
 * sees the status and the JSON, never a reset. The 413 of a body of unknown length comes after the Worker has read
 * past the limit: the case that used to reset.
 */
export function describeRefusals(worker: DevWorker, refusals: Refusal[]): void {
  const cases = refusals.flatMap((refusal) => refusalSizes.flatMap((size) => ["declared", "chunked"].map((mode) => ({ ...refusal, size, mode }))));
  let dir: string;
  const files = new Map<number, string>();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "edge-streams-refusals-"));
    for (const size of refusalSizes) {
      const path = join(dir, `${size}.bin`);
      writeFileSync(path, Buffer.alloc(size, "x"));
      files.set(size, path);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe("early refusals over a real socket", () => {
    it.each(cases)("curl sees the $refusal of a $size-byte body sent $mode as its status and JSON", async ({ path, headers, status, code, size, mode }) => {
      const args = ["-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", `@${files.get(size)}`];
      for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
      if (mode === "chunked") args.push("-H", "Transfer-Encoding: chunked");
      const { stdout } = await promisify(execFile)("curl", [...args, new URL(path, worker.url).href], { maxBuffer: MiB });
      const [body, statusLine] = [stdout.slice(0, stdout.lastIndexOf("\n")), stdout.slice(stdout.lastIndexOf("\n") + 1)];
      expect(Number(statusLine)).toBe(status);
      expect(JSON.parse(body)).toMatchObject({ error: { code } });
    });

    it.each(cases)("undici's fetch sees the $refusal of a $size-byte body sent $mode as its status and JSON", async ({ path, headers, status, code, size, mode }) => {
      const bytes = Buffer.alloc(size, "x");
      const body =
        mode === "declared"
          ? bytes
          : new ReadableStream<Uint8Array>({
              start(controller) {
                for (let at = 0; at < size; at += 64 * 1024) controller.enqueue(bytes.subarray(at, at + 64 * 1024));
                controller.close();
              },
            });
      const response = await fetch(new URL(path, worker.url), { method: "POST", headers, body, duplex: "half" } as RequestInit);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error: { code } });
    });
  });
}
