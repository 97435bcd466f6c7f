import { describe, expect, it } from "vitest";
import { answer, REFUSAL_WORD } from "../../../src/model/offlineModel";
import { usePage, watch } from "../../browser/pageUnderTest";
import { tcpRelay } from "../../e2e/tcpRelay";
import { useWorker } from "../../e2e/harness";

// The offline model paced so a stream lasts ~2 s.
const worker = useWorker({ vars: { OFFLINE_TOKEN_MS: "60" } });
const logged = (pattern: RegExp) => worker.server.getLogs().some((log) => pattern.test(log.message));
const tab = usePage(worker);

describe("the chat panel", () => {
  it("shows the chat answer growing while the stream is open, then done", async () => {
    const { page } = tab;
    await page.click("#chat-send");
    const states = await watch(page, async () => `${await page.textContent("#chat-status")}|${await page.textContent("#chat-output")}`, (text) => text.startsWith("done"));
    const final = states.at(-1)!.split("|")[1]!;
    expect(final.startsWith("You said")).toBe(true);
    // Several partial answers were on screen while the stream was still open, not only the final text.
    const partial = states.filter((s) => s.startsWith("streaming|") && s.length > "streaming|".length && s.length < "streaming|".length + final.length);
    expect(partial.length).toBeGreaterThan(2);
  });

  it(`shows a refusal as the answer when the prompt holds "${REFUSAL_WORD}"`, async () => {
    const { page } = tab;
    await page.fill("#chat-input", `the ${REFUSAL_WORD} files`);
    await page.click("#chat-send");
    await watch(page, async () => (await page.textContent("#chat-status"))!, (text) => text.startsWith("done"));
    expect(await page.textContent("#chat-output")).toBe("I can't help with that: the prompt asks for something classified.");
  });

  it("rides out a network drop mid-answer: it says it is reconnecting, then finishes the same answer", async () => {
    const { page } = tab;
    // The page is loaded through a relay whose connections the test cuts: to the browser, the network went away.
    const relay = await tcpRelay(worker.url);
    try {
      await page.goto(relay.url.href);
      await page.click("#chat-send");
      await page.waitForFunction(() => (document.getElementById("chat-output")?.textContent ?? "").length > 20);
      relay.cut();
      const states = await watch(page, async () => (await page.textContent("#chat-status"))!, (text) => text.startsWith("done"));
      expect(states.some((state) => state.startsWith("connection lost: reconnecting"))).toBe(true);
      expect(states.at(-1)).toBe("done: stop");
      expect(await page.textContent("#chat-output")).toBe(answer("Tell me about streaming").join(""));
    } finally {
      await relay.close();
    }
  });

  it("stops the stream with Stop, and the Worker logs the cancel", async () => {
    const { page } = tab;
    await page.click("#chat-send");
    await page.waitForFunction(() => (document.getElementById("chat-output")?.textContent ?? "").length > 10);
    await page.click("#chat-stop");
    await page.waitForFunction(() => document.getElementById("chat-status")?.textContent === "stopped");
    await expect.poll(() => logged(/"route":"\/api\/chat".*"outcome":"cancelled"/), { timeout: 10_000 }).toBe(true);
  });
});
