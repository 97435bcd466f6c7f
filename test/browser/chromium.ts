import { beforeAll } from "vitest";
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

// One Chromium per test process: the browser project runs its files one after another in the same process
// (isolate: false), each test on its own page (a fresh context), so a launch per file (~1 s) bought nothing. It
// closes when the process exits.
let shared: Promise<Browser> | undefined;

/** The Chromium of this test process, launched by the first file that asks; read `.browser` inside tests. */
export function useChromium(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    shared ??= launchChromium().then((launched) => {
      process.once("exit", () => void launched.close());
      return launched;
    });
    browser = await shared;
  }, 60_000);
  return {
    get browser() {
      if (!browser) throw new Error("Chromium is not running: use .browser inside a test or hook");
      return browser;
    },
  };
}
