import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusals, refusalSizes, refusalVars } from "./refusalCases";
import { useWranglerDev } from "./wranglerDev";

const MiB = 1024 * 1024;
const worker = useWranglerDev(refusalVars);
const sizes = refusalSizes;
// The 413 of a body of unknown length comes after the Worker has read past the limit: the case that used to reset.
const cases = refusals.flatMap((refusal) => sizes.flatMap((size) => ["declared", "chunked"].map((mode) => ({ ...refusal, size, mode }))));

let dir: string;
const files = new Map<number, string>();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "edge-streams-refusals-"));
  for (const size of sizes) {
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
