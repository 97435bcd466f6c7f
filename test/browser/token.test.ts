import { describe, expect, it } from "vitest";
import { useWranglerDev } from "../e2e/wranglerDev";
import { useChromium } from "./chromium";

const worker = useWranglerDev(() => ({ API_TOKEN: "s3cret", OFFLINE_TOKEN_MS: "1" }));

const chromium = useChromium();

describe("the demo page with API_TOKEN set", () => {
  it("asks for the token once, then keeps it for the session", async () => {
    const page = await chromium.browser.newPage();
    const asked: string[] = [];
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept("s3cret");
    });
    await page.goto(worker.url.href);
    for (let run = 0; run < 2; run++) {
      await page.click("#chat-send");
      await page.waitForFunction(() => document.getElementById("chat-status")?.textContent?.startsWith("done"));
    }
    await page.click("#progressive-load");
    await page.waitForFunction(() => document.getElementById("users")?.dataset.state === "done");
    expect(asked).toEqual(["This Worker needs its API token:"]);
    await page.close();
  });
});
