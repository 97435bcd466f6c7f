import { describe, expect, it } from "vitest";
import { parseSSE, type ServerSentEvent } from "../../src/streams/parseSSE";

async function parse(lines: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseSSE(lines)) events.push(event);
  return events;
}

describe("parseSSE", () => {
  it("joins data lines with LF and names unnamed events message", async () => {
    expect(await parse(["data: a", "data: b", ""])).toEqual([{ event: "message", data: "a\nb", id: "" }]);
  });

  it("strips one space after the colon, and reads a field with no space", async () => {
    expect(await parse(["data:x", "data:  y", ""])).toEqual([{ event: "message", data: "x\n y", id: "" }]);
  });

  it("keeps the last id for later events, as lastEventId does", async () => {
    const events = await parse(["id: 7", "data: a", "", "data: b", ""]);
    expect(events.map((e) => e.id)).toEqual(["7", "7"]);
  });

  it("ignores an id containing NUL", async () => {
    const [event] = await parse(["id: 1", "id: 2\0", "data: a", ""]);
    expect(event?.id).toBe("1");
  });

  it("ignores comments and dispatches nothing for an event without data", async () => {
    expect(await parse([": ping", "", "event: lonely", ""])).toEqual([]);
  });

  it("drops an event not ended by a blank line, as browsers do", async () => {
    expect(await parse(["data: a", "", "data: unfinished"])).toEqual([{ event: "message", data: "a", id: "" }]);
  });

  it("reads a field name alone on a line as an empty value", async () => {
    expect(await parse(["data", "data", ""])).toEqual([{ event: "message", data: "\n", id: "" }]);
  });
});
