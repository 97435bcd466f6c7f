import { build } from "esbuild";
import type { Page } from "playwright-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { useWorker } from "../../e2e/harness";
import { useChromium } from "../../browser/chromium";

// The offline model paced so an answer lasts ~2 s: long enough to reload and to stop mid-answer.
const worker = useWorker({ vars: { OFFLINE_TOKEN_MS: "60" } });
const logged = (pattern: RegExp) => worker.server.getLogs().some((log) => pattern.test(log.message));
const chromium = useChromium();
let script = "";
let page: Page;

beforeAll(async () => {
  // The test page: @ai-sdk/react's useChat, bundled as an app would be, served on the Worker's origin by the browser.
  const bundle = await build({ entryPoints: ["test/features/ai-chat/aiChatApp.node.ts"], bundle: true, write: false, format: "esm", minify: true, define: { "process.env.NODE_ENV": '"production"' } });
  script = bundle.outputFiles[0]!.text;
}, 60_000);

beforeEach(async () => {
  page = await chromium.browser.newPage();
  await page.route(`${worker.url.origin}/ai-test`, (route) =>
    route.fulfill({ contentType: "text/html", body: '<!doctype html><div id="root"></div><script type="module" src="/ai-test.js"></script>' }),
  );
  await page.route(`${worker.url.origin}/ai-test.js`, (route) => route.fulfill({ contentType: "text/javascript", body: script }));
  await page.goto(`${worker.url.origin}/ai-test`);
});
afterEach(() => page.close());

const assistantText = () => page.locator(".assistant").last().textContent().catch(() => "");

/** Samples the assistant's text until `done` holds; returns every distinct value seen. */
async function watch(done: (text: string) => boolean): Promise<string[]> {
  const seen: string[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await page.waitForTimeout(20)) {
    const text = (await assistantText()) ?? "";
    if (text !== seen.at(-1)) seen.push(text);
    if (done(text)) return seen;
  }
  throw new Error(`gave up; last: ${JSON.stringify(seen.at(-1))}`);
}

describe("@ai-sdk/react's useChat against /api/ai/chat, in Chromium", () => {
  it("shows the answer growing in several steps, then ready", async () => {
    const prompt = "Tell me about streaming";
    await page.fill("#input", prompt);
    await page.click("#send");
    const full = answer(prompt).join("");
    const seen = await watch((text) => text === full);
    expect(seen.filter((t) => t.length > 0 && t.length < full.length).length).toBeGreaterThan(2);
    await expect.poll(() => page.textContent("#status")).toBe("ready");
  });

  it("survives a reload mid-answer: the page resumes and the same answer finishes", async () => {
    const prompt = "Resume after a reload";
    await page.fill("#input", prompt);
    await page.click("#send");
    const full = answer(prompt).join("");
    await watch((text) => text.length > 20);
    await page.reload();
    const after = await watch((text) => text === full);
    // The reloaded page showed the answer growing again (a replay, then live), not only its end.
    expect(after.some((t) => t.length > 0 && t.length < full.length)).toBe(true);
  });

  it("stops the model with the Stop button wired as docs/ai-chat.md shows: the Worker logs the cancel", async () => {
    await page.fill("#input", "Stop me soon");
    await page.click("#send");
    await watch((text) => text.length > 20);
    await page.click("#stop");
    await expect
      .poll(() => logged(/"route":"\/api\/ai\/chat".*"outcome":"cancelled","code":"cancelled"/), { timeout: 10_000 })
      .toBe(true);
    expect((await fetch(new URL(`/api/ai/chat/${await page.evaluate(() => sessionStorage.getItem("chatId"))}/stream`, worker.url))).status).toBe(204);
    expect(((await assistantText()) ?? "").length).toBeLessThan(answer("Stop me soon").join("").length);
  });
});
