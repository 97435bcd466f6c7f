import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tcpRelay, type TcpRelay } from "../../e2e/tcpRelay";
import { useWorker } from "../../e2e/harness";
import { useChromium } from "../../browser/chromium";

// A single-request upload may be 1 MiB here: the page's file is far past it, so only tus can take it.
const worker = useWorker({ vars: { UPLOAD_MAX_BYTES: String(1024 * 1024) } });
const chromium = useChromium();
let page: Page;
let relay: TcpRelay;
const cleanups: (() => void)[] = [];

beforeEach(async () => {
  // The page is loaded through a relay whose connections the test cuts: to the browser, the network went away.
  relay = await tcpRelay(worker.url);
  page = await chromium.browser.newPage();
  await page.goto(relay.url.href);
});
afterEach(async () => {
  await page.close();
  await relay.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("the demo page's resumable upload, in Chromium", () => {
  it("uploads 40 MiB past UPLOAD_MAX_BYTES with progress, rides out a network drop, and the two SHA-256s match", async () => {
    const bytes = Buffer.alloc(40 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32BE(i, i);
    // From a file on disk: Chromium reads it by path. A 40 MiB buffer crosses the DevTools protocol as base64 instead,
    // which alone took past 30 s on a loaded 2-core machine.
    // The page reads the file as it uploads it: it is deleted after the page is closed.
    const dir = mkdtempSync(join(tmpdir(), "edge-streams-page-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "big.bin");
    writeFileSync(path, bytes);
    await page.setInputFiles("#upload-file", path);
    // Watch the status to the end; cut the network once the upload is past 30%.
    const progress = new Set<string>();
    let cut = false;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(20)) {
      const status = (await page.textContent("#upload-status")) ?? "";
      progress.add(status);
      if (status === "stored") break;
      if (!cut && /uploading: ([3-9]\d)%/.test(status)) {
        relay.cut();
        cut = true;
      }
    }
    expect(cut).toBe(true);
    expect(progress.has("stored")).toBe(true);
    await page.waitForFunction(() => (document.getElementById("upload-browser-sha")?.textContent ?? "").length === 64);
    const server = await page.textContent("#upload-server-sha");
    expect(server).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(await page.textContent("#upload-browser-sha")).toBe(server);
    expect(await page.textContent("#upload-size")).toBe(`${bytes.length} bytes`);
    expect([...progress].filter((s) => s.startsWith("uploading: ")).length).toBeGreaterThan(2);
  }, 90_000);
});
