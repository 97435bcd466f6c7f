import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { answer, REFUSAL_WORD } from "../../src/llm/offlineModel";
import { tcpRelay } from "../e2e/tcpRelay";
import { useWranglerDev } from "../e2e/wranglerDev";
import { useChromium } from "./chromium";

// The page under `wrangler dev`, as `npm start` serves it; the offline model paced so a stream lasts ~2 s.
const worker = useWranglerDev(() => ({ OFFLINE_TOKEN_MS: "60" }));

const chromium = useChromium();
let page: Page;

beforeEach(async () => {
  page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone's width
  await page.goto(worker.url.href);
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: `test-results/${context.task.name.replace(/\W+/g, "-")}.png`, fullPage: true });
  }
  await page.close();
});

/** Samples a text until `done` holds, returning every distinct value seen on the way. */
async function watch(read: () => Promise<string>, done: (text: string) => boolean): Promise<string[]> {
  const seen: string[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const text = await read();
    if (text !== seen.at(-1)) seen.push(text);
    if (done(text)) return seen;
    await page.waitForTimeout(20);
  }
  throw new Error(`gave up watching; last: ${JSON.stringify(seen.at(-1))}`);
}

describe("the demo page", () => {
  it("is served with a strict Content-Security-Policy", async () => {
    const response = await page.goto(worker.url.href);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
  });

  it("shows the chat answer growing while the stream is open, then done", async () => {
    await page.click("#chat-send");
    const states = await watch(
      async () => `${await page.textContent("#chat-status")}|${await page.textContent("#chat-output")}`,
      (text) => text.startsWith("done"),
    );
    const final = states.at(-1)!.split("|")[1]!;
    expect(final.startsWith("You said")).toBe(true);
    // Several partial answers were on screen while the stream was still open, not only the final text.
    const partial = states.filter((s) => s.startsWith("streaming|") && s.length > "streaming|".length && s.length < "streaming|".length + final.length);
    expect(partial.length).toBeGreaterThan(2);
  });

  it(`shows a refusal as the answer when the prompt holds "${REFUSAL_WORD}"`, async () => {
    await page.fill("#chat-input", `the ${REFUSAL_WORD} files`);
    await page.click("#chat-send");
    await watch(async () => (await page.textContent("#chat-status"))!, (text) => text.startsWith("done"));
    expect(await page.textContent("#chat-output")).toBe("I can't help with that: the prompt asks for something classified.");
  });

  it("rides out a network drop mid-answer: it says it is reconnecting, then finishes the same answer", async () => {
    // The page is loaded through a relay whose connections the test cuts: to the browser, the network went away.
    const relay = await tcpRelay(worker.url);
    try {
      await page.goto(relay.url.href);
      await page.click("#chat-send");
      await page.waitForFunction(() => (document.getElementById("chat-output")?.textContent ?? "").length > 20);
      relay.cut();
      const states = await watch(async () => (await page.textContent("#chat-status"))!, (text) => text.startsWith("done"));
      expect(states.some((state) => state.startsWith("connection lost: reconnecting"))).toBe(true);
      expect(states.at(-1)).toBe("done: stop");
      expect(await page.textContent("#chat-output")).toBe(answer("Tell me about streaming").join(""));
    } finally {
      await relay.close();
    }
  });

  it("stops the stream with Stop, and the Worker logs the cancel", async () => {
    await page.click("#chat-send");
    await page.waitForFunction(() => (document.getElementById("chat-output")?.textContent ?? "").length > 10);
    await page.click("#chat-stop");
    await page.waitForFunction(() => document.getElementById("chat-status")?.textContent === "stopped");
    await expect
      .poll(() => /"route":"\/api\/chat".*"outcome":"cancelled"/.test(worker.output), { timeout: 10_000 })
      .toBe(true);
  });

  it("renders the progressive parts in the order they resolve: tasks, then users", async () => {
    await page.click("#progressive-load");
    const states = await watch(
      async () => `${await page.getAttribute("#tasks", "data-state")}/${await page.getAttribute("#users", "data-state")}`,
      (text) => text === "done/done",
    );
    expect(states).toContain("done/loading");
    expect(await page.locator("#progressive-order li").allTextContents()).toEqual(["tasks", "users"]);
    expect(await page.locator("#users li").allTextContents()).toEqual(["Ada", "Grace", "Linus"]);
  });

  it("uploads a file and shows the server's SHA-256 beside the browser's, equal", async () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31) & 255));
    await page.setInputFiles("#upload-file", { name: "sample.bin", mimeType: "application/octet-stream", buffer: bytes });
    await page.waitForFunction(() => document.getElementById("upload-status")?.textContent === "stored", undefined, { timeout: 20_000 });
    await page.waitForFunction(() => (document.getElementById("upload-browser-sha")?.textContent ?? "").length === 64);
    const server = await page.textContent("#upload-server-sha");
    expect(server).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.textContent("#upload-browser-sha")).toBe(server);
    expect(await page.textContent("#upload-size")).toBe(`${bytes.length} bytes`);
  });

  it("shows the proxied download's progress live, chunk by chunk", async () => {
    await page.click("#proxy-start");
    const values = await watch(
      async () => String(await page.getAttribute("#proxy-progress", "value")) + "|" + (await page.textContent("#proxy-status")),
      (text) => text.includes("done"),
    );
    const progress = [...new Set(values.map((v) => Number(v.split("|")[0])))];
    expect(progress.filter((v) => v > 0 && v < 20).length).toBeGreaterThan(3);
    expect(await page.locator("#proxy-output").textContent()).toMatch(/chunk 20\/20/);
  });
});
