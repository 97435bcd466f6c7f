import { LineDecoder } from "./LineDecoder";

/** One event as an SSE client sees it. */
export interface ServerSentEvent {
  /** `message` unless the event was named. */
  event: string;
  data: string;
  /** The last event id seen so far, as `EventSource.lastEventId`. */
  id: string;
}

/**
 * Decodes SSE text per the WHATWG rules, synchronously: all the events of one network read come out of one call,
 * so a relay pays one await per read rather than several per event. An event not ended by a blank line is dropped
 * at the end, as browsers do.
 */
export class SSEDecoder {
  #lines = new LineDecoder();
  #data: string[] = [];
  #event = "";
  #id = "";

  /** Returns the events this piece of text completes. */
  push(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    for (const line of this.#lines.push(text)) {
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** Takes one line; returns the event it completes, if any. */
  line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      const event = this.#data.length > 0 ? { event: this.#event || "message", data: this.#data.join("\n"), id: this.#id } : undefined;
      this.#data = [];
      this.#event = "";
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    // `retry` only matters to a reconnecting EventSource.
    return undefined;
  }
}
