import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSSE } from "../../src/streams/sse";

const TEXT = "héllo 👋🏽 世界";
const BIG = "0123456789abcdef👋".repeat(262_144); // 20 bytes each: 5 MiB

/** Writes each piece as its own socket write, waiting for it to be flushed, so the client sees the cuts. */
async function writePieces(res: ServerResponse, pieces: Uint8Array[]) {
  for (const piece of pieces) await new Promise<void>((resolve) => res.write(piece, () => resolve()));
}

/** A local server that sends encodeSSE's bytes cut in hard places. */
function sseServer(): Promise<Server> {
  const server = createServer(async (req, res) => {
    res.socket?.setNoDelay(true);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const wire = new TextEncoder().encode(encodeSSE({ id: 1, data: JSON.stringify(TEXT) }));
    if (req.url === "/split") {
      // Event k is cut after byte k: every offset, the emoji's included, in one stream.
      for (let k = 0; k <= wire.length; k++) {
        const event = new TextEncoder().encode(encodeSSE({ id: k, data: JSON.stringify(TEXT) }));
        await writePieces(res, [event.subarray(0, k), event.subarray(k)]);
      }
    } else {
      const big = new TextEncoder().encode(encodeSSE({ data: JSON.stringify(BIG) }));
      const pieces = [];
      for (let at = 0; at < big.length; at += 65_536) pieces.push(big.subarray(at, at + 65_536));
      await writePieces(res, pieces);
    }
    res.end(encodeSSE({ event: "done", data: "{}" }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Collects `eventsource` messages until the done event, then closes it (it would reconnect otherwise). */
function collect(url: string): Promise<MessageEvent[]> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    const messages: MessageEvent[] = [];
    source.onmessage = (event) => messages.push(event);
    source.addEventListener("done", () => {
      source.close();
      resolve(messages);
    });
    source.onerror = (error) => {
      source.close();
      reject(error);
    };
  });
}

let upstream: Server;
let upstreamUrl: string;

beforeAll(async () => {
  upstream = await sseServer();
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => upstream?.close());

describe("the SSE encoder's bytes read by the eventsource client over a socket", () => {
  it("an emoji cut at every byte offset arrives intact", async () => {
    const messages = await collect(`${upstreamUrl}/split`);
    expect(messages.length).toBeGreaterThan(20);
    for (const message of messages) expect(JSON.parse(message.data)).toBe(TEXT);
    expect(messages.map((m) => m.lastEventId)).toEqual(messages.map((_, k) => String(k)));
  });

  it("a 5 MB event arrives intact", async () => {
    const [message, ...rest] = await collect(`${upstreamUrl}/big`);
    expect(rest).toEqual([]);
    expect(JSON.parse(message!.data)).toBe(BIG);
  });

});
