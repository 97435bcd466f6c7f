import { describe, expect, it } from "vitest";
import { usePage } from "../../browser/pageUnderTest";
import { useWorker } from "../../e2e/harness";

const worker = useWorker();
const tab = usePage(worker);

describe("the upload panel", () => {
  it("uploads a file and shows the server's SHA-256 beside the browser's, equal", async () => {
    const { page } = tab;
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31) & 255));
    await page.setInputFiles("#upload-file", { name: "sample.bin", mimeType: "application/octet-stream", buffer: bytes });
    await page.waitForFunction(() => document.getElementById("upload-status")?.textContent === "stored", undefined, { timeout: 20_000 });
    await page.waitForFunction(() => (document.getElementById("upload-browser-sha")?.textContent ?? "").length === 64);
    const server = await page.textContent("#upload-server-sha");
    expect(server).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.textContent("#upload-browser-sha")).toBe(server);
    expect(await page.textContent("#upload-size")).toBe(`${bytes.length} bytes`);
  });
});

describe("the upload panel on a deployment left closed (no API_TOKEN, ALLOW_ANONYMOUS false)", () => {
  const closed = useWorker({ vars: { ALLOW_ANONYMOUS: "false" } });

  it("says which setting opens uploads instead of asking for a token", async () => {
    const page = await tab.chromium.browser.newPage();
    const asked: string[] = [];
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(closed.url.href);
    await page.setInputFiles("#upload-file", { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.waitForFunction(() => document.getElementById("upload-status")?.textContent?.includes("API_TOKEN"));
    expect(asked).toEqual([]);
    await page.close();
  });
});
