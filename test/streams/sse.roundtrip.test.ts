import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { readSSE } from "../../src/client/readSSE";
import { encodeSSE } from "../../src/streams/sse";
import { cutBytes, drain, piecesOf, responseOf } from "../support/chunked";

/** Decodes byte chunks as a browser does and feeds them to eventsource-parser. */
function viaEventsourceParser(chunks: Uint8Array[]): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return events;
}

const TEXT = "héllo 👋🏽 世界\nsecond line\r\nthird\rfourth \u2028 end";
const DONE = encodeSSE({ event: "done", data: "{}" });

describe("SSE encoder output read by real parsers", () => {
  it("multi-line data arrives as one event with the lines joined by LF", () => {
    const [event] = viaEventsourceParser(cutBytes(encodeSSE({ data: "a\nb\r\nc\rd" }), []));
    expect(event?.data).toBe("a\nb\nc\nd");
  });

  it("data that looks like fields stays data, and no event is forged", () => {
    const events = viaEventsourceParser(cutBytes(encodeSSE({ data: "x\n\nevent: done\ndata: y" }), []));
    expect(events).toEqual([{ data: "x\n\nevent: done\ndata: y", event: undefined, id: undefined }]);
  });

  it("event names and ids arrive as written", () => {
    const [event] = viaEventsourceParser(cutBytes(encodeSSE({ event: "done", id: 42, data: "{}" }), []));
    expect(event).toEqual({ event: "done", id: "42", data: "{}" });
  });

  it("an emoji split at every byte offset arrives intact through eventsource-parser and readSSE", async () => {
    const wire = encodeSSE({ id: 1, data: JSON.stringify(TEXT) }) + DONE;
    const length = new TextEncoder().encode(wire).length;
    for (let offset = 0; offset <= length; offset++) {
      const chunks = cutBytes(wire, [offset]);
      expect(JSON.parse(viaEventsourceParser(chunks)[0]!.data)).toBe(TEXT);
      const { values } = await drain(readSSE(responseOf(chunks).response));
      expect(values).toEqual([TEXT]);
    }
  });

  it("a 5 MB event arrives intact through eventsource-parser and readSSE", async () => {
    const big = "0123456789abcdef👋".repeat(262_144); // 20 bytes each: 5 MiB
    const wire = encodeSSE({ data: JSON.stringify(big) }) + DONE;
    expect(new TextEncoder().encode(wire).length).toBeGreaterThan(5 * 1024 * 1024);
    const chunks = piecesOf(wire, 4096);
    expect(JSON.parse(viaEventsourceParser(chunks)[0]!.data)).toBe(big);
    const { values } = await drain(readSSE(responseOf(chunks).response));
    expect(values).toEqual([big]);
  });
});
