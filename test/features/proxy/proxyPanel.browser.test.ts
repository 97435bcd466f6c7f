import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usePage, watch } from "../../browser/pageUnderTest";
import { useWorker } from "../../e2e/harness";
import { startOrigin } from "../../node/originServer";

// The panel's URL pointed at the test origin server's chunks, so the test needs no other feature.
let origin: Awaited<ReturnType<typeof startOrigin>>;
beforeAll(async () => (origin = await startOrigin()));
afterAll(() => origin?.close());
const worker = useWorker(() => ({ vars: { PROXY_ORIGINS: JSON.stringify({ origin: origin.url }) } }));
const tab = usePage(worker);

describe("the proxy panel", () => {
  it("shows the proxied download's progress live, chunk by chunk", async () => {
    const { page } = tab;
    await page.fill("#proxy-url", "/proxy/origin/chunks?count=20&interval=150");
    await page.click("#proxy-start");
    const values = await watch(page, async () => String(await page.getAttribute("#proxy-progress", "value")) + "|" + (await page.textContent("#proxy-status")), (text) => text.includes("done"));
    const progress = [...new Set(values.map((v) => Number(v.split("|")[0])))];
    expect(progress.filter((v) => v > 0 && v < 20).length).toBeGreaterThan(3);
    expect(await page.locator("#proxy-output").textContent()).toMatch(/chunk 20\/20/);
  });
});
