import { describe, expect, it } from "vitest";
import { describeBrowserRefusals } from "../../browser/browserRefusals";
import { usePage } from "../../browser/pageUnderTest";
import { token } from "../../e2e/refusals";
import { useWorker } from "../../e2e/harness";
import { uploadLimits, uploadRefusals } from "./uploadRefusals.node";

const worker = useWorker({ vars: uploadLimits() });
const tab = usePage(worker);

describe("an uploaded HTML file, opened in Chromium", () => {
  it("runs no script on the Worker's origin", async () => {
    const { page } = tab;
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

describeBrowserRefusals(() => tab.page, uploadRefusals);
