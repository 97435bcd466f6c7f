import { afterAll, beforeAll } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { findBrowser } from "./findBrowser";

/**
 * The installed Chromium, Chrome or Edge (findBrowser.ts; CHROMIUM_PATH to name one), headless, with the flags a
 * closed network needs: no background calls home, which would be refused many at a time.
 */
export function launchChromium(): Promise<Browser> {
  const executablePath = findBrowser();
  if (!executablePath) throw new Error("no Chromium, Chrome or Edge found: install one, or set CHROMIUM_PATH");
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Launches Chromium once for the test file that calls this, and closes it after; read `.browser` inside tests. */
export function useChromium(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());
  return {
    get browser() {
      if (!browser) throw new Error("Chromium is not running: use .browser inside a test or hook");
      return browser;
    },
  };
}
