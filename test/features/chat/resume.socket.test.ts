import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { tcpRelay, type TcpRelay } from "../../e2e/tcpRelay";
import { useWranglerDev } from "../../e2e/wranglerDev";

// 100 ms a word (~4 s an answer); with nobody connected for 2 s the model is stopped, and EventSource is back in 1 s.
const worker = useWranglerDev(() => ({ OFFLINE_TOKEN_MS: "100", DURABLE_DETACHED_SECONDS: "2" }));
let relay: TcpRelay;

beforeAll(async () => {
  relay = await tcpRelay(worker.url);
});
afterAll(() => relay?.close());

/** The log lines the Worker wrote for resumable streams, parsed. */
const ended = () =>
  worker.output
    .split("\n")
    .filter((line) => line.includes('"durable":true'))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as { outcome: string; code?: string; records: number });

describe("a resumable chat stream over real sockets", () => {
  it("the eventsource client, its connection cut mid-answer, reconnects by itself and gets every event once", async () => {
    const q = "cut the wire";
    const source = new EventSource(new URL(`/api/chat?resume=1&q=${encodeURIComponent(q)}`, relay.url).href);
    let opened = 0;
    source.addEventListener("open", () => opened++);
    const messages = await new Promise<MessageEvent[]>((resolve, reject) => {
      const seen: MessageEvent[] = [];
      source.addEventListener("message", (event) => {
        // The network drops after the third token.
        if (seen.push(event) === 3) relay.cut();
      });
      source.addEventListener("done", () => resolve(seen));
      source.addEventListener("error", (event) => event.code !== undefined && reject(event));
    });
    source.close();
    expect(opened).toBe(2);
    expect(messages.map((m) => JSON.parse(m.data)).join("")).toBe(answer(q).join(""));
    expect(messages.map((m) => Number(m.lastEventId.split(":")[1]))).toEqual(messages.map((_, k) => k + 1));
  });

  it("notices a reader whose socket closed: with nobody back in time, the model is stopped", async () => {
    const response = await fetch(new URL("/api/chat?resume=1&q=gone+for+good", relay.url));
    const reader = response.body!.getReader();
    await reader.read();
    relay.cut();
    // Only this test leaves a stream with nobody to come back.
    await expect.poll(() => ended().find((e) => e.outcome === "cancelled" && e.code === "abandoned"), { timeout: 10_000, interval: 100 }).toBeDefined();
    expect(ended().find((e) => e.outcome === "cancelled" && e.code === "abandoned")!.records).toBeLessThan(answer("gone for good").length);
  });
});
