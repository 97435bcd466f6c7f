import { describe, expect, it } from "vitest";
import { usePage, watch } from "../../browser/pageUnderTest";
import { useWorker } from "../../e2e/harness";

// The page served by wrangler's test harness: the same Worker and assets as `npm start`, started in a second or two.
const worker = useWorker();
const tab = usePage(worker);

describe("the progressive panel", () => {
  it("renders the progressive parts in the order they resolve: tasks, then users", async () => {
    const { page } = tab;
    await page.click("#progressive-load");
    const states = await watch(page, async () => `${await page.getAttribute("#tasks", "data-state")}/${await page.getAttribute("#users", "data-state")}`, (text) => text === "done/done");
    expect(states).toContain("done/loading");
    expect(await page.locator("#progressive-order li").allTextContents()).toEqual(["tasks", "users"]);
    expect(await page.locator("#users li").allTextContents()).toEqual(["Ada", "Grace", "Linus"]);
  });
});
