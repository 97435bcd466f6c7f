import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useWranglerDev } from "../e2e/wranglerDev";
import { usePage } from "../browser/pageUnderTest";

// The page under `wrangler dev`, as `npm start` serves it, with every feature's panel; API_TOKEN set for the prompt test.
const worker = useWranglerDev(() => ({ API_TOKEN: "s3cret" }));
const tab = usePage(worker);

describe("the demo page", () => {
  it("is served with a strict Content-Security-Policy", async () => {
    const response = await tab.page.goto(worker.url.href);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
  });

  it("loads every panel with no console error and no failed request, favicon included", async () => {
    const problems: string[] = [];
    tab.page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    tab.page.on("response", (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
    await tab.page.goto(worker.url.href, { waitUntil: "networkidle" });
    expect(problems).toEqual([]);
    // One section per panel public/panels.js lists (none when no feature kept has one).
    const listed = (readFileSync("public/panels.js", "utf8").match(/^import \w+ from "\.\/panels\//gm) ?? []).length;
    expect(await tab.page.locator("main > section").count()).toBe(listed);
  });

  it("asks for the API token once, then keeps it for the session", async () => {
    const asked: string[] = [];
    tab.page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept("s3cret");
    });
    // A stream that does not exist: with the token, 404; without it, 401, which asks.
    // A string, so the bundler leaves the page's own module path alone.
    const statuses = await tab.page.evaluate(`(async () => {
      const { authFetch } = await import("/page.js");
      const first = await authFetch("/api/streams/AAAAAAAAAAAAAAAAAAAAAA");
      const second = await authFetch("/api/streams/AAAAAAAAAAAAAAAAAAAAAA");
      return [first.status, second.status];
    })()`);
    expect(statuses).toEqual([404, 404]);
    expect(asked).toEqual(["This Worker needs its API token:"]);
  });
});
