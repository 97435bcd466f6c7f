import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterEach, beforeEach } from "vitest";
import { useChromium } from "./chromium";

/**
 * A fresh page of the demo page for each test of the file, at a phone's width, loaded from `worker` (wrangler's test
 * harness or `wrangler dev`); a failed test leaves a screenshot in test-results/. Read `.page` inside tests.
 */
export function usePage(worker: { readonly url: URL }): { readonly page: Page; readonly chromium: ReturnType<typeof useChromium> } {
  const chromium = useChromium();
  let page: Page | undefined;
  beforeEach(async () => {
    page = await chromium.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(worker.url.href);
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail" && page) {
      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: `test-results/${context.task.name.replace(/\W+/g, "-")}.png`, fullPage: true });
    }
    await page?.close();
  });
  return {
    chromium,
    get page() {
      if (!page) throw new Error("no page: use .page inside a test");
      return page;
    },
  };
}

/** Samples a text until `done` holds, returning every distinct value seen on the way. */
export async function watch(page: Page, read: () => Promise<string>, done: (text: string) => boolean): Promise<string[]> {
  const seen: string[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const text = await read();
    if (text !== seen.at(-1)) seen.push(text);
    if (done(text)) return seen;
    await page.waitForTimeout(20);
  }
  throw new Error(`gave up watching; last: ${JSON.stringify(seen.at(-1))}`);
}
