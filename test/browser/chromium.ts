import { afterAll, beforeAll } from "vitest";
import { chromium, type Browser } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install chromium`; CHROMIUM_PATH to use another), headless, with the flags this closed
 * network needs: no background calls home, which would be refused many at a time.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
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
