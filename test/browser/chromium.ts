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
