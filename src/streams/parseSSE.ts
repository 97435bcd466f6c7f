/** One event as an SSE client sees it. */
export interface ServerSentEvent {
  /** `message` unless the event was named. */
  event: string;
  data: string;
  /** The last event id seen so far, as `EventSource.lastEventId`. */
  id: string;
}

/** Parses SSE lines into events per the WHATWG rules; an event not ended by a blank line is dropped, as browsers do. */
export async function* parseSSE(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ServerSentEvent, void> {
  let data: string[] = [];
  let event = "";
  let id = "";
  for await (const line of lines) {
    if (line === "") {
      if (data.length > 0) yield { event: event || "message", data: data.join("\n"), id };
      data = [];
      event = "";
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
    // `retry` only matters to a reconnecting EventSource.
  }
}
