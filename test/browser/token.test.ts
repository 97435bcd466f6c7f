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

describe("the demo page on a deployment left closed (no API_TOKEN, ALLOW_ANONYMOUS false)", () => {
  const closed = useWranglerDev(() => ({ ALLOW_ANONYMOUS: "false", OFFLINE_TOKEN_MS: "1" }));

  it("says which setting opens uploads instead of asking for a token, and still chats with the offline model", async () => {
    const page = await chromium.browser.newPage();
    const asked: string[] = [];
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(closed.url.href);
    await page.setInputFiles("#upload-file", { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.waitForFunction(() => document.getElementById("upload-status")?.textContent?.includes("API_TOKEN"));
    await page.click("#chat-send");
    await page.waitForFunction(() => document.getElementById("chat-status")?.textContent?.startsWith("done"));
    expect(asked).toEqual([]);
    await page.close();
  });
});
