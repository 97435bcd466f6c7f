import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { refusals, refusalSizes, refusalVars, token } from "../e2e/refusalCases";
import { useWranglerDev } from "../e2e/wranglerDev";
import { useChromium } from "./chromium";

// Uploads and chat bodies limited to 1 MiB, as in test/e2e/refusals.socket.test.ts.
const worker = useWranglerDev(refusalVars);

const chromium = useChromium();
let page: Page;
beforeEach(async () => {
  page = await chromium.browser.newPage();
});
afterEach(() => page.close());

describe("the page in Chromium", () => {
  it("loads with no console error and no failed request, favicon included", async () => {
    const problems: string[] = [];
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    page.on("response", (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
    await page.goto(worker.url.href, { waitUntil: "networkidle" });
    expect(problems).toEqual([]);
  });
});

describe("an uploaded HTML file, opened in Chromium", () => {
  it("runs no script on the Worker's origin", async () => {
    const html = `<script>localStorage.setItem("pwned", "yes"); document.title = "pwned";</script><p>hello</p>`;
    const upload = await fetch(new URL("/api/upload?name=evil.html", worker.url), {
      method: "POST",
      headers: { "content-type": "text/html", authorization: `Bearer ${token}` },
      body: html,
    });
    const { key } = (await upload.json()) as { key: string };
    // The page hands the token to the download as a browser user would, in the URL's place: a cookie-less API, so
    // the download link is fetched with the header by the browser itself.
    await page.goto(worker.url.href);
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
    const opened = await page.goto(new URL(`/api/upload/${key}`, worker.url).href).then(
      (response) => `${response?.status()} ${response?.headers()["content-disposition"]}`,
      (error: Error) => error.message, // an attachment starts a download instead of a page
    );
    expect(opened).toMatch(/attachment|Download/);
    await page.goto(worker.url.href);
    expect(await page.evaluate(() => localStorage.getItem("pwned"))).toBeNull();
    expect(await page.title()).not.toBe("pwned");
  });
});

describe("early refusals reach Chromium's fetch", () => {
  // Declared lengths only: Chromium streams a request body (chunked) only over HTTP/2, and wrangler dev speaks HTTP/1.1.
  const cases = refusals.flatMap((refusal) => refusalSizes.map((size) => ({ ...refusal, size })));

  it.each(cases)("as the $refusal of a $size-byte body, status and JSON", async ({ path, headers, status, code, size }) => {
    await page.goto(worker.url.href);
    const seen = await page.evaluate(
      async ({ path, headers, size }) => {
        const response = await fetch(path, { method: "POST", headers, body: new Blob([new Uint8Array(size)]) });
        return { status: response.status, body: await response.json() };
      },
      { path, headers, size },
    );
    expect(seen.status).toBe(status);
    expect(seen.body).toMatchObject({ error: { code } });
  });
});
